package io.torgate.gateway;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A route's watch on one upstream connection ({@link TunnelObserver#watch}), brought onto the attempt's event
 * loop. A cause that comes while the CONNECT is still on its way goes to {@code early} (the attempt ends with
 * it); a dial failure asks {@link #explain} and hears the cause, or null, at once if the watch has spoken,
 * otherwise when it does or after a short wait. Event loop only, except where the watch completes.
 */
final class UpstreamWatch {

    private final EventLoop loop;
    private final CompletableFuture<UpstreamCause> future;
    private final Consumer<UpstreamCause> early;
    private boolean spoken;
    private UpstreamCause cause;
    private Consumer<UpstreamCause> waiting;
    private ScheduledFuture<?> timer;
    private boolean stopped;

    private UpstreamWatch(EventLoop loop, CompletableFuture<UpstreamCause> future, Consumer<UpstreamCause> early) {
        this.loop = loop;
        this.future = future;
        this.early = early;
    }

    /** Starts following {@code stage}; call on {@code loop}. */
    static UpstreamWatch start(EventLoop loop, CompletionStage<UpstreamCause> stage, Consumer<UpstreamCause> early) {
        UpstreamWatch w = new UpstreamWatch(loop, stage.toCompletableFuture(), early);
        w.future.whenComplete((c, error) -> {
            UpstreamCause said = error == null ? c : null;
            if (loop.inEventLoop()) {
                w.spoke(said);
            } else {
                loop.execute(() -> w.spoke(said));
            }
        });
        return w;
    }

    private void spoke(UpstreamCause c) {
        if (stopped || spoken) {
            return;
        }
        spoken = true;
        cause = c;
        if (waiting != null) {
            Consumer<UpstreamCause> then = waiting;
            waiting = null;
            timer.cancel(false);
            then.accept(c);
        } else if (c != null) {
            early.accept(c);
        }
    }

    /**
     * The dial failed: {@code then} hears the watch's cause (null: none), at once if it is known (its hand-over
     * to this loop may still be queued), else when the watch speaks or after {@code maxWaitNanos}.
     */
    void explain(long maxWaitNanos, Consumer<UpstreamCause> then) {
        if (stopped) {
            return;
        }
        if (!spoken && future.isDone()) {
            spoken = true;
            cause = future.isCompletedExceptionally() ? null : future.getNow(null);
        }
        if (spoken) {
            then.accept(cause);
            return;
        }
        waiting = then;
        timer = loop.schedule(() -> {
            if (waiting == then) {
                waiting = null;
                then.accept(null);
            }
        }, Math.max(0, maxWaitNanos), TimeUnit.NANOSECONDS);
    }

    /** The attempt no longer listens: nothing more is heard, and the router learns it through the cancel. */
    void stop() {
        stopped = true;
        waiting = null;
        if (timer != null) {
            timer.cancel(false);
        }
        future.cancel(false);
    }
}
