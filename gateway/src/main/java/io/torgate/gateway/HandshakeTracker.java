package io.torgate.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First handler on every client channel: enforces the handshake timeout (connect → CONNECT request) and reports
 * the handshake's outcome to the listener exactly once. The front-door handlers find it in the pipeline and say
 * which protocol was detected and how the handshake ended.
 */
final class HandshakeTracker extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(HandshakeTracker.class);
    static final String NAME = "handshake";

    private final GatewayContext gw;
    private ChannelHandlerContext ctx;
    private ConnectRequest.Protocol protocol;
    private long startNanos;
    private ScheduledFuture<?> timeout;
    private boolean finished;

    HandshakeTracker(GatewayContext gw) {
        this.gw = gw;
    }

    static HandshakeTracker of(ChannelPipeline pipeline) {
        HandshakeTracker tracker = pipeline.get(HandshakeTracker.class);
        if (tracker == null) {
            throw new IllegalStateException("no HandshakeTracker in " + pipeline.names());
        }
        return tracker;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        startNanos = System.nanoTime();
        if (ctx.channel().isActive()) {
            arm();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        arm();
        super.channelActive(ctx);
    }

    private void arm() {
        if (timeout == null && !finished) {
            timeout = ctx.executor().schedule(this::timedOut, gw.config().handshakeTimeout().toNanos(),
                    TimeUnit.NANOSECONDS);
        }
    }

    private void timedOut() {
        if (!finished && ctx.channel().isActive()) {
            log.debug("Handshake from {} timed out after {}", ctx.channel().remoteAddress(),
                    gw.config().handshakeTimeout());
            failed("timeout");
            ctx.close();
        }
    }

    void protocol(ConnectRequest.Protocol protocol) {
        this.protocol = protocol;
    }

    /** The CONNECT request is in and authenticated: stop the clock and get out of the pipeline. */
    void completed() {
        if (finished) {
            return;
        }
        finished = true;
        cancelTimeout();
        gw.listener().handshakeCompleted(protocol, System.nanoTime() - startNanos);
        ctx.pipeline().remove(this);
    }

    /** The handshake failed; {@code reason} is a bounded metric label. Does not close the channel. */
    void failed(String reason) {
        if (finished) {
            return;
        }
        finished = true;
        cancelTimeout();
        gw.listener().handshakeFailed(protocol, reason);
    }

    /** The handshake ended in a way reported through another hook (auth failure, option rejected). */
    void abandoned() {
        finished = true;
        cancelTimeout();
    }

    /**
     * Client channels allow half-closure (for the tunnel's sake), so a client that goes away mid-handshake shows
     * up as an input shutdown rather than an inactive channel. It can never finish the handshake: close.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent && !finished) {
            failed("client_closed");
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        failed("client_closed");
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimeout();
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }
}
