package io.torgate.gateway;

import java.util.Objects;

/**
 * A router's refusal: the SOCKS5 reply to send, a short machine-readable reason (a bounded set, used as a
 * metric label, e.g. {@code country_not_allowed}, {@code no_exit_running}), and a human detail that is safe
 * to show the client (e.g. {@code no exit in [de] is running}).
 */
public final class RoutingException extends Exception {

    private final SocksReply reply;
    private final String reason;

    public RoutingException(SocksReply reply, String reason, String detail) {
        super(Objects.requireNonNull(detail, "detail"), null, false, false);
        this.reply = Objects.requireNonNull(reply, "reply");
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public SocksReply reply() {
        return reply;
    }

    public String reason() {
        return reason;
    }

    public String detail() {
        return getMessage();
    }
}
