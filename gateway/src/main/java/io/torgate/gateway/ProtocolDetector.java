package io.torgate.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One port, two protocols: the first byte decides. 0x05 is a SOCKS5 greeting, an ASCII letter starts an HTTP
 * request line; anything else (SOCKS4's 0x04, TLS, noise) is closed at once. On a match the protocol's handlers
 * take this one's place, and the bytes read so far are handed to them.
 */
final class ProtocolDetector extends ByteToMessageDecoder {

    private static final Logger log = LoggerFactory.getLogger(ProtocolDetector.class);
    static final String NAME = "detect";

    private static final byte SOCKS5 = 0x05;
    private static final byte SOCKS4 = 0x04;

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
        } else {
            in.skipBytes(in.readableBytes());
            String reason = first == SOCKS4 ? "socks4" : "unknown_protocol";
            log.debug("Closing {}: first byte 0x{} is neither SOCKS5 nor HTTP", ctx.channel().remoteAddress(),
                    Integer.toHexString(first & 0xff));
            tracker.failed(reason);
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
