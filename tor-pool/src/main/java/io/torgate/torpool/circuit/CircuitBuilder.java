package io.torgate.torpool.circuit;

import io.torgate.torpool.control.CircuitEvent;
import io.torgate.torpool.control.ControlEventListener;
import io.torgate.torpool.control.TorControl;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds circuits on one tor instance along paths {@link PathSelector} chose: {@code EXTENDCIRCUIT 0 FP,FP,FP},
 * then the CIRC events say BUILT or FAILED. A failed or timed-out attempt is retried with another middle (the
 * failed one avoided), up to {@link #ATTEMPTS} times; the exit stays the one asked for — moving to another exit is
 * the route's decision, not the builder's. Register it as a listener of the instance's control connection.
 */
public final class CircuitBuilder implements ControlEventListener {

    private static final Logger log = LoggerFactory.getLogger(CircuitBuilder.class);

    /** Tries per circuit: the first path and two more middles. */
    static final int ATTEMPTS = 3;
    /**
     * Builds in flight per instance; more wait in order. On the testnet, 300 EXTENDCIRCUIT sent back to back on one
     * tor lost 36 circuits within 0.5 s, where paced rounds of 200 and 300 all built.
     */
    static final int MAX_IN_FLIGHT = 32;
    private record Queued(PathRequest request, CompletableFuture<BuiltCircuit> result) {
    }
    private final java.util.ArrayDeque<Queued> queue = new java.util.ArrayDeque<>();
    private int inFlight;
    /** Events of circuits whose EXTENDCIRCUIT reply has not been seen yet (they can overtake it): kept this many. */
    private static final int EARLY_EVENTS = 256;

    private final TorControl control;
    private final Supplier<NetworkView> view;
    private final Supplier<List<String>> guards;
    private final RandomGenerator random;
    private final ScheduledExecutorService timer;
    private final Duration attemptTimeout;
    private final CircuitListener listener;
    private final Clock clock;
    private final Map<String, Attempt> pending = new ConcurrentHashMap<>();
    /** Ids of the circuits this builder launched lately (bounded), so their later events can be told apart. */
    private final Map<String, Boolean> launched = java.util.Collections.synchronizedMap(
            new LinkedHashMap<>(64, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > 16_384;
                }
            });
    /** Guarded by itself, together with the step from it to {@link #pending}. */
    private final Map<String, CircuitEvent> early = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CircuitEvent> eldest) {
            return size() > EARLY_EVENTS;
        }
    };

    /**
     * @param view           the instance's current network view
     * @param guards         the instance's guards that are up, in tor's order
     * @param attemptTimeout how long one attempt may take before it is closed and retried
     */
    public CircuitBuilder(TorControl control, Supplier<NetworkView> view, Supplier<List<String>> guards,
                          RandomGenerator random, ScheduledExecutorService timer, Duration attemptTimeout, Clock clock) {
        this(control, view, guards, random, timer, attemptTimeout, clock, CircuitListener.NONE);
    }

    public CircuitBuilder(TorControl control, Supplier<NetworkView> view, Supplier<List<String>> guards,
                          RandomGenerator random, ScheduledExecutorService timer, Duration attemptTimeout, Clock clock,
                          CircuitListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        this.control = Objects.requireNonNull(control, "control");
        this.view = Objects.requireNonNull(view, "view");
        this.guards = Objects.requireNonNull(guards, "guards");
        this.random = Objects.requireNonNull(random, "random");
        this.timer = Objects.requireNonNull(timer, "timer");
        this.attemptTimeout = Objects.requireNonNull(attemptTimeout, "attemptTimeout");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Builds a circuit for {@code request}; fails with {@link CircuitBuildException}. */
    public CompletableFuture<BuiltCircuit> build(PathRequest request) {
        CompletableFuture<BuiltCircuit> result = new CompletableFuture<>();
        synchronized (queue) {
            if (inFlight >= MAX_IN_FLIGHT) {
                queue.add(new Queued(request, result));
                return result;
            }
            inFlight++;
        }
        start(request, result);
        return result;
    }

    /** Runs one build in its slot; when it ends, the slot goes to the next build waiting. */
    private void start(PathRequest request, CompletableFuture<BuiltCircuit> result) {
        result.whenComplete((c, e) -> next());
        attempt(request, 1, System.nanoTime(), result);
    }

    private void next() {
        Queued q;
        synchronized (queue) {
            q = queue.poll();
            if (q == null) {
                inFlight--;
                return;
            }
        }
        start(q.request(), q.result());
    }

    /** Whether this builder launched the circuit (among its last 16,384). */
    public boolean launched(String circuitId) {
        return launched.containsKey(circuitId);
    }

    /** Builds waiting for a slot. */
    public int queued() {
        synchronized (queue) {
            return queue.size();
        }
    }

    private void attempt(PathRequest request, int n, long startNanos, CompletableFuture<BuiltCircuit> result) {
        Path path;
        try {
            path = new PathSelector(view.get(), random).select(request, guards.get());
        } catch (NoPathException e) {
            listener.circuitFailed(control.name(), e.reason().label());
            result.completeExceptionally(new CircuitBuildException(e.reason().label(), e.getMessage()));
            return;
        }
        control.extendCircuit(path.hops().stream().map(Node::fingerprint).toList()).whenComplete((id, error) -> {
            if (error != null) {
                retryOrFail(request, n, startNanos, result, path, "extend_refused", String.valueOf(error.getMessage()));
                return;
            }
            Attempt a = new Attempt(id, request, n, startNanos, result, path);
            // Scheduled before the attempt is findable, so an event never sees it without its timeout.
            a.timeout = timer.schedule(() -> timedOut(a), attemptTimeout.toNanos(), TimeUnit.NANOSECONDS);
            CircuitEvent before;
            synchronized (early) { // against an event of this circuit that overtook the reply
                pending.put(id, a);
                launched.put(id, Boolean.TRUE);
                before = early.remove(id);
            }
            if (before != null) {
                onCircuit(before);
            }
        });
    }

    @Override
    public void onCircuit(CircuitEvent e) {
        Attempt a;
        synchronized (early) {
            a = pending.get(e.id());
            if (a == null) {
                if (e.status() == CircuitEvent.Status.BUILT || e.isTerminal()) {
                    early.put(e.id(), e);
                }
                return;
            }
        }
        if (e.status() == CircuitEvent.Status.BUILT && pending.remove(e.id(), a)) {
            a.timeout.cancel(false);
            java.time.Duration took = java.time.Duration.ofNanos(System.nanoTime() - a.startNanos);
            listener.circuitBuilt(control.name(), took, a.n);
            a.result.complete(new BuiltCircuit(e.id(), a.path, clock.instant(), took, a.n));
        } else if (e.isTerminal() && pending.remove(e.id(), a)) {
            a.timeout.cancel(false);
            String reason = e.reason().orElse("unknown").toLowerCase(Locale.ROOT);
            retryOrFail(a.request, a.n, a.startNanos, a.result, a.path, reason, "tor: " + e.reason().orElse("FAILED"));
        }
    }

    private void timedOut(Attempt a) {
        if (pending.remove(a.id, a)) {
            control.closeCircuit(a.id);
            retryOrFail(a.request, a.n, a.startNanos, a.result, a.path, "timeout",
                    "not built within " + attemptTimeout.toMillis() + " ms");
        }
    }

    private void retryOrFail(PathRequest request, int n, long startNanos, CompletableFuture<BuiltCircuit> result,
                             Path path, String reason, String detail) {
        if (n >= ATTEMPTS) {
            listener.circuitFailed(control.name(), reason);
            result.completeExceptionally(new CircuitBuildException(reason, "no circuit through " + path.exit()
                    + " after " + n + " attempt(s); last: " + detail));
            return;
        }
        log.debug("circuit {} failed ({}); trying another middle than {}", path, detail, path.middle());
        attempt(request.avoidingMiddle(path.middle().fingerprint()), n + 1, startNanos, result);
    }

    /** Circuits being built right now. */
    public int building() {
        return pending.size();
    }

    private static final class Attempt {
        final String id;
        final PathRequest request;
        final int n;
        final long startNanos;
        final CompletableFuture<BuiltCircuit> result;
        final Path path;
        java.util.concurrent.ScheduledFuture<?> timeout;

        Attempt(String id, PathRequest request, int n, long startNanos, CompletableFuture<BuiltCircuit> result,
                Path path) {
            this.id = id;
            this.request = request;
            this.n = n;
            this.startNanos = startNanos;
            this.result = result;
            this.path = path;
        }
    }
}
