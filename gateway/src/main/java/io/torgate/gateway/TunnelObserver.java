package io.torgate.gateway;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Hears about one routed connection's life. Called on Netty event loops: must not block. */
public interface TunnelObserver {

    TunnelObserver NONE = new TunnelObserver() { };

    /**
     * The upstream accepted the CONNECT and the client has not been answered yet: the last moment to check that
     * the connection is the right one (for tor, which exit carries it). The client is answered and the relay
     * starts only when the stage completes normally. Completing with a {@link RetryRouteException} makes the
     * gateway close this upstream and route the request again; a {@link RoutingException} fails the CONNECT with
     * its reply; anything else fails it with a general failure. The connect timeout keeps running meanwhile.
     * Must not block; may complete on any thread.
     *
     * @param upstreamLocal the gateway's end of the upstream connection (for tor: the stream's source address)
     */
    default CompletionStage<Void> admit(InetSocketAddress upstreamLocal) {
        return CompletableFuture.completedStage(null);
    }

    /** The upstream accepted the CONNECT; the relay starts. */
    default void established(Tunnel tunnel) { }

    /** The upstream could not be reached or refused; no tunnel was made. */
    default void failed(SocksReply reply, Throwable cause) { }

    /** An established tunnel ended. */
    default void closed(Tunnel tunnel) { }
}
