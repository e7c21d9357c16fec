package io.torgate.torpool.circuit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * Which circuit torgate attached the stream from each local port to (or that it closed the stream instead), as tor
 * confirmed it ({@code 250 OK} to {@code ATTACHSTREAM}). The router checks a connection's circuit here before
 * answering its client, instead of waiting for the stream's SUCCEEDED event: tor does not set TCP_NODELAY on control
 * connections, so an event written while an earlier one is unacknowledged waits for the controller's delayed ACK
 * (~40 ms, measured on the testnet: SENTCONNECT → SUCCEEDED 36–47 ms while the client already had tor's SOCKS
 * reply). The reply to a command follows the command's own ACK, so it is not held back. Thread-safe.
 */
public final class AttachedStreams {

    /** What happened to one stream, and when (System.nanoTime()). */
    private interface Outcome {
        String streamId();

        long atNanos();
    }

    /** A stream attached to a circuit. */
    public record Attached(String streamId, String circuitId, long atNanos) implements Outcome {
    }

    /** A stream torgate closed instead of attaching (no circuit could be built for it), and why. */
    public record Refused(String streamId, String why, long atNanos) implements Outcome {
    }

    private final Map<String, Integer> portOfStream = new HashMap<>();
    private final ByPort<Attached> attached = new ByPort<>();
    private final ByPort<Refused> refused = new ByPort<>();

    /**
     * Completes with the attachment of the stream from {@code port} made no earlier than {@code notBeforeNanos}.
     * A stream that never comes never completes: time the future out or cancel it, which drops its waiter.
     */
    public CompletableFuture<Attached> attachedFrom(int port, long notBeforeNanos) {
        return attached.await(this, port, notBeforeNanos);
    }

    /**
     * Completes when torgate closes the stream from {@code port} (made no earlier than {@code notBeforeNanos}) rather
     * than attach it, with why. Never completes otherwise: cancel it when the connection is settled.
     */
    public CompletableFuture<Refused> refusedFrom(int port, long notBeforeNanos) {
        return refused.await(this, port, notBeforeNanos);
    }

    /** @param sourcePort from the NEW event; a re-attached (DETACHED) stream's events lack it: its first one's */
    void attached(String streamId, OptionalInt sourcePort, String circuitId, long atNanos) {
        record(attached, new Attached(streamId, circuitId, atNanos), sourcePort);
    }

    /** torgate is closing the stream instead of attaching it. */
    void refused(String streamId, OptionalInt sourcePort, String why, long atNanos) {
        record(refused, new Refused(streamId, why, atNanos), sourcePort);
    }

    private <T extends Outcome> void record(ByPort<T> into, T outcome, OptionalInt sourcePort) {
        List<CompletableFuture<T>> ready;
        synchronized (this) {
            Integer known = portOfStream.get(outcome.streamId());
            if (sourcePort.isEmpty() && known == null) {
                return; // not a stream of a local client (no SOURCE_ADDR): nobody asks for it
            }
            int port = sourcePort.isPresent() ? sourcePort.getAsInt() : known;
            portOfStream.put(outcome.streamId(), port);
            ready = into.put(port, outcome);
        }
        ready.forEach(f -> f.complete(outcome)); // outside the lock: completion runs the waiters' code
    }

    /** The stream ended: forget it (its port may be reused by another stream). */
    void ended(String streamId) {
        synchronized (this) {
            Integer port = portOfStream.remove(streamId);
            if (port != null) {
                attached.forget(port, streamId);
                refused.forget(port, streamId);
            }
        }
    }

    /** Streams remembered (attached or refused, and not ended): bounded by the instance's open streams. */
    public synchronized int size() {
        return attached.size() + refused.size();
    }

    /** The latest outcome per port, and the connections waiting for one. Guarded by the enclosing instance. */
    private static final class ByPort<T extends Outcome> {
        private record Waiter<T>(long notBeforeNanos, CompletableFuture<T> future) {
        }

        private final Map<Integer, T> latest = new HashMap<>();
        private final Map<Integer, List<Waiter<T>>> waiters = new HashMap<>();

        CompletableFuture<T> await(Object lock, int port, long notBeforeNanos) {
            CompletableFuture<T> f = new CompletableFuture<>();
            synchronized (lock) {
                T t = latest.get(port);
                if (t != null && t.atNanos() - notBeforeNanos >= 0) {
                    f.complete(t);
                    return f;
                }
                Waiter<T> w = new Waiter<>(notBeforeNanos, f);
                waiters.computeIfAbsent(port, p -> new ArrayList<>()).add(w);
                f.whenComplete((v, e) -> {
                    synchronized (lock) {
                        List<Waiter<T>> list = waiters.get(port);
                        if (list != null) {
                            list.remove(w);
                            if (list.isEmpty()) {
                                waiters.remove(port);
                            }
                        }
                    }
                });
            }
            return f;
        }

        /** Records the outcome; returns the waiters it answers (to complete outside the lock). */
        List<CompletableFuture<T>> put(int port, T outcome) {
            latest.put(port, outcome);
            List<CompletableFuture<T>> ready = new ArrayList<>();
            List<Waiter<T>> list = waiters.get(port);
            if (list != null) {
                for (Iterator<Waiter<T>> it = list.iterator(); it.hasNext(); ) {
                    Waiter<T> w = it.next();
                    if (outcome.atNanos() - w.notBeforeNanos() >= 0) {
                        it.remove();
                        ready.add(w.future());
                    }
                }
            }
            return ready;
        }

        void forget(int port, String streamId) {
            T t = latest.get(port);
            if (t != null && t.streamId().equals(streamId)) {
                latest.remove(port);
            }
        }

        int size() {
            return latest.size();
        }
    }
}
