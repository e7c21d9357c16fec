package io.torgate.control.config;

import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.LoginLimits;
import java.time.Duration;

/**
 * The gateway's limits and timeouts (every {@link GatewayConfig} knob) and the shutdown grace.
 * {@code maxTunnels} and {@code maxTunnelsPerUser} change live on reload; the rest need a restart.
 */
public record LimitSettings(
        Duration handshakeTimeout,
        Duration connectTimeout,
        Duration idleTimeout,
        int maxTunnels,
        int maxTunnelsPerUser,
        int writeBufferLow,
        int writeBufferHigh,
        int ioThreads,
        boolean nativeTransport,
        Duration shutdownGrace,
        LoginLimits logins) {

    /** Copies these settings onto a gateway config builder. */
    public GatewayConfig.Builder applyTo(GatewayConfig.Builder b) {
        return b.handshakeTimeout(handshakeTimeout)
                .connectTimeout(connectTimeout)
                .idleTimeout(idleTimeout)
                .maxTunnels(maxTunnels)
                .maxTunnelsPerUser(maxTunnelsPerUser)
                .writeBufferWaterMark(writeBufferLow, writeBufferHigh)
                .ioThreads(ioThreads)
                .nativeTransport(nativeTransport)
                .loginLimits(logins);
    }

    /** The same settings except the two live ones (for "needs a restart" reports). */
    LimitSettings withoutLive() {
        return new LimitSettings(handshakeTimeout, connectTimeout, idleTimeout, 0, 0, writeBufferLow,
                writeBufferHigh, ioThreads, nativeTransport, shutdownGrace, logins);
    }
}
