package io.torgate.gateway;

import java.util.concurrent.atomic.AtomicLong;

/** What every connection's handlers share within one running gateway. */
record GatewayContext(
        GatewayConfig config,
        GatewayListener listener,
        TunnelRegistry tunnels,
        UpstreamDialer dialer,
        Redactor redactor,
        AtomicLong tunnelIds,
        LoginChecks logins) {

    GatewayContext {
        listener = SafeListener.wrap(listener);
    }
}
