package io.torgate.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One port, two protocols: the first byte decides. 0x05 is a SOCKS5 greeting, an ASCII letter starts an HTTP
 * request line; SOCKS4's 0x04 gets SOCKS4's "rejected" reply; anything else (TLS, noise) is closed at once. On a match the protocol's handlers
 * take this one's place, and the bytes read so far are handed to them.
 */
final class ProtocolDetector extends ByteToMessageDecoder {

    private static final Logger log = LoggerFactory.getLogger(ProtocolDetector.class);
    static final String NAME = "detect";

    private static final byte SOCKS5 = 0x05;
    private static final byte SOCKS4 = 0x04;
    /** SOCKS4's 8-byte reply: version 0, status 0x5B (rejected or failed), port and address unused. */
    private static final byte[] SOCKS4_REJECTED = {0x00, 0x5B, 0, 0, 0, 0, 0, 0};

    private final GatewayContext gw;

    ProtocolDetector(GatewayContext gw) {
        this.gw = gw;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!in.isReadable()) {
            return;
        }
        byte first = in.getByte(in.readerIndex());
        HandshakeTracker tracker = HandshakeTracker.of(ctx.pipeline());
        if (first == SOCKS5) {
            tracker.protocol(ConnectRequest.Protocol.SOCKS5);
            Socks5InitialHandler.install(ctx.pipeline(), NAME, gw);
        } else if (isAsciiLetter(first)) {
            tracker.protocol(ConnectRequest.Protocol.HTTP_CONNECT);
            HttpConnectHandler.install(ctx.pipeline(), NAME, gw);
        } else if (first == SOCKS4) {
            // A SOCKS4/4a client understands only its own reply: "request rejected or failed" (0x5B), so it says
            // "rejected" rather than "connection closed". torgate speaks SOCKS5 (socks5h://) and HTTP CONNECT.
            in.skipBytes(in.readableBytes());
            log.debug("Refusing {}: a SOCKS4/4a request; torgate speaks SOCKS5 (socks5h://) and HTTP CONNECT",
                    ctx.channel().remoteAddress());
            tracker.failed("socks4");
            ctx.writeAndFlush(ctx.alloc().buffer(SOCKS4_REJECTED.length).writeBytes(SOCKS4_REJECTED))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        } else {
            in.skipBytes(in.readableBytes());
            log.debug("Closing {}: first byte 0x{} is neither SOCKS5 nor HTTP", ctx.channel().remoteAddress(),
                    Integer.toHexString(first & 0xff));
            tracker.failed("unknown_protocol");
            ctx.close();
            return;
        }
        // Leaving the pipeline hands whatever is buffered here to the handlers just installed.
        ctx.pipeline().remove(this);
    }

    private static boolean isAsciiLetter(byte b) {
        return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z');
    }
}
