package io.torgate.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds bytes that arrive before the relay exists: data a client sends right behind its CONNECT, or a server
 * banner that came in the same read as the upstream proxy's reply. They are handed over in order when the relay
 * starts and released if it never does, so nothing is lost and nothing leaks.
 */
class HoldInbound extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(HoldInbound.class);

    private final ArrayDeque<ByteBuf> held = new ArrayDeque<>();
    private boolean inputShutdown;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf) {
            held.add((ByteBuf) msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Swallowed: nobody downstream wants it until the relay starts.
    }

    /** The peer's EOF came in before the relay: remembered so the relay can pass it on as a half-close. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputShutdown = true;
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    boolean inputShutdown() {
        return inputShutdown;
    }

    /** Writes (without flushing) everything held to {@code target}, in arrival order; returns the byte count. */
    long writeHeldTo(Channel target) {
        long bytes = 0;
        ByteBuf buf;
        while ((buf = held.poll()) != null) {
            bytes += buf.readableBytes();
            target.write(buf, target.voidPromise());
        }
        return bytes;
    }

    void releaseHeld() {
        ByteBuf buf;
        while ((buf = held.poll()) != null) {
            buf.release();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseHeld();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        releaseHeld();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Not the channel itself: its toString names the remote address, i.e. possibly the destination.
        log.debug("Closing a connection before its relay started: {}", cause.getClass().getSimpleName());
        ctx.close();
    }
}
