package io.torgate.control.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.torgate.torpool.circuit.CircuitListener;
import io.torgate.torpool.pool.TorPoolRouter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The circuits torgate builds and the streams it attaches: build time and failures by reason, attach latency
 * (both histograms), and, per instance (a label bounded by the pool size), circuits by state and sessions;
 * warm circuits per exit group (bounded by the router's warm groups, 16 plus "any"). No session, user or
 * destination label.
 */
final class CircuitMetrics implements CircuitListener {

    /** Circuit builds: ~0.1 s on a quiet network, seconds under load, up to three 20 s attempts. */
    private static final Duration[] BUILD_BUCKETS = {
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(20), Duration.ofSeconds(60)};
    /** Attaching: 0.1–0.4 ms measured when quiet; tens of ms when the control connection is busy. */
    private static final Duration[] ATTACH_BUCKETS = {
            Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
            Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofSeconds(1)};

    private final MeterRegistry registry;
    private final Timer buildTime;
    private final Timer attachTime;
    private final Map<String, Counter> failures = new ConcurrentHashMap<>();
    private MultiGauge circuitsByState;
    private MultiGauge warmByGroup;
    private MultiGauge sessionsByInstance;

    CircuitMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.buildTime = Timer.builder("torgate.circuit.build.duration")
                .description("From asking tor to build a circuit to its BUILT event, retries included")
                .serviceLevelObjectives(BUILD_BUCKETS)
                .register(registry);
        this.attachTime = Timer.builder("torgate.stream.attach.duration")
                .description("From tor's STREAM NEW (or DETACHED) event to its answer to torgate's ATTACHSTREAM")
                .serviceLevelObjectives(ATTACH_BUCKETS)
                .register(registry);
        failure("timeout"); // exists from the start, so rate() has a zero to start from
    }

    private Counter failure(String reason) {
        return failures.computeIfAbsent(reason, r -> Counter.builder("torgate.circuit.build.failures")
                .description("Circuits torgate asked for that could not be built after their retries, by reason")
                .tag("reason", r).register(registry));
    }

    @Override
    public void circuitBuilt(String instance, Duration took, int attempts) {
        buildTime.record(took);
    }

    @Override
    public void circuitFailed(String instance, String reason) {
        // tor's CIRC reasons and torgate's own are a fixed, small set; anything else is folded.
        failure(reason.matches("[a-z_]{1,32}") ? reason : "other").increment();
    }

    @Override
    public void streamAttached(String instance, long nanos) {
        attachTime.record(Duration.ofNanos(nanos));
    }

    /** The gauges that read the router's state; they follow the pool as it grows and shrinks. */
    void bind(TorPoolRouter router) {
        circuitsByState = MultiGauge.builder("torgate.circuits")
                .description("Circuits torgate keeps on each instance: in_use (a key's), building, warm (built, unused)")
                .register(registry);
        warmByGroup = MultiGauge.builder("torgate.circuits.warm")
                .description("Built, unused circuits kept ready per exit group, all instances together")
                .register(registry);
        sessionsByInstance = MultiGauge.builder("torgate.sessions")
                .description("Sticky sessions whose circuit lives on each instance")
                .register(registry);
        Gauge.builder("torgate.circuits.instances", router, r -> r.circuits().open().size())
                .description("Instances whose circuit machinery is up (routed to)")
                .strongReference(true).register(registry);
        update(router);
    }

    /** Refreshes the per-instance and per-group rows (called before each scrape). */
    void update(TorPoolRouter router) {
        List<MultiGauge.Row<?>> states = new ArrayList<>();
        router.circuitCounts().forEach((instance, c) -> {
            states.add(MultiGauge.Row.of(Tags.of("instance", instance, "state", "in_use"), c.inUse()));
            states.add(MultiGauge.Row.of(Tags.of("instance", instance, "state", "building"), c.building()));
            states.add(MultiGauge.Row.of(Tags.of("instance", instance, "state", "warm"), c.warm()));
        });
        circuitsByState.register(states, true);
        List<MultiGauge.Row<?>> groups = new ArrayList<>();
        router.warmByGroup().forEach((g, n) -> groups.add(MultiGauge.Row.of(Tags.of("group", g), n)));
        warmByGroup.register(groups, true);
        List<MultiGauge.Row<?>> sessions = new ArrayList<>();
        router.sessionsPerInstance().forEach((i, n) -> sessions.add(MultiGauge.Row.of(Tags.of("instance", i), n)));
        sessionsByInstance.register(sessions, true);
    }
}
