package io.torgate.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One direction of a tunnel: forwards every inbound buffer as it is to the peer channel (no copy), flushes once
 * per read burst, and pushes back: while the peer cannot take more, this side stops reading (the peer's
 * handler turns our AUTO_READ off and on as its writability changes).
 */
final class RelayHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(RelayHandler.class);
    static final String NAME = "relay";

    private final RelayTunnel tunnel;
    private final Channel peer;
    private final boolean clientSide;

    RelayHandler(RelayTunnel tunnel, Channel peer, boolean clientSide) {
        this.tunnel = tunnel;
        this.peer = peer;
        this.clientSide = clientSide;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ByteBuf buf = (ByteBuf) msg;
        if (clientSide) {
            tunnel.countClientToUpstream(buf.readableBytes());
        } else {
            tunnel.countUpstreamToClient(buf.readableBytes());
        }
        // A failed write releases the buffer and fires exceptionCaught on the peer, which aborts the tunnel.
        peer.write(buf, peer.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        tunnel.readBurstEnded();
        peer.flush();
        if (!clientSide) {
            // The upstream (tor) may be holding its next segment until this read is acknowledged; see QuickAck.
            QuickAck.now(ctx.channel());
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        // This side's outbound buffer crossed a water mark: stop or resume reading from the side that fills it.
        peer.config().setAutoRead(ctx.channel().isWritable());
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent) {
            tunnel.inputEnded(clientSide);
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // The tunnel hears about it through the close future; nothing else to do here.
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("{} {} side: {}", tunnel, clientSide ? "client" : "upstream", cause.toString());
        } else {
            log.warn("{} {} side failed", tunnel, clientSide ? "client" : "upstream", cause);
        }
        tunnel.abort(cause.toString());
    }
}
