package io.torgate.gateway;

/** Hears about one routed connection's life. Called on Netty event loops: must not block. */
public interface TunnelObserver {

    TunnelObserver NONE = new TunnelObserver() { };

    /** The upstream accepted the CONNECT; the relay starts. */
    default void established(Tunnel tunnel) { }

    /** The upstream could not be reached or refused; no tunnel was made. */
    default void failed(SocksReply reply, Throwable cause) { }

    /** An established tunnel ended. */
    default void closed(Tunnel tunnel) { }
}
