package io.torgate.gateway;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of every client channel, so no error reaches Netty's pipeline tail (which logs each one at WARN:
 * a client resetting its connection is not worth a warning, and a flood of resets would fill the log). A client's
 * I/O errors — resets, broken pipes — are logged at DEBUG; anything else is a bug of ours, logged at WARN but
 * summarised ({@link RefusalLog}) since a client can trigger it again and again. Either way the channel closes.
 */
@ChannelHandler.Sharable
final class PipelineEnd extends ChannelInboundHandlerAdapter {

    static final String NAME = "end";
    static final PipelineEnd INSTANCE = new PipelineEnd();

    private static final Logger log = LoggerFactory.getLogger(PipelineEnd.class);
    private static final RefusalLog ERRORS = new RefusalLog(log);

    private PipelineEnd() {
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (expected(cause)) {
            log.debug("Client {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            ERRORS.refused(RefusalLog.Level.WARN, "unexpected client channel errors", "Client {} failed: {}",
                    ctx.channel().remoteAddress(), cause.toString());
            log.debug("Client {} failed", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }

    /** The client's own doing: its connection failed, or what it sent could not be decoded. */
    static boolean expected(Throwable cause) {
        return cause instanceof IOException || cause instanceof DecoderException
                || cause.getCause() instanceof IOException;
    }
}
