package io.torgate.gateway;

import java.util.Objects;

/**
 * Why a CONNECT did not become a tunnel, in the terms both front doors need: the SOCKS5 reply, the HTTP status,
 * the RFC 9209 Proxy-Status error type, and a detail that is safe to show the client (no passwords, nothing the
 * client did not already know).
 */
record ConnectFailure(SocksReply reply, int httpStatus, String proxyStatusError, String detail) {

    ConnectFailure {
        Objects.requireNonNull(reply, "reply");
        Objects.requireNonNull(proxyStatusError, "proxyStatusError");
        Objects.requireNonNull(detail, "detail");
    }

    /** The usual case: the HTTP status comes from the one {@link SocksReply} table. */
    static ConnectFailure of(SocksReply reply, String proxyStatusError, String detail) {
        return new ConnectFailure(reply, reply.httpStatus(), proxyStatusError, detail);
    }

    /**
     * A tunnel limit was hit. SOCKS5 has no "busy" code, so the client sees 0x01 (general failure: a
     * transient condition on our side, not a ruleset verdict); HTTP clients get 503, which says the same
     * thing more precisely.
     */
    static ConnectFailure limit(String limit) {
        String detail = "total".equals(limit)
                ? "the gateway is at its tunnel limit; try again later"
                : "too many open tunnels for this user; close some and try again";
        return new ConnectFailure(SocksReply.GENERAL_FAILURE, 503, "connection_limit_reached", detail);
    }

    static ConnectFailure timeout(String detail) {
        return of(SocksReply.TTL_EXPIRED, "connection_timeout", detail);
    }

    static ConnectFailure internal(String detail) {
        return of(SocksReply.GENERAL_FAILURE, "proxy_internal_error", detail);
    }
}
