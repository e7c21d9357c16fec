package io.torgate.torpool.instance;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * How long to wait before the next restart, and when to stop trying: exponential backoff (base, 2×base,
 * 4×base … capped) over the restarts within a sliding window; once the window already holds the maximum,
 * the answer is "give up" so a broken tor is reported instead of restarted in a hot loop. Restarts age out
 * of the window, so an instance that stayed up a while starts again from the base delay.
 */
final class RestartBudget {

    private final Duration base;
    private final Duration cap;
    private final int maxRestarts;
    private final long windowNanos;
    private final Deque<Long> restarts = new ArrayDeque<>();

    RestartBudget(Duration base, Duration cap, int maxRestarts, Duration window) {
        this.base = base;
        this.cap = cap;
        this.maxRestarts = maxRestarts;
        this.windowNanos = window.toNanos();
    }

    /** The delay before this restart, or empty when the budget is spent (the instance should fail). */
    Optional<Duration> next(long nowNanos) {
        prune(nowNanos);
        int recent = restarts.size();
        if (recent >= maxRestarts) {
            return Optional.empty();
        }
        restarts.addLast(nowNanos);
        return Optional.of(delayFor(recent));
    }

    /** base × 2^n, capped (n = restarts already in the window). */
    Duration delayFor(int n) {
        Duration d = base;
        for (int i = 0; i < n && d.compareTo(cap) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(cap) > 0 ? cap : d;
    }

    int recent(long nowNanos) {
        prune(nowNanos);
        return restarts.size();
    }

    void reset() {
        restarts.clear();
    }

    private void prune(long nowNanos) {
        while (!restarts.isEmpty() && nowNanos - restarts.peekFirst() > windowNanos) {
            restarts.removeFirst();
        }
    }
}
