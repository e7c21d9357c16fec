package io.torgate.gateway;

import java.util.concurrent.CompletableFuture;

/**
 * Routers that cannot pick an exit (direct, or one fixed SOCKS5 upstream) refuse requests that ask for one,
 * rather than silently ignoring the options: a client that asked for a German exit must not believe it got one.
 */
final class ExitSelection {

    private ExitSelection() {
    }

    /** A failed stage when the request selects an exit, else null. */
    static CompletableFuture<Route> refuseIfRequested(RouteRequest request, String router) {
        if (request.countries().isEmpty() && request.excluded().isEmpty() && request.exitFingerprint().isEmpty()) {
            return null;
        }
        return CompletableFuture.failedFuture(new RoutingException(SocksReply.NOT_ALLOWED_BY_RULESET,
                "exit_selection_unsupported",
                "exit selection (country, exclude, exit) is not available with the " + router + " router"));
    }
}
