package io.torgate.torpool.control;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * Answers "which circuit and exit carried the connection from local port P" by following STREAM events,
 * whose {@code SOURCE_ADDR} is the SOCKS client's address: for torgate, the gateway's upstream socket
 * ({@code Tunnel.upstreamLocalAddress()}).
 * <p>
 * The SUCCEEDED event can reach us after the client already has tor's SOCKS reply, so the answer is a
 * future that completes when it arrives. Local ports are reused over time; {@code notBeforeNanos} (a
 * {@link System#nanoTime()} taken before the client connected) keeps an older stream that happened to use
 * the same port from answering. Streams tor never saw (wrong instance, wrong port) never complete: callers
 * put a timeout on the future, which also removes its waiter.
 * <p>
 * It also answers "what did an exit say when it ended an attempt of that stream" ({@link #remoteEndFor}): tor
 * retries a stream whose exit could not resolve its name on other circuits (DETACHED, {@code REMOTE_REASON=
 * RESOLVEFAILED}), and answers the SOCKS client only when it gives up.
 * <p>
 * Thread-safe: events arrive on the control reader thread, questions from anywhere. Futures complete
 * outside the lock, on the reader thread.
 */
public final class StreamTracker implements ControlEventListener {

    static final int ENDED_REMEMBERED = 4096;

    private final CircuitTracker circuits;
    private final LongSupplier nanoClock;

    private final Map<Integer, Stream> openByPort = new HashMap<>();
    private final Map<Integer, Stream> endedByPort = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Stream> eldest) {
            return size() > ENDED_REMEMBERED;
        }
    };
    private final Map<Integer, List<Waiter<StreamExit>>> waiters = new HashMap<>();
    private final Map<Integer, List<Waiter<Optional<String>>>> endWaiters = new HashMap<>();
    /** Tor names SOURCE_ADDR only on a stream's NEW event; later events are tied to the port by stream id. */
    private final Map<String, Integer> portById = new HashMap<>();

    public StreamTracker(CircuitTracker circuits) {
        this(circuits, System::nanoTime);
    }

    StreamTracker(CircuitTracker circuits, LongSupplier nanoClock) {
        this.circuits = circuits;
        this.nanoClock = nanoClock;
    }

    /** What we know of one stream. */
    private static final class Stream {
        final String id;
        final long firstSeenNanos;
        StreamExit succeeded;
        String failure;
        /** The first reason an exit gave for ending an attempt of this stream (REMOTE_REASON). */
        String remoteEnd;

        Stream(String id, long firstSeenNanos) {
            this.id = id;
            this.firstSeenNanos = firstSeenNanos;
        }

        boolean settled() {
            return succeeded != null || failure != null;
        }

        /** Whether {@link #remoteEndFor} has its answer: an exit's reason, or an end without one. */
        boolean endKnown() {
            return remoteEnd != null || settled();
        }
    }

    private record Waiter<T>(long notBeforeNanos, CompletableFuture<T> future) { }

    /** Like {@link #exitFor(int, long)} accepting the latest stream from that port, however old. */
    public CompletableFuture<StreamExit> exitFor(int sourcePort) {
        return exitFor(sourcePort, Long.MIN_VALUE);
    }

    /**
     * Completes with the circuit and exit of the stream from {@code sourcePort} first seen no earlier than
     * {@code notBeforeNanos}, once it has SUCCEEDED; fails with {@link StreamFailedException} if tor gave up
     * on it first.
     */
    public CompletableFuture<StreamExit> exitFor(int sourcePort, long notBeforeNanos) {
        CompletableFuture<StreamExit> f = new CompletableFuture<>();
        synchronized (this) {
            Stream s = candidate(sourcePort, notBeforeNanos);
            if (s == null || !s.settled()) {
                return await(waiters, sourcePort, new Waiter<>(notBeforeNanos, f));
            }
            settle(f, s);
        }
        return f;
    }

    /**
     * Completes with the reason the exit gave ({@code REMOTE_REASON}, e.g. {@code RESOLVEFAILED}) the first time
     * an attempt of the stream from {@code sourcePort} (first seen no earlier than {@code notBeforeNanos}) ends
     * at its exit, even while tor retries it on another circuit; completes empty once the stream succeeded or
     * ended without one. A stream tor never reports never completes: cancel the future (or time it out), which
     * drops its waiter.
     */
    public CompletableFuture<Optional<String>> remoteEndFor(int sourcePort, long notBeforeNanos) {
        CompletableFuture<Optional<String>> f = new CompletableFuture<>();
        Optional<String> known;
        synchronized (this) {
            Stream s = candidate(sourcePort, notBeforeNanos);
            if (s == null || !s.endKnown()) {
                return await(endWaiters, sourcePort, new Waiter<>(notBeforeNanos, f));
            }
            known = Optional.ofNullable(s.remoteEnd);
        }
        f.complete(known);
        return f;
    }

    /** Under the lock: parks a waiter until its stream settles; completing the future any other way drops it. */
    private <T> CompletableFuture<T> await(Map<Integer, List<Waiter<T>>> map, int port, Waiter<T> w) {
        map.computeIfAbsent(port, p -> new ArrayList<>()).add(w);
        w.future().whenComplete((v, e) -> removeWaiter(map, port, w));
        return w.future();
    }


    /** The newest stream from that port that is recent enough: the open one, else the last ended one. */
    private Stream candidate(int port, long notBeforeNanos) {
        Stream open = openByPort.get(port);
        if (open != null && recentEnough(open, notBeforeNanos)) {
            return open;
        }
        Stream ended = endedByPort.get(port);
        return ended != null && recentEnough(ended, notBeforeNanos) ? ended : null;
    }

    private static boolean recentEnough(Stream s, long notBeforeNanos) {
        return notBeforeNanos == Long.MIN_VALUE || s.firstSeenNanos - notBeforeNanos >= 0;
    }

    private synchronized <T> void removeWaiter(Map<Integer, List<Waiter<T>>> map, int port, Waiter<T> w) {
        List<Waiter<T>> list = map.get(port);
        if (list != null) {
            list.remove(w);
            if (list.isEmpty()) {
                map.remove(port);
            }
        }
    }

    /** Under the lock: takes the waiters of this port that the stream answers. */
    private static <T> List<CompletableFuture<T>> take(Map<Integer, List<Waiter<T>>> map, int port, Stream s) {
        List<CompletableFuture<T>> out = new ArrayList<>();
        List<Waiter<T>> list = map.get(port);
        if (list == null) {
            return out;
        }
        for (Iterator<Waiter<T>> it = list.iterator(); it.hasNext(); ) {
            Waiter<T> w = it.next();
            if (recentEnough(s, w.notBeforeNanos())) {
                out.add(w.future());
                it.remove();
            }
        }
        if (list.isEmpty()) {
            map.remove(port);
        }
        return out;
    }

    private static void settle(CompletableFuture<StreamExit> f, Stream s) {
        if (s.succeeded != null) {
            f.complete(s.succeeded);
        } else {
            f.completeExceptionally(new StreamFailedException(s.failure));
        }
    }

    @Override
    public void onStream(StreamEvent event) {
        List<CompletableFuture<StreamExit>> toComplete = List.of();
        List<CompletableFuture<Optional<String>>> endsToComplete = List.of();
        Optional<String> remoteEnd = Optional.empty();
        Stream settledNow = null;
        synchronized (this) {
            OptionalInt port = event.sourcePort();
            Integer known = portById.get(event.id());
            if (port.isPresent()) {
                portById.put(event.id(), port.getAsInt());
            } else if (known == null) {
                return; // tor's own streams (directory fetches) have no SOCKS client
            }
            int p = port.isPresent() ? port.getAsInt() : known;
            Stream s = openByPort.get(p);
            if (s == null || !s.id.equals(event.id())) {
                if (s != null) {
                    endedByPort.put(p, s); // should not happen while it is open; keep the newer one live
                }
                s = new Stream(event.id(), nanoClock.getAsLong());
                openByPort.put(p, s);
            }
            boolean endWasKnown = s.endKnown();
            if (s.remoteEnd == null && event.remoteReason().isPresent() && (event.status() == StreamEvent.Status.DETACHED
                    || event.status() == StreamEvent.Status.FAILED || event.status() == StreamEvent.Status.CLOSED)) {
                s.remoteEnd = event.remoteReason().get();
            }
            switch (event.status()) {
                case SUCCEEDED -> {
                    if (s.succeeded == null) {
                        s.succeeded = exitOf(event, p);
                        settledNow = s;
                    }
                }
                case FAILED, CLOSED -> {
                    if (!s.settled()) {
                        s.failure = "stream " + event.id() + " from port " + p + " " + event.status()
                                + event.reason().map(r -> " (" + r + ")").orElse("") + " before it succeeded";
                        settledNow = s;
                    }
                    if (event.status() == StreamEvent.Status.CLOSED) {
                        portById.remove(event.id());
                        openByPort.remove(p);
                        endedByPort.remove(p);
                        endedByPort.put(p, s);
                    }
                }
                default -> { }
            }
            if (settledNow != null) {
                toComplete = take(waiters, p, settledNow);
            }
            if (!endWasKnown && s.endKnown()) {
                endsToComplete = take(endWaiters, p, s);
                remoteEnd = Optional.ofNullable(s.remoteEnd);
            }
        }
        for (CompletableFuture<StreamExit> f : toComplete) {
            settle(f, settledNow);
        }
        for (CompletableFuture<Optional<String>> f : endsToComplete) {
            f.complete(remoteEnd);
        }
    }

    private StreamExit exitOf(StreamEvent event, int port) {
        Optional<CircuitEvent> circuit = circuits.circuit(event.circuitId());
        return new StreamExit(event.id(), event.circuitId(), port,
                circuit.map(CircuitEvent::path).orElse(List.of()),
                event.socksUsername().or(() -> circuit.flatMap(CircuitEvent::socksUsername)));
    }

    /** Streams currently open with a SOCKS client (for tests and metrics). */
    public synchronized int openStreams() {
        return openByPort.size();
    }

    /** Forgets everything and fails every waiter (tor restarted: its streams are gone). */
    public void reset(String why) {
        List<CompletableFuture<?>> toFail = new ArrayList<>();
        synchronized (this) {
            waiters.values().forEach(list -> list.forEach(w -> toFail.add(w.future())));
            waiters.clear();
            endWaiters.values().forEach(list -> list.forEach(w -> toFail.add(w.future())));
            endWaiters.clear();
            openByPort.clear();
            endedByPort.clear();
            portById.clear();
        }
        toFail.forEach(f -> f.completeExceptionally(new StreamFailedException(why)));
    }
}
