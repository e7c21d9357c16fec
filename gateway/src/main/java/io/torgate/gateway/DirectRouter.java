package io.torgate.gateway;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Every tunnel goes straight to its destination from this machine: no Tor, no anonymity. For development,
 * tests and trusted networks. Destination names are resolved by the gateway (it is the last hop); requests that
 * ask for an exit country or relay are refused, since this router has no exits to choose from.
 */
public final class DirectRouter implements Router {

    @Override
    public CompletionStage<Route> route(ConnectRequest request) {
        CompletableFuture<Route> refused = ExitSelection.refuseIfRequested(request.route(), "direct");
        return refused != null ? refused : CompletableFuture.completedFuture(Route.direct());
    }

    @Override
    public String toString() {
        return "DirectRouter";
    }
}
