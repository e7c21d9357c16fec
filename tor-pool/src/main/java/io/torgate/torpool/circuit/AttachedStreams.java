package io.torgate.torpool.circuit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Which circuit torgate attached the stream from each local port to, as tor confirmed it ({@code 250 OK} to
 * {@code ATTACHSTREAM}). The router checks a connection's circuit here before answering its client, instead of
 * waiting for the stream's SUCCEEDED event: tor does not set TCP_NODELAY on control connections, so an event
 * written while an earlier one is unacknowledged waits for the controller's delayed ACK (~40 ms, measured on the
 * testnet: SENTCONNECT → SUCCEEDED 36–47 ms while the client already had tor's SOCKS reply). The reply to a
 * command follows the command's own ACK, so it is not held back. Thread-safe.
 */
public final class AttachedStreams {

    /** A stream attached to a circuit, and when (System.nanoTime()). */
    public record Attached(String streamId, String circuitId, long atNanos) {
    }

    private record Waiter(long notBeforeNanos, CompletableFuture<Attached> future) {
    }

    private final Map<Integer, Attached> byPort = new HashMap<>();
    private final Map<String, Integer> portOfStream = new HashMap<>();
    private final Map<Integer, List<Waiter>> waiters = new HashMap<>();

    /**
     * Completes with the attachment of the stream from {@code port} made no earlier than {@code notBeforeNanos}.
     * A stream that never comes never completes: time the future out or cancel it, which drops its waiter.
     */
    public CompletableFuture<Attached> attachedFrom(int port, long notBeforeNanos) {
        CompletableFuture<Attached> f = new CompletableFuture<>();
        synchronized (this) {
            Attached a = byPort.get(port);
            if (a != null && a.atNanos() - notBeforeNanos >= 0) {
                f.complete(a);
                return f;
            }
            Waiter w = new Waiter(notBeforeNanos, f);
            waiters.computeIfAbsent(port, p -> new ArrayList<>()).add(w);
            f.whenComplete((v, e) -> {
                synchronized (this) {
                    List<Waiter> list = waiters.get(port);
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

    /** @param sourcePort from the NEW event; a re-attached (DETACHED) stream's events lack it: its first one's */
    void attached(String streamId, java.util.OptionalInt sourcePort, String circuitId, long atNanos) {
        Attached a = new Attached(streamId, circuitId, atNanos);
        List<CompletableFuture<Attached>> ready = new ArrayList<>();
        synchronized (this) {
            Integer known = portOfStream.get(streamId);
            if (sourcePort.isEmpty() && known == null) {
                return; // not a stream of a local client (no SOURCE_ADDR): nobody asks for it
            }
            int port = sourcePort.isPresent() ? sourcePort.getAsInt() : known;
            byPort.put(port, a);
            portOfStream.put(streamId, port);
            List<Waiter> list = waiters.get(port);
            if (list != null) {
                for (Iterator<Waiter> it = list.iterator(); it.hasNext(); ) {
                    Waiter w = it.next();
                    if (atNanos - w.notBeforeNanos() >= 0) {
                        it.remove();
                        ready.add(w.future());
                    }
                }
            }
        }
        ready.forEach(f -> f.complete(a)); // outside the lock: completion runs the waiters' code
    }

    /** The stream ended: forget it (its port may be reused by another stream). */
    void ended(String streamId) {
        synchronized (this) {
            Integer port = portOfStream.remove(streamId);
            if (port != null) {
                Attached a = byPort.get(port);
                if (a != null && a.streamId().equals(streamId)) {
                    byPort.remove(port);
                }
            }
        }
    }

    /** Streams remembered (attached and not ended): bounded by the instance's open streams. */
    public synchronized int size() {
        return byPort.size();
    }
}
