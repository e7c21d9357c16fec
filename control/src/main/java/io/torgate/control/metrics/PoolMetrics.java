package io.torgate.control.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.torgate.torpool.control.CircuitEvent;
import io.torgate.torpool.control.ControlEventListener;
import io.torgate.torpool.control.TorControl;
import io.torgate.torpool.instance.InstanceState;
import io.torgate.torpool.instance.StateListener;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.pool.PoolListener;
import io.torgate.torpool.pool.TorPool;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import java.util.function.ToIntFunction;

/**
 * The tor pool's metrics: instances by state, and per instance (a label bounded by the pool size) bootstrap
 * progress, readiness, live tunnels, restarts, circuits built and failed, NEWNYM signals. Follows the pool as
 * it grows and shrinks: meters of a removed instance are removed with it.
 * <p>
 * Circuits are counted from the instance's CIRC events: a listener is attached to each new control
 * connection (a restart opens a new one) when the instance reaches BOOTSTRAPPING.
 */
final class PoolMetrics implements PoolListener, StateListener {

    private final MeterRegistry registry;
    private final TorPool pool;
    private final ToIntFunction<String> liveTunnels;
    private final Map<String, InstanceMeters> byName = new ConcurrentHashMap<>();

    PoolMetrics(MeterRegistry registry, TorPool pool, ToIntFunction<String> liveTunnels, IntSupplier draining) {
        this.registry = registry;
        this.pool = pool;
        this.liveTunnels = liveTunnels;
        for (InstanceState s : InstanceState.values()) {
            Gauge.builder("torgate.tor.instances", pool, p -> count(p, s))
                    .description("Tor instances of the pool in each state")
                    .tag("state", s.name().toLowerCase(Locale.ROOT))
                    .strongReference(true)
                    .register(registry);
        }
        Gauge.builder("torgate.tor.instances.draining", draining, IntSupplier::getAsInt)
                .description("Instances taken out of the pool that still drain their tunnels before they stop")
                .strongReference(true)
                .register(registry);
        pool.addPoolListener(this);
        pool.addListener(this);
        pool.instances().forEach(this::instanceAdded);
    }

    private static double count(TorPool pool, InstanceState state) {
        return pool.instances().stream().filter(i -> i.state() == state).count();
    }

    @Override
    public void instanceAdded(TorInstance instance) {
        byName.computeIfAbsent(instance.name(), n -> new InstanceMeters(instance)).attachToControl();
    }

    @Override
    public void instanceRemoved(TorInstance instance) {
        InstanceMeters m = byName.remove(instance.name());
        if (m != null) {
            m.meters.forEach(registry::remove);
        }
    }

    @Override
    public void onStateChange(TorInstance instance, InstanceState from, InstanceState to, String reason) {
        if (to == InstanceState.BOOTSTRAPPING || to == InstanceState.READY) {
            InstanceMeters m = byName.get(instance.name());
            if (m != null && m.instance == instance) {
                m.attachToControl();
            }
        }
    }

    /** One instance's meters and the control connection its circuit counter listens to. */
    private final class InstanceMeters implements ControlEventListener {
        final TorInstance instance;
        final List<Meter> meters = new ArrayList<>();
        final Counter built;
        final Counter failed;
        private TorControl attached;
        /** NEWNYMs sent on control connections before the current one (each connection counts from zero). */
        private long earlierNewnyms;

        InstanceMeters(TorInstance instance) {
            this.instance = instance;
            Tags tags = Tags.of("instance", instance.name());
            meters.add(Gauge.builder("torgate.tor.bootstrap.progress", instance, i -> i.bootstrap().progress() / 100.0)
                    .description("Bootstrap progress of the instance's current tor, 0 to 1")
                    .baseUnit("ratio").tags(tags).strongReference(true).register(registry));
            meters.add(Gauge.builder("torgate.tor.instance.ready", instance, i -> i.state() == InstanceState.READY ? 1 : 0)
                    .description("1 while the instance is READY (routed to), else 0")
                    .tags(tags).strongReference(true).register(registry));
            meters.add(Gauge.builder("torgate.tor.instance.tunnels", instance, i -> liveTunnels.applyAsInt(i.name()))
                    .description("Live tunnels carried by the instance")
                    .tags(tags).strongReference(true).register(registry));
            meters.add(FunctionCounter.builder("torgate.tor.restarts", instance, TorInstance::restartCount)
                    .description("Times the supervisor restarted the instance's tor")
                    .tags(tags).register(registry));
            meters.add(FunctionCounter.builder("torgate.tor.newnym.signals", this, InstanceMeters::newnyms)
                    .description("NEWNYM signals sent to the instance's tor (requests within tor's 10 s limit are folded)")
                    .tags(tags).register(registry));
            built = Counter.builder("torgate.tor.circuits").description("Circuits built or failed, from tor's CIRC events"
                            + " (circuits discarded by NEWNYM are not failures)")
                    .tags(tags).tag("outcome", "built").register(registry);
            failed = Counter.builder("torgate.tor.circuits").description("Circuits built or failed, from tor's CIRC events"
                            + " (circuits discarded by NEWNYM are not failures)")
                    .tags(tags).tag("outcome", "failed").register(registry);
            meters.add(built);
            meters.add(failed);
        }

        synchronized void attachToControl() {
            instance.control().ifPresent(c -> {
                if (c != attached) {
                    if (attached != null) {
                        earlierNewnyms += attached.newnymSignalsSent();
                    }
                    attached = c;
                    c.addListener(this);
                }
            });
        }

        synchronized double newnyms() {
            return earlierNewnyms + (attached == null ? 0 : attached.newnymSignalsSent());
        }

        @Override
        public void onCircuit(CircuitEvent event) {
            if (event.status() == CircuitEvent.Status.BUILT) {
                built.increment();
            } else if (event.isHealthFailure()) {
                failed.increment();
            }
        }
    }
}
