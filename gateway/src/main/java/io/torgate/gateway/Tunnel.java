package io.torgate.gateway;

import java.net.InetSocketAddress;

/** A live client↔upstream tunnel, as seen by a {@link TunnelObserver}. */
public interface Tunnel {

    /** Unique within this gateway's life. */
    long id();

    ConnectRequest request();

    /**
     * The local address of the gateway's upstream socket. For a Tor upstream this is the SOURCE_ADDR
     * of the tor STREAM event, which ties a tunnel to its circuit and exit.
     */
    InetSocketAddress upstreamLocalAddress();

    /** Closes both sides (flushing what was already written). Safe from any thread, idempotent. */
    void close(String why);
}
