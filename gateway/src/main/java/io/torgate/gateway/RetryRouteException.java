package io.torgate.gateway;

import java.util.Objects;

/**
 * A router's answer to {@link TunnelObserver#admit}: the upstream connection is not the one the request needs
 * (e.g. tor carried it through an exit outside the wanted country), so the gateway drops it before the client
 * is told anything and asks the router again, within the connect timeout. The client never sends a byte through
 * the rejected upstream.
 */
public final class RetryRouteException extends RuntimeException {

    private final String reason;

    /**
     * @param reason a short machine-readable reason from a bounded set (it may become a metric label)
     * @param detail what was wrong, for the log; never shown to the client
     */
    public RetryRouteException(String reason, String detail) {
        super(Objects.requireNonNull(detail, "detail"), null, false, false);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public String reason() {
        return reason;
    }
}
