package io.torgate.gateway;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;

/** HTTP CONNECT answers: 200 opens the tunnel; failures map through {@link SocksReply#httpStatus()}. */
enum HttpFrontDoor implements FrontDoor {
    INSTANCE;

    private static final HttpResponseStatus ESTABLISHED = new HttpResponseStatus(200, "Connection established");

    @Override
    public ConnectRequest.Protocol protocol() {
        return ConnectRequest.Protocol.HTTP_CONNECT;
    }

    @Override
    public void succeeded(ChannelHandlerContext ctx, InetSocketAddress bound) {
        // No Content-Length or Transfer-Encoding: a 2xx to CONNECT must not carry them (RFC 9110 §9.3.6).
        ctx.write(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, ESTABLISHED));
        ctx.pipeline().remove(HttpConnectHandler.ENCODER);
    }

    @Override
    public void failed(ChannelHandlerContext ctx, ConnectFailure failure) {
        ctx.writeAndFlush(HttpResponses.error(ctx.alloc(), failure.httpStatus(), failure.proxyStatusError(),
                failure.detail())).addListener(ChannelFutureListener.CLOSE);
    }
}
