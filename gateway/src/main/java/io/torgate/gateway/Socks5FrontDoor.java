package io.torgate.gateway;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.socksx.v5.DefaultSocks5CommandResponse;
import io.netty.handler.codec.socksx.v5.Socks5AddressType;
import io.netty.handler.codec.socksx.v5.Socks5CommandStatus;
import io.netty.util.NetUtil;
import java.net.Inet6Address;
import java.net.InetSocketAddress;

/** SOCKS5 replies (RFC 1928 §6): the reply code, and BND.ADDR/BND.PORT of the gateway's upstream socket. */
enum Socks5FrontDoor implements FrontDoor {
    INSTANCE;

    @Override
    public ConnectRequest.Protocol protocol() {
        return ConnectRequest.Protocol.SOCKS5;
    }

    @Override
    public void succeeded(ChannelHandlerContext ctx, InetSocketAddress bound) {
        boolean v6 = bound.getAddress() instanceof Inet6Address;
        ctx.write(new DefaultSocks5CommandResponse(Socks5CommandStatus.SUCCESS,
                v6 ? Socks5AddressType.IPv6 : Socks5AddressType.IPv4,
                NetUtil.toAddressString(bound.getAddress()), bound.getPort()));
        ChannelPipeline p = ctx.pipeline();
        p.remove(Socks5InitialHandler.ENCODER);
        p.remove(Socks5InitialHandler.DECODER);
    }

    @Override
    public void failed(ChannelHandlerContext ctx, ConnectFailure failure) {
        ctx.writeAndFlush(new DefaultSocks5CommandResponse(Socks5CommandStatus.valueOf(failure.reply().code()),
                Socks5AddressType.IPv4, "0.0.0.0", 0)).addListener(ChannelFutureListener.CLOSE);
    }
}
