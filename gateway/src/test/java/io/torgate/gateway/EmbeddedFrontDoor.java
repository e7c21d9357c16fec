package io.torgate.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/** The front door's pipeline on an EmbeddedChannel: feed bytes in, read the exact reply bytes out. */
final class EmbeddedFrontDoor {

    private EmbeddedFrontDoor() {
    }

    static EmbeddedChannel channel(GatewayConfig config) {
        GatewayContext gw = new GatewayContext(config, config.listener(),
                new TunnelRegistry(config.maxTunnels(), config.maxTunnelsPerUser()),
                new UpstreamDialer(ByteBufAllocator.DEFAULT, Transport.NIO, config, new DirectResolver()),
                new Redactor(false), new AtomicLong(), new LoginChecks());
        return new EmbeddedChannel(new FrontDoorInitializer(gw));
    }

    /** Writes the bytes in as one buffer. */
    static void feed(EmbeddedChannel channel, int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        channel.writeInbound(Unpooled.wrappedBuffer(b));
    }

    /** Writes the bytes in one buffer per byte, the slowest a client can be. */
    static void feedByteByByte(EmbeddedChannel channel, byte[] bytes) {
        for (byte b : bytes) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
    }

    static void feed(EmbeddedChannel channel, String text) {
        channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
    }

    /** Everything written to the client so far, as unsigned bytes; the buffers are released. */
    static int[] replies(EmbeddedChannel channel) {
        byte[] bytes = replyBytes(channel);
        int[] out = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = bytes[i] & 0xff;
        }
        return out;
    }

    static String replyText(EmbeddedChannel channel) {
        return new String(replyBytes(channel), StandardCharsets.UTF_8);
    }

    private static byte[] replyBytes(EmbeddedChannel channel) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Object msg;
        while ((msg = channel.readOutbound()) != null) {
            ByteBuf buf = (ByteBuf) msg;
            byte[] b = new byte[buf.readableBytes()];
            buf.readBytes(b);
            buf.release();
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
