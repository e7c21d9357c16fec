package io.torgate.gateway;

import java.util.concurrent.CompletionStage;

/**
 * Turns a client's request into an upstream to dial. The gateway knows nothing of Tor; the router does.
 * Called on a Netty event loop: it must not block. A router that needs blocking work (a tor control port)
 * does it elsewhere and completes the stage later.
 * <p>
 * The stage completes exceptionally with a {@link RoutingException} to refuse with a specific reply;
 * any other exception is a general failure.
 */
@FunctionalInterface
public interface Router {
    CompletionStage<Route> route(ConnectRequest request);
}
