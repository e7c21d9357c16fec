package io.torgate.gateway;

import io.netty.channel.ChannelHandlerContext;
import java.net.InetSocketAddress;

/** How one client protocol (SOCKS5, HTTP CONNECT) answers the outcome of a CONNECT. */
interface FrontDoor {

    ConnectRequest.Protocol protocol();

    /**
     * Writes (does not flush) the success reply, then removes the protocol's codecs so the channel carries
     * raw bytes from here on.
     */
    void succeeded(ChannelHandlerContext ctx, InetSocketAddress bound);

    /** Writes the failure reply and closes the channel once it is flushed. */
    void failed(ChannelHandlerContext ctx, ConnectFailure failure);
}
