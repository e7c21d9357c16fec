package io.torgate.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The load generator: Netty client connections to the target (the sink, or another server the {@link Workload}
 * speaks to), through a peer's SOCKS5 port or straight. Every
 * scenario is bounded in time and in connection count, and closes every connection it opened before returning.
 */
final class LoadClient implements AutoCloseable {

    /** Opening connections, handshakes and closes must finish within this, or the run fails. */
    private static final long SETUP_TIMEOUT_SECONDS = 60;

    private final EventLoopGroup group;
    private final InetSocketAddress sink;
    private final Workload workload;
    private final List<InetAddress> sources;
    private final AtomicInteger nextSource = new AtomicInteger();

    /**
     * @param sources local addresses to connect from, in turn (several 127.0.0.x spread the ports used); empty
     *                lets the kernel choose
     */
    LoadClient(InetSocketAddress target, Workload workload, int threads, List<InetAddress> sources) {
        this.group = NettyTransport.group(threads, "load-client");
        this.sink = target;
        this.workload = workload;
        this.sources = List.copyOf(sources);
    }

    private ChannelFuture connect(Peer peer, TunnelSession session) {
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(NettyTransport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(session);
        if (!sources.isEmpty() && io.netty.channel.epoll.Epoll.isAvailable()) {
            // Source address only: the port is chosen at connect() time per destination, as without a bind, instead
            // of bind() taking one of the address's ephemeral ports for good.
            b.option(io.netty.channel.epoll.EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
        InetSocketAddress remote = peer.isDirect() ? sink : peer.socks();
        ChannelFuture f = sources.isEmpty() ? b.connect(remote)
                : b.connect(remote, new InetSocketAddress(
                        sources.get(Math.floorMod(nextSource.getAndIncrement(), sources.size())), 0));
        f.addListener(done -> {
            if (!done.isSuccess()) {
                session.connectFailed(done.cause());
            }
        });
        return f;
    }

    // ---------------------------------------------------------------- bulk throughput

    /** {@code cpuSecondsPerGB}: the peer's CPU time per 10^9 bytes relayed, NaN when its CPU is not measured. */
    record BulkResult(double megabytesPerSecond, long bytes, double seconds, double cpuSecondsPerGB) {
    }

    /** {@code streams} tunnels each download without end; the bytes received in the measuring window count. */
    BulkResult bulk(Peer peer, int streams, Duration warmup, Duration measure) throws Exception {
        LongAdder received = new LongAdder();
        CountDownLatch opened = new CountDownLatch(streams);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger live = new AtomicInteger();
        List<Channel> channels = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            TunnelSession session = new TunnelSession(!peer.isDirect(), sink, System.nanoTime()) {
                @Override
                void opened(ChannelHandlerContext ctx) {
                    live.incrementAndGet();
                    ctx.writeAndFlush(workload.bulkRequest(ctx.alloc()));
                    opened.countDown();
                }

                @Override
                void payload(ChannelHandlerContext ctx, ByteBuf data) {
                    received.add(data.readableBytes());
                    data.release();
                }

                @Override
                void ended(Throwable cause) {
                    live.decrementAndGet();
                    failure.compareAndSet(null, cause != null ? cause
                            : new IOException("a bulk stream ended before the run did"));
                    opened.countDown();
                }
            };
            channels.add(connect(peer, session).channel());
        }
        try {
            if (!opened.await(SETUP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException(peer.name() + ": " + opened.getCount() + " of " + streams
                        + " bulk streams did not open in time");
            }
            throwIfFailed(peer, failure);
            Thread.sleep(warmup.toMillis());
            double cpu0 = peer.cpuSeconds();
            long b0 = received.sum();
            long t0 = System.nanoTime();
            Thread.sleep(measure.toMillis());
            long b1 = received.sum();
            long t1 = System.nanoTime();
            double cpu1 = peer.cpuSeconds();
            throwIfFailed(peer, failure);
            double seconds = (t1 - t0) / 1e9;
            return new BulkResult((b1 - b0) / seconds / 1e6, b1 - b0, seconds, (cpu1 - cpu0) / ((b1 - b0) / 1e9));
        } finally {
            failure.compareAndSet(null, new IOException("closing")); // the closes below are expected
            endAll(channels);
        }
    }

    // ---------------------------------------------------------------- connection rate

    /** {@code cpuMillisPerConnection}: the peer's CPU time per completed connection, NaN when not measured. */
    record ConnRateResult(double connectionsPerSecond, long completed, long errors, double p50Millis,
                          double p99Millis, double cpuMillisPerConnection, String firstError) {
    }

    /**
     * {@code clients} loops, each: connect, SOCKS5 CONNECT, one small request and its answer, the far end
     * closes, next. Connections that complete in the measuring window count; their connect latency (connect call
     * to SOCKS5 success reply; to TCP established when direct) gives p50/p99.
     */
    ConnRateResult connectionRate(Peer peer, int clients, Duration warmup, Duration measure, long maxConnections)
            throws Exception {
        Recorder recorder = new Recorder();
        AtomicLong started = new AtomicLong();
        CountDownLatch stopped = new CountDownLatch(clients);
        long[] window = {Long.MAX_VALUE, Long.MAX_VALUE};
        AtomicInteger stopFlag = new AtomicInteger();
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            if (stopFlag.get() != 0 || started.incrementAndGet() > maxConnections) {
                stopped.countDown();
                return;
            }
            connect(peer, new TunnelSession(!peer.isDirect(), sink, System.nanoTime()) {
                private long answerBytes;

                @Override
                void opened(ChannelHandlerContext ctx) {
                    ctx.writeAndFlush(workload.pingRequest(ctx.alloc()));
                }

                @Override
                void payload(ChannelHandlerContext ctx, ByteBuf data) {
                    answerBytes += data.readableBytes();
                    data.release();
                }

                @Override
                void ended(Throwable cause) {
                    long now = System.nanoTime();
                    if (cause == null && !workload.pingAnswered(answerBytes)) {
                        cause = new IOException("incomplete answer: " + answerBytes + " bytes");
                    }
                    recorder.record(now, cause == null ? connectLatencyNanos() : -1, cause);
                    group.execute(next[0]); // not recursively: a run of instant failures must not grow the stack
                }
            });
        };
        long start = System.nanoTime();
        window[0] = start + warmup.toNanos();
        window[1] = window[0] + measure.toNanos();
        recorder.window(window[0], window[1]);
        for (int i = 0; i < clients; i++) {
            next[0].run();
        }
        Thread.sleep(Math.max(0, (window[0] - System.nanoTime()) / 1_000_000));
        double cpu0 = peer.cpuSeconds();
        Thread.sleep(Math.max(0, (window[1] - System.nanoTime()) / 1_000_000));
        double cpu1 = peer.cpuSeconds();
        stopFlag.set(1);
        if (!stopped.await(SETUP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new IOException(peer.name() + ": connection-rate clients did not finish in time");
        }
        return recorder.result(measure, cpu1 - cpu0);
    }

    /** Completed connections and their latencies; any event loop thread. */
    private static final class Recorder {
        private long windowStart;
        private long windowEnd;
        private final List<Long> latencies = new ArrayList<>();
        private long errors;
        private String firstError;

        synchronized void window(long start, long end) {
            windowStart = start;
            windowEnd = end;
        }

        synchronized void record(long endNanos, long latencyNanos, Throwable error) {
            if (error != null) {
                errors++;
                if (firstError == null) {
                    firstError = error.toString();
                }
            } else if (endNanos >= windowStart && endNanos <= windowEnd) {
                latencies.add(latencyNanos);
            }
        }

        synchronized ConnRateResult result(Duration measure, double cpuSeconds) {
            long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            return new ConnRateResult(sorted.length / (measure.toNanos() / 1e9), sorted.length, errors,
                    Stats.percentile(sorted, 50) / 1e6, Stats.percentile(sorted, 99) / 1e6,
                    cpuSeconds * 1000 / sorted.length, firstError);
        }
    }

    // ---------------------------------------------------------------- idle tunnels

    /** Open tunnels that each exchanged one request/answer and now sit idle; close() closes them all. */
    final class IdleTunnels implements AutoCloseable {
        private final List<Channel> channels;

        private IdleTunnels(List<Channel> channels) {
            this.channels = channels;
        }

        int count() {
            return channels.size();
        }

        @Override
        public void close() throws Exception {
            endAll(channels);
        }
    }

    /** Opens {@code count} tunnels, {@code parallelism} handshakes at a time; fails if any does not open. */
    IdleTunnels openIdle(Peer peer, int count, int parallelism) throws Exception {
        ConcurrentLinkedQueue<Channel> channels = new ConcurrentLinkedQueue<>();
        CountDownLatch ready = new CountDownLatch(count);
        AtomicInteger started = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            if (started.incrementAndGet() > count || failure.get() != null) {
                return;
            }
            ChannelFuture f = connect(peer, new TunnelSession(!peer.isDirect(), sink, System.nanoTime()) {
                private long answerBytes;
                private boolean counted;

                @Override
                void opened(ChannelHandlerContext ctx) {
                    ctx.writeAndFlush(workload.holdRequest(ctx.alloc()));
                }

                @Override
                void payload(ChannelHandlerContext ctx, ByteBuf data) {
                    answerBytes += data.readableBytes();
                    data.release();
                    if (answerBytes == workload.holdAnswerBytes() && !counted) {
                        counted = true;
                        ready.countDown();
                        group.execute(next[0]);
                    }
                }

                @Override
                void ended(Throwable cause) {
                    if (!counted) {
                        failure.compareAndSet(null, cause != null ? cause
                                : new IOException("idle tunnel closed before its answer"));
                        while (ready.getCount() > 0) {
                            ready.countDown();
                        }
                    }
                }
            });
            channels.add(f.channel());
        };
        for (int i = 0; i < parallelism; i++) {
            next[0].run();
        }
        boolean done = ready.await(SETUP_TIMEOUT_SECONDS * 3, TimeUnit.SECONDS);
        List<Channel> all = new ArrayList<>(channels);
        if (!done || failure.get() != null) {
            closeAll(all);
            Throwable cause = failure.get();
            throw new IOException(peer.name() + ": could not open " + count + " idle tunnels ("
                    + (all.size()) + " attempted" + (cause != null ? ", first failure: " + cause : ", timed out")
                    + ")", cause);
        }
        return new IdleTunnels(all);
    }

    // ---------------------------------------------------------------- common

    private static void throwIfFailed(Peer peer, AtomicReference<Throwable> failure) throws IOException {
        Throwable cause = failure.get();
        if (cause != null) {
            throw new IOException(peer.name() + ": a stream failed: " + cause, cause);
        }
    }

    /**
     * Ends connections the way that leaves no TIME_WAIT on client ports: asks the far end to close first and waits
     * for it (bounded); whatever is still open then, or cannot be asked, is closed from here.
     */
    private void endAll(List<Channel> channels) throws InterruptedException {
        boolean asked = false;
        for (Channel ch : channels) {
            if (ch.isActive()) {
                ByteBuf stop = workload.stopRequest(ch.alloc());
                if (stop == null) {
                    break;
                }
                ch.writeAndFlush(stop, ch.voidPromise());
                asked = true;
            }
        }
        if (asked) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            for (Channel ch : channels) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !ch.closeFuture().await(left, TimeUnit.NANOSECONDS)) {
                    break;
                }
            }
        }
        closeAll(channels);
    }

    private static void closeAll(List<Channel> channels) throws InterruptedException {
        for (Channel ch : channels) {
            ch.close();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETUP_TIMEOUT_SECONDS);
        for (Channel ch : channels) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !ch.closeFuture().await(left, TimeUnit.NANOSECONDS)) {
                throw new IllegalStateException("connections did not close in time");
            }
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
