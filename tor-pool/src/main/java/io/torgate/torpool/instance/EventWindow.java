package io.torgate.torpool.instance;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/** Counts events in a sliding time window and says when a threshold is reached (e.g. N CIRC FAILED per minute). */
final class EventWindow {

    private final int threshold;
    private final long windowNanos;
    private final Deque<Long> events = new ArrayDeque<>();

    EventWindow(int threshold, Duration window) {
        this.threshold = threshold;
        this.windowNanos = window.toNanos();
    }

    /** Records one event; true when the window now holds at least the threshold. */
    boolean record(long nowNanos) {
        events.addLast(nowNanos);
        prune(nowNanos);
        return events.size() >= threshold;
    }

    int count(long nowNanos) {
        prune(nowNanos);
        return events.size();
    }

    void clear() {
        events.clear();
    }

    private void prune(long nowNanos) {
        while (!events.isEmpty() && nowNanos - events.peekFirst() > windowNanos) {
            events.removeFirst();
        }
    }
}
