package io.torgate.control.policy;

import io.torgate.gateway.RoutingException;
import io.torgate.gateway.SocksReply;

/**
 * Why the policy refused a connection: a reason from a small fixed set (a metric label) and a sentence for the
 * client. Every policy refusal is SOCKS5 {@code 0x02} (not allowed by ruleset) / HTTP {@code 403}.
 */
public record Refusal(String reason, String detail) {

    /** A country (asked for, of a pinned exit, or left after exclusions) the user may not use. */
    public static final String COUNTRY_NOT_ALLOWED = "country_not_allowed";
    /** A pinned exit the node directory does not know, for a user whose countries are restricted. */
    public static final String EXIT_COUNTRY_UNKNOWN = "exit_country_unknown";
    public static final String MAX_SESSIONS = "max_sessions";
    public static final String MAX_TUNNELS = "max_tunnels";
    /** The user logged in, then a reload removed it. */
    public static final String UNKNOWN_USER = "unknown_user";

    public RoutingException toException() {
        return new RoutingException(SocksReply.NOT_ALLOWED_BY_RULESET, reason, detail);
    }
}
