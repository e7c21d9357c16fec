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

    /**
     * The upstream connection is open and its CONNECT on the way. A router that learns why this connection
     * cannot succeed sooner or more precisely than the SOCKS5 reply would tell (for tor: an exit's resolve
     * failure, reported on the control port while tor itself would go on retrying the stream on other
     * circuits) completes the stage with that cause: the gateway then closes the upstream and answers the client
     * at once, as {@link UpstreamFailures#cause} says. A SOCKS5 failure reply that arrives first waits up to
     * {@link ConnectAttempt#EXPLAIN_GRACE} for the stage, so the answer names the cause either way; completing
     * with null says nothing. The gateway cancels the stage's future once it stops listening (the attempt ended),
     * so a router can drop what it kept for it. Must not block; may complete on any thread.
     *
     * @param upstreamLocal the gateway's end of the upstream connection (for tor: the stream's source address)
     * @return the cause to come, or null (the default) when this router has nothing to watch
     */
    default CompletionStage<UpstreamCause> watch(InetSocketAddress upstreamLocal) {
        return null;
    }

    /**
     * A failure code the upstream answered the CONNECT with, named more precisely than the SOCKS5 table can (an
     * upstream's own extensions, e.g. codes above 0x08). The refusal's reply, detail and reason become the
     * client's answer instead of "the upstream proxy answered 0xNN". Must be quick.
     *
     * @return the refusal to answer with, or empty (the default) to pass the code through as it is
     */
    default java.util.Optional<RoutingException> explainReply(int code) {
        return java.util.Optional.empty();
    }

    /** The upstream accepted the CONNECT; the relay starts. */
    default void established(Tunnel tunnel) { }

    /** The upstream could not be reached or refused; no tunnel was made. */
    default void failed(SocksReply reply, Throwable cause) { }

    /** An established tunnel ended. */
    default void closed(Tunnel tunnel) { }
}
