package io.torgate.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Ends a tunnel that has had no traffic either way for the idle timeout. Activity is a read on either side (every
 * relayed byte is read on one side or the other) or progress in either side's outbound buffer (a slow reader that
 * still drains what was already queued counts as active; one that drains nothing for the whole period does not).
 * <p>
 * Why not Netty's IdleStateHandler: in its all-idle mode it watches write completions, which turns every
 * write toward the client into a new promise plus a listener list, about 100 bytes of garbage per relayed read on
 * the download path (RelayBenchmark, {@code -prof gc}). Here the hot path only stamps the time of each read burst,
 * and the outbound buffers are looked at when the timer fires. Event loop only.
 */
final class TunnelIdleTimer implements Runnable {

    private final Channel client;
    private final Channel upstream;
    private final long idleNanos;
    private final Runnable onIdle;

    private long lastActivityNanos;
    private final long[] lastOutput = new long[4];
    private ScheduledFuture<?> next;
    private boolean stopped;

    TunnelIdleTimer(Channel client, Channel upstream, long idleNanos, Runnable onIdle) {
        this.client = client;
        this.upstream = upstream;
        this.idleNanos = idleNanos;
        this.onIdle = onIdle;
    }

    void start() {
        lastActivityNanos = System.nanoTime();
        snapshotOutput();
        schedule(idleNanos);
    }

    /** A read burst just went through the tunnel. */
    void readHappened() {
        lastActivityNanos = System.nanoTime();
    }

    void stop() {
        stopped = true;
        if (next != null) {
            next.cancel(false);
        }
    }

    @Override
    public void run() {
        if (stopped) {
            return;
        }
        long now = System.nanoTime();
        if (snapshotOutput()) {
            lastActivityNanos = now;
        }
        long idleFor = now - lastActivityNanos;
        if (idleFor >= idleNanos) {
            stopped = true;
            onIdle.run();
        } else {
            schedule(idleNanos - idleFor);
        }
    }

    private void schedule(long delayNanos) {
        EventLoop loop = client.eventLoop();
        next = loop.schedule(this, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Records both outbound buffers' pending bytes and flush progress; true when any of them moved. */
    private boolean snapshotOutput() {
        boolean moved = record(0, client);
        return record(2, upstream) || moved;
    }

    private boolean record(int slot, Channel channel) {
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        long pending = out == null ? 0 : out.totalPendingWriteBytes();
        long progress = out == null ? 0 : out.currentProgress();
        boolean moved = pending != lastOutput[slot] || progress != lastOutput[slot + 1];
        lastOutput[slot] = pending;
        lastOutput[slot + 1] = progress;
        return moved;
    }
}
