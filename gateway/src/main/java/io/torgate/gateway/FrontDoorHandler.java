package io.torgate.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Base of the handshake handlers: an unexpected error ends the handshake and closes the client. */
abstract class FrontDoorHandler<T> extends SimpleChannelInboundHandler<T> {

    private static final Logger log = LoggerFactory.getLogger(FrontDoorHandler.class);
    private static final RefusalLog ERRORS = new RefusalLog(log);

    final GatewayContext gw;

    FrontDoorHandler(GatewayContext gw, Class<T> type) {
        super(type);
        this.gw = gw;
    }

    HandshakeTracker tracker(ChannelHandlerContext ctx) {
        return HandshakeTracker.of(ctx.pipeline());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("Client {} failed during the handshake: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            // A bug of ours, but one a client can trigger again and again: summarised.
            ERRORS.refused(RefusalLog.Level.WARN, "handshake errors", "Handshake with {} failed: {}",
                    ctx.channel().remoteAddress(), cause.toString());
            log.debug("Handshake with {} failed", ctx.channel().remoteAddress(), cause);
        }
        HandshakeTracker tracker = ctx.pipeline().get(HandshakeTracker.class);
        if (tracker != null) {
            // A reset is the client going away, the same as a close; anything else is our problem.
            tracker.failed(cause instanceof IOException ? "client_closed" : "error");
        }
        ctx.close();
    }
}
