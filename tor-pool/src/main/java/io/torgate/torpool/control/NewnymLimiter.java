package io.torgate.torpool.control;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Sends {@code SIGNAL NEWNYM} at most once per interval and folds the requests in between into the next
 * signal. Tor acts on one NEWNYM per 10 s and silently delays the rest ("Rate limiting NEWNYM request:
 * delaying by N second(s)") while still answering 250 — so a controller that just forwards requests cannot
 * tell when a new identity really took effect. Here every request's future completes when the signal that
 * covers it was accepted by tor at a moment tor was willing to act on it.
 * <p>
 * A request made while a signal is pending (scheduled or on the wire) joins that signal: from the moment
 * tor processes it, no stream is put on a circuit built before the request.
 */
final class NewnymLimiter {

    /** Runs a task after a delay; abstracted so the timing can be tested without waiting. */
    interface Scheduler {
        void schedule(Runnable task, long delayNanos);
    }

    private static final long NEVER = Long.MIN_VALUE;

    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final Scheduler scheduler;
    private final Supplier<CompletableFuture<Void>> sender;

    private CompletableFuture<Instant> pending; // guarded by this
    private long lastAcceptedNanos = NEVER;      // guarded by this
    private long signalsSent;                    // guarded by this
    private long requestsCoalesced;              // guarded by this

    NewnymLimiter(Duration interval, LongSupplier nanoClock, Scheduler scheduler, Supplier<CompletableFuture<Void>> sender) {
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
        this.scheduler = scheduler;
        this.sender = sender;
    }

    /** Completes with the time tor accepted the signal covering this request. */
    synchronized CompletableFuture<Instant> request() {
        if (pending != null) {
            requestsCoalesced++;
            return pending;
        }
        CompletableFuture<Instant> f = new CompletableFuture<>();
        pending = f;
        long wait = lastAcceptedNanos == NEVER ? 0 : lastAcceptedNanos + intervalNanos - nanoClock.getAsLong();
        if (wait <= 0) {
            send(f);
        } else {
            scheduler.schedule(() -> send(f), wait);
        }
        return f;
    }

    private void send(CompletableFuture<Instant> f) {
        synchronized (this) {
            signalsSent++;
        }
        CompletableFuture<Void> sent;
        try {
            sent = sender.get();
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((ok, err) -> {
            synchronized (this) {
                if (pending == f) {
                    pending = null;
                }
                if (err == null) {
                    // Measured from tor's answer, which comes after tor stamped its own clock: never early.
                    lastAcceptedNanos = nanoClock.getAsLong();
                }
            }
            if (err == null) {
                f.complete(Instant.now());
            } else {
                f.completeExceptionally(err);
            }
        });
    }

    synchronized long signalsSent() {
        return signalsSent;
    }

    synchronized long requestsCoalesced() {
        return requestsCoalesced;
    }
}
