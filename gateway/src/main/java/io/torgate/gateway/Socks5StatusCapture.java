package io.torgate.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.socksx.v5.Socks5CommandResponse;

/**
 * Remembers the upstream's SOCKS5 CONNECT reply code so the client gets the real code (e.g. Tor's 0x04) instead
 * of a generic failure. Netty's {@code Socks5ProxyHandler} turns a failed reply into a
 * {@code ProxyConnectException} that only carries the code as text, and the class is final, so this handler sits
 * between its response decoder and the proxy handler and looks at the decoded response on its way through.
 */
final class Socks5StatusCapture extends ChannelInboundHandlerAdapter {

    private Integer status;

    /** The upstream's CONNECT reply code, or null when none arrived. */
    Integer status() {
        return status;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Socks5CommandResponse) {
            status = ((Socks5CommandResponse) msg).status().byteValue() & 0xff;
        }
        ctx.fireChannelRead(msg);
    }
}
