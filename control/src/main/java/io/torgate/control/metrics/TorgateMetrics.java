package io.torgate.control.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayListener;
import io.torgate.torpool.directory.NodeDirectory;
import io.torgate.torpool.circuit.CircuitListener;
import io.torgate.torpool.pool.TorPool;
import io.torgate.torpool.pool.TorPoolRouter;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * Every metric torgate exports, in one Micrometer {@link PrometheusMeterRegistry}: the gateway's data path (via
 * {@link #gatewayListener()}), the tor pool, the node directory, and the JVM. Names start with {@code torgate_}
 * (JVM and process metrics keep Micrometer's standard names), carry their unit, and no label holds a session,
 * user or destination, so the number of series stays bounded.
 */
public final class TorgateMetrics implements AutoCloseable {

    /** What {@link #scrape()} returns: the Prometheus text format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final GatewayMetrics gateway;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final List<DirectoryMetrics> directories = new CopyOnWriteArrayList<>();
    private final CircuitMetrics circuits;
    private volatile TorPoolRouter router;

    private TorgateMetrics() {
        // Two of Micrometer's standard meters break Prometheus naming rules (promtool check metrics): a CPU time
        // in "ns" (an abbreviated unit; process_cpu_usage says the same) and a gauge ending in "_count".
        registry.config().meterFilter(MeterFilter.denyNameStartsWith("process.cpu.time"));
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().equals("system.cpu.count") ? id.withName("system.cpu.cores") : id;
            }
        });
        // Meters only after the filters: Micrometer warns (and may not apply them) otherwise.
        gateway = new GatewayMetrics(registry);
        circuits = new CircuitMetrics(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    public static TorgateMetrics create() {
        return new TorgateMetrics();
    }

    /** Give this to every gateway's config: it feeds the data-path metrics. */
    public GatewayListener gatewayListener() {
        return gateway;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Live tunnels and pooled direct memory, summed over the gateways the supplier names at scrape time (the
     * main listener and any dedicated proxy ports).
     */
    public void bindGateways(Supplier<? extends Collection<Gateway>> gateways) {
        Objects.requireNonNull(gateways, "gateways");
        Gauge.builder("torgate.tunnels.active", gateways, g -> g.get().stream().mapToInt(Gateway::activeTunnels).sum())
                .description("Tunnels open right now, over every listener")
                .strongReference(true)
                .register(registry);
        Gauge.builder("torgate.gateway.direct.memory.used", gateways,
                        g -> g.get().stream().mapToLong(Gateway::usedDirectMemory).sum())
                .description("Pooled direct memory held by the gateways' buffer allocators")
                .baseUnit("bytes")
                .strongReference(true)
                .register(registry);
        Gauge.builder("torgate.gateway.listeners", gateways, g -> g.get().size())
                .description("SOCKS5/HTTP CONNECT listeners: the main one plus dedicated proxy ports")
                .strongReference(true)
                .register(registry);
    }

    /**
     * The pool's metrics, following it as it scales.
     *
     * @param liveTunnels live tunnels per instance name (the router's count)
     * @param draining    instances out of the pool that still drain
     */
    public void bindPool(TorPool pool, ToIntFunction<String> liveTunnels, IntSupplier draining) {
        new PoolMetrics(registry, pool, liveTunnels, draining);
    }

    /** Hears the circuit machinery; give it to the router ({@code CircuitStack.Settings#withListener}). */
    public CircuitListener circuitListener() {
        return circuits;
    }

    /** Circuits by state, warm circuits per group and sessions per instance, read from the router at each scrape. */
    public void bindCircuits(TorPoolRouter router) {
        this.router = router;
        circuits.bind(router);
    }

    public void bindDirectory(NodeDirectory directory) {
        directories.add(new DirectoryMetrics(registry, directory));
    }

    /** The Prometheus text exposition of every metric now. */
    public String scrape() {
        directories.forEach(DirectoryMetrics::update);
        TorPoolRouter r = router;
        if (r != null) {
            circuits.update(r);
        }
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
