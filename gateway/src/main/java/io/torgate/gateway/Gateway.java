package io.torgate.gateway;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * A running gateway: one listener that speaks SOCKS5 and HTTP CONNECT, relaying each tunnel to the upstream
 * its {@link Router} names.
 */
public interface Gateway extends AutoCloseable {

    /**
     * Binds and starts serving.
     *
     * @throws GatewayStartException when the config is unsafe (e.g. a non-loopback listener with no users)
     *                               or the address cannot be bound; the message says why
     */
    static Gateway start(GatewayConfig config) throws GatewayStartException {
        return NettyGateway.start(config);
    }

    /** The bound address (the real port when 0 was asked for). */
    InetSocketAddress address();

    /** Live tunnels. */
    int activeTunnels();

    /** Bytes of pooled direct memory in use by the gateway's allocator. */
    long usedDirectMemory();

    /**
     * Changes the tunnel limits ({@link GatewayConfig#maxTunnels()}, {@link GatewayConfig#maxTunnelsPerUser()};
     * 0 = unlimited) for tunnels requested from now on, e.g. on a config reload. Live tunnels are never closed
     * for it, even when they exceed a lowered limit.
     *
     * @throws IllegalArgumentException for a negative limit
     */
    void updateLimits(int maxTunnels, int maxTunnelsPerUser);

    /** Stops accepting; live tunnels go on. */
    void stopAccepting();

    /** Stops accepting, waits up to {@code grace} for tunnels to end, then closes the rest and the event loops. */
    void shutdown(Duration grace);

    /** {@code shutdown(Duration.ZERO)}. */
    @Override
    void close();
}
