package io.torgate.gateway;

import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Maps why an upstream could not be reached to the reply the client gets. */
final class UpstreamFailures {

    private UpstreamFailures() {
    }

    /** The gateway dialled the destination itself ({@link Route#direct()}). */
    static ConnectFailure direct(Throwable cause) {
        Throwable c = unwrap(cause);
        if (c instanceof UnknownHostException) {
            return ConnectFailure.of(SocksReply.HOST_UNREACHABLE, "dns_error",
                    "the destination host name could not be resolved");
        }
        if (c instanceof ConnectTimeoutException) {
            return ConnectFailure.timeout("connecting to the destination timed out");
        }
        if (c instanceof NoRouteToHostException) {
            return ConnectFailure.of(SocksReply.HOST_UNREACHABLE, "destination_ip_unroutable",
                    "no route to the destination host");
        }
        if (c instanceof ConnectException) {
            // Netty's native transport reports every connect errno as a ConnectException; the message names it.
            String message = String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT);
            if (message.contains("network is unreachable")) {
                return ConnectFailure.of(SocksReply.NETWORK_UNREACHABLE, "destination_ip_unroutable",
                        "the destination network is unreachable");
            }
            if (message.contains("no route to host") || message.contains("host is unreachable")) {
                return ConnectFailure.of(SocksReply.HOST_UNREACHABLE, "destination_ip_unroutable",
                        "no route to the destination host");
            }
            return ConnectFailure.of(SocksReply.CONNECTION_REFUSED, "connection_refused",
                    "the destination refused the connection");
        }
        return ConnectFailure.of(SocksReply.GENERAL_FAILURE, "destination_unavailable",
                "could not connect to the destination");
    }

    /** The TCP connection to the upstream SOCKS5 server itself failed: our side of the chain is down. */
    static ConnectFailure proxyUnreachable(Throwable cause) {
        if (unwrap(cause) instanceof ConnectTimeoutException) {
            return ConnectFailure.timeout("connecting to the upstream proxy timed out");
        }
        return ConnectFailure.internal("the upstream proxy is not reachable");
    }

    /**
     * The upstream SOCKS5 server answered the CONNECT with a failure code: pass that code through unchanged,
     * it is the best description of what happened out there.
     */
    static ConnectFailure upstreamReply(int code, TunnelObserver observer) {
        java.util.Optional<RoutingException> named;
        try {
            named = observer == null ? java.util.Optional.empty() : observer.explainReply(code & 0xff);
        } catch (RuntimeException e) {
            named = java.util.Optional.empty();
        }
        return named.map(UpstreamFailures::refused).orElseGet(() -> upstreamReply(code));
    }

    static ConnectFailure upstreamReply(int code) {
        SocksReply reply = SocksReply.of(code);
        String detail = String.format("the upstream proxy answered 0x%02x (%s)", code & 0xff,
                reply.name().toLowerCase(Locale.ROOT).replace('_', ' '));
        return ConnectFailure.of(reply, proxyStatusError(reply), detail);
    }

    /** The upstream SOCKS5 handshake failed without a CONNECT reply (auth refused, connection dropped, …). */
    static ConnectFailure proxyHandshake(Throwable cause) {
        return ConnectFailure.internal("the upstream proxy handshake failed");
    }

    /** What the router learned about a failing upstream connection ({@link TunnelObserver#watch}). */
    static ConnectFailure cause(UpstreamCause cause) {
        switch (cause) {
            case DNS_ERROR:
                return ConnectFailure.of(SocksReply.HOST_UNREACHABLE, "dns_error",
                        "the destination host name could not be resolved (the exit's resolver found no address)");
            case NO_CIRCUIT:
                return ConnectFailure.of(SocksReply.HOST_UNREACHABLE, "destination_unavailable",
                        "no circuit through the exit this connection needs could be built (the exit may be down)");
            default:
                throw new IllegalArgumentException("no answer for " + cause);
        }
    }

    /** A router's refusal, as the client is told: its reply, and its detail (which is safe to show). */
    static ConnectFailure refused(RoutingException refusal) {
        return ConnectFailure.of(refusal.reply(), proxyStatusError(refusal.reply()), refusal.detail());
    }

    /** The RFC 9209 error type that best matches a SOCKS5 reply. */
    static String proxyStatusError(SocksReply reply) {
        switch (reply) {
            case NOT_ALLOWED_BY_RULESET:
                return "http_request_denied";
            case NETWORK_UNREACHABLE:
                return "destination_ip_unroutable";
            case HOST_UNREACHABLE:
            case GENERAL_FAILURE:
                return "destination_unavailable";
            case CONNECTION_REFUSED:
                return "connection_refused";
            case TTL_EXPIRED:
                return "connection_timeout";
            default:
                return "proxy_internal_error";
        }
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
