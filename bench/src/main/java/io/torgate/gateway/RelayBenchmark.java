package io.torgate.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
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
 * The relay's steady state: one read's worth of bytes (a pooled direct buffer, as an epoll read hands it over)
 * enters one side's pipeline and leaves through the other side's outbound buffer. The tunnel is built exactly as
 * {@code ConnectingHandler} builds it ({@link RelayTunnel#start()} adds the idle timer on the client side), on two
 * EmbeddedChannels instead of sockets, so what is measured is torgate's handlers plus Netty's pipeline and
 * outbound buffer, without the kernel. Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is bytes allocated per
 * relayed read, and the target is ~0.
 */
// Netty's leak detector (on by default, "simple") tracks 1 buffer in 128 with ~800 bytes of records, ~6 B/op
// on average: off here, as in Netty's own microbenchmarks, so the figure is the relay's own allocation.
@Fork(jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RelayBenchmark {

    /** {@code up}: client → upstream; {@code down}: upstream → client (through the client side's idle timer). */
    @Param({"up", "down"})
    public String direction;

    @Param({"1024", "16384"})
    public int readSize;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private EmbeddedChannel client;
    private EmbeddedChannel upstream;
    private ChannelPipeline from;
    private EmbeddedChannel to;

    @Setup(Level.Trial)
    public void setup() {
        GatewayConfig config = GatewayConfig.builder().router(request -> new CompletableFuture<>()).build();
        GatewayContext gw = new GatewayContext(config, config.listener(),
                new TunnelRegistry(0, 0),
                new UpstreamDialer(alloc, Transport.NIO, config, new DirectResolver()),
                new Redactor(false), new AtomicLong(), new LoginChecks()); // starts no thread: no slow login here
        client = new EmbeddedChannel();
        upstream = new EmbeddedChannel();
        ConnectRequest request = new ConnectRequest(RouteRequest.plain("bench"),
                new Destination("127.0.0.1", 80, Destination.Kind.IPV4), new InetSocketAddress("127.0.0.1", 50000),
                ConnectRequest.Protocol.SOCKS5);
        if (gw.tunnels().tryAcquire("bench") != null) {
            throw new IllegalStateException("no tunnel slot");
        }
        RelayTunnel tunnel = new RelayTunnel(gw, 1, request, Route.direct(), client, upstream);
        upstream.pipeline().addLast(RelayHandler.NAME, new RelayHandler(tunnel, client, false));
        client.pipeline().addLast(RelayHandler.NAME, new RelayHandler(tunnel, upstream, true));
        tunnel.start();
        boolean up = direction.equals("up");
        from = (up ? client : upstream).pipeline();
        to = up ? upstream : client;
    }

    @Benchmark
    public int relayOneRead() {
        ByteBuf read = alloc.directBuffer(readSize);
        read.writerIndex(readSize);
        from.fireChannelRead(read);
        from.fireChannelReadComplete();
        ByteBuf out = to.readOutbound();
        int n = out.readableBytes();
        out.release();
        return n;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }
}
