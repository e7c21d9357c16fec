package io.torgate.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The SOCKS5 front door from the first byte to the routing call, through the real handlers (protocol detector,
 * Netty's SOCKS5 decoders, torgate's method/auth/command handlers) on an EmbeddedChannel: one new channel per
 * operation, fed the client's greeting, (auth) and CONNECT as separate reads, like a real client that waits for
 * each reply. The router never answers, so nothing is dialled; the channel is closed at the end, which cancels
 * the attempt. Lives in the gateway's package (like Netty's microbench) because these handlers are package-private.
 */
// Netty's leak detector (on by default, "simple") tracks 1 buffer in 128 with ~800 bytes of records, ~6 B/op
// on average: off here, as in Netty's own microbenchmarks, so the figure is the relay's own allocation.
@Fork(jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class Socks5HandshakeBenchmark {

    /** {@code noauth-ipv4}: greeting with NO AUTH, CONNECT 127.0.0.1:80; {@code password-domain}: RFC 1929 with
     *  a routing username, CONNECT example.com:443. */
    @Param({"noauth-ipv4", "password-domain"})
    public String handshake;

    private GatewayContext gw;
    private byte[][] reads;

    @Setup(Level.Trial)
    public void setup() {
        // Parks every request in routing: the handshake is what is measured, not a dial.
        Router parked = request -> new CompletableFuture<>();
        GatewayConfig config = GatewayConfig.builder().router(parked).build();
        gw = new GatewayContext(config, config.listener(),
                new TunnelRegistry(0, 0),
                new UpstreamDialer(ByteBufAllocator.DEFAULT, Transport.NIO, config, new DirectResolver()),
                new Redactor(false), new AtomicLong(), new LoginChecks()); // starts no thread: no slow login here
        reads = switch (handshake) {
            case "noauth-ipv4" -> new byte[][] {
                    bytes(0x05, 0x01, 0x00),
                    bytes(0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, 0, 80)};
            case "password-domain" -> new byte[][] {
                    bytes(0x05, 0x02, 0x00, 0x02),
                    auth("alice-session-x7k2Q9-ttl-30m", "secret"),
                    connectDomain("example.com", 443)};
            default -> throw new IllegalArgumentException("unknown handshake " + handshake);
        };
    }

    @Benchmark
    public int handshake() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrontDoorInitializer(gw));
        int replyBytes = 0;
        for (byte[] read : reads) {
            ch.pipeline().fireChannelRead(Unpooled.wrappedBuffer(read));
            ch.pipeline().fireChannelReadComplete();
            replyBytes += drain(ch);
        }
        if (ch.pipeline().get(ConnectingHandler.NAME) == null) {
            throw new IllegalStateException("handshake did not reach routing: " + ch.pipeline().names());
        }
        ch.close();
        return replyBytes;
    }

    private static int drain(EmbeddedChannel ch) {
        int n = 0;
        ByteBuf reply;
        while ((reply = ch.readOutbound()) != null) {
            n += reply.readableBytes();
            reply.release();
        }
        return n;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        gw.dialer().toString(); // nothing to close: no dial ever starts
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static byte[] auth(String user, String password) {
        byte[] u = user.getBytes(StandardCharsets.US_ASCII);
        byte[] p = password.getBytes(StandardCharsets.US_ASCII);
        byte[] b = new byte[3 + u.length + p.length];
        b[0] = 0x01;
        b[1] = (byte) u.length;
        System.arraycopy(u, 0, b, 2, u.length);
        b[2 + u.length] = (byte) p.length;
        System.arraycopy(p, 0, b, 3 + u.length, p.length);
        return b;
    }

    private static byte[] connectDomain(String host, int port) {
        byte[] h = host.getBytes(StandardCharsets.US_ASCII);
        byte[] b = new byte[7 + h.length];
        b[0] = 0x05;
        b[1] = 0x01;
        b[2] = 0x00;
        b[3] = 0x03;
        b[4] = (byte) h.length;
        System.arraycopy(h, 0, b, 5, h.length);
        b[5 + h.length] = (byte) (port >> 8);
        b[6 + h.length] = (byte) port;
        return b;
    }
}
