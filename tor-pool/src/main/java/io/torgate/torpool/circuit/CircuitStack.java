package io.torgate.torpool.circuit;

import io.torgate.torpool.control.TorControl;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything torgate runs on one tor instance's control connection to build circuits and attach streams: the
 * network view and guards (re-read when tor has a new consensus), the {@link CircuitBuilder}, the
 * {@link InstanceCircuits} and the {@link StreamAttachment}. One per control connection: when the instance's tor
 * restarts, its old stack is {@link #close closed} and a new one {@link #open opened} on the new connection (its
 * circuits died with the old tor).
 */
public final class CircuitStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CircuitStack.class);

    /** What a stack is made with; the same for every instance of a pool. */
    public record Settings(Duration attemptTimeout, Duration attachTimeout, Duration consensusCheck,
                           RandomGenerator random, Clock clock, CircuitListener listener) {
        public Settings {
            Objects.requireNonNull(attemptTimeout, "attemptTimeout");
            Objects.requireNonNull(attachTimeout, "attachTimeout");
            Objects.requireNonNull(consensusCheck, "consensusCheck");
            Objects.requireNonNull(random, "random");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(listener, "listener");
            for (Duration d : List.of(attemptTimeout, attachTimeout, consensusCheck)) {
                if (d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("circuit timeouts must be positive, not " + d);
                }
            }
        }

        /** The same settings, heard by {@code listener}. */
        public Settings withListener(CircuitListener listener) {
            return new Settings(attemptTimeout, attachTimeout, consensusCheck, random, clock, listener);
        }

        /**
         * 20 s per build attempt (below tor's CircuitBuildTimeout of 60 s, see {@link #CONTROLLER_OPTIONS}), 20 s for
         * an attach decision, a look at the consensus every minute.
         */
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(20), Duration.ofSeconds(20), Duration.ofMinutes(1),
                    new java.security.SecureRandom(), Clock.systemUTC(), CircuitListener.NONE);
        }
    }

    /**
     * What an instance runs with while torgate builds its circuits: streams wait for the attacher; tor builds no
     * circuits of its own for exit traffic (none would be used); and tor's learned circuit build timeout (which adapts
     * to a fast network and then cuts circuits of a burst with TIMEOUT) gives way to torgate's own per-attempt timeout,
     * so tor's must be the longer one.
     */
    static final java.util.Map<String, String> CONTROLLER_OPTIONS = orderedOptions(
            "__LeaveStreamsUnattached", "1",
            "__DisablePredictedCircuits", "1",
            "LearnCircuitBuildTimeout", "0",
            "CircuitBuildTimeout", "60");

    private static java.util.Map<String, String> orderedOptions(String... kv) {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    private final TorControl control;
    private final CircuitBuilder builder;
    private final InstanceCircuits circuits;
    private final StreamAttachment attachment;
    private final ScheduledFuture<?> refresh;
    private final AtomicLong viewsLoaded = new AtomicLong(1);
    private volatile NetworkView view;
    private volatile List<String> guards;
    private volatile String validAfter;

    private CircuitStack(TorControl control, NetworkView view, List<String> guards, String validAfter,
                         Settings settings, ScheduledExecutorService timer) {
        this.control = control;
        this.view = view;
        this.guards = guards;
        this.validAfter = validAfter;
        this.builder = new CircuitBuilder(control, () -> this.view, () -> this.guards, settings.random(), timer,
                settings.attemptTimeout(), settings.clock(), settings.listener());
        this.circuits = new InstanceCircuits(control, builder, () -> this.view, timer);
        this.attachment = new StreamAttachment(control, circuits, settings.attachTimeout(),
                nanos -> settings.listener().streamAttached(control.name(), nanos));
        control.addListener(builder);
        control.addListener(circuits);
        control.addListener(attachment);
        long every = settings.consensusCheck().toMillis();
        this.refresh = timer.scheduleWithFixedDelay(this::refreshIfNew, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Tells tor to leave every new stream to this controller ({@code __LeaveStreamsUnattached 1}), reads the
     * instance's network and guards, then starts building and attaching on its control connection. Set here rather
     * than in the torrc because only a connection that attaches may ask for it: a tor whose streams wait for a
     * controller nobody runs would serve nothing. No stream reaches the instance before the stack is open (the
     * router routes to instances with an open stack only).
     */
    public static CompletableFuture<CircuitStack> open(TorControl control, Settings settings,
                                                       ScheduledExecutorService timer) {
        return control.setConf(CONTROLLER_OPTIONS)
                .thenCompose(v -> control.getInfo("consensus/valid-after")).thenCompose(validAfter -> control.getInfo("entry-guards")
                .thenApply(EntryGuards::up).thenCompose(guards -> NetworkViewLoader.load(control)
                        .thenApply(view -> new CircuitStack(control, view, guards, validAfter, settings, timer))));
    }

    /** When tor has a newer consensus, re-reads the view and the guards (circuits already built stay). */
    private void refreshIfNew() {
        if (!control.isOpen()) {
            return;
        }
        control.getInfo("consensus/valid-after").thenCompose(va -> {
            if (va.equals(validAfter)) {
                return CompletableFuture.completedFuture(null);
            }
            return NetworkViewLoader.load(control)
                    .thenCombine(control.getInfo("entry-guards").thenApply(EntryGuards::up), (v, g) -> {
                        view = v;
                        guards = g;
                        validAfter = va;
                        viewsLoaded.incrementAndGet();
                        return null;
                    });
        }).exceptionally(e -> {
            log.debug("tor '{}': could not re-read the network: {}", control.name(), e.toString());
            return null;
        });
    }

    public TorControl control() {
        return control;
    }

    /** Which circuit each stream was attached to (by its source port). */
    public AttachedStreams attached() {
        return attachment.attached();
    }

    public InstanceCircuits circuits() {
        return circuits;
    }

    public CircuitBuilder builder() {
        return builder;
    }

    public NetworkView view() {
        return view;
    }

    /** Network views read so far (1 at open, one more per new consensus). */
    public long viewsLoaded() {
        return viewsLoaded.get();
    }

    /** Stops refreshing and hears no more events; the circuits go with the tor they live on. */
    @Override
    public void close() {
        refresh.cancel(false);
        circuits.close();
        control.removeListener(attachment);
        control.removeListener(circuits);
        control.removeListener(builder);
    }
}
