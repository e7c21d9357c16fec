package io.torgate.control.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.torgate.torpool.directory.FailureReason;
import io.torgate.torpool.directory.NodeDirectory;
import java.util.Locale;
import java.util.Map;

/**
 * The node directory's metrics: relays held, usable exits per country (about 250 possible codes at most),
 * the age of the last good refresh, refresh outcomes and failures by reason.
 */
final class DirectoryMetrics {

    private final NodeDirectory directory;
    private final MultiGauge exitsByCountry;

    DirectoryMetrics(MeterRegistry registry, NodeDirectory directory) {
        this.directory = directory;
        Gauge.builder("torgate.directory.relays", directory, NodeDirectory::size)
                .description("Exit relays held by the node directory, usable or not")
                .strongReference(true)
                .register(registry);
        Gauge.builder("torgate.directory.age", directory, d -> d.age().map(a -> a.toMillis() / 1000.0).orElse(Double.NaN))
                .description("Time since the node directory's last good refresh (NaN before the first)")
                .baseUnit("seconds")
                .strongReference(true)
                .register(registry);
        Gauge.builder("torgate.directory.refresh.consecutive.failures", directory,
                        d -> d.counters().consecutiveFailures())
                .description("Refresh attempts failed in a row since the last good one")
                .strongReference(true)
                .register(registry);
        FunctionCounter.builder("torgate.directory.refreshes", directory, d -> d.counters().refreshed())
                .description("Refresh attempts that ended well: a new document stored, or confirmed unchanged (304)")
                .tag("outcome", "refreshed")
                .register(registry);
        FunctionCounter.builder("torgate.directory.refreshes", directory, d -> d.counters().unchanged())
                .description("Refresh attempts that ended well: a new document stored, or confirmed unchanged (304)")
                .tag("outcome", "unchanged")
                .register(registry);
        for (FailureReason reason : FailureReason.values()) {
            FunctionCounter.builder("torgate.directory.refresh.failures", directory, d -> d.counters().failures(reason))
                    .description("Refresh attempts that failed, by reason (the last good directory stays in use)")
                    .tag("reason", reason.name().toLowerCase(Locale.ROOT))
                    .register(registry);
        }
        exitsByCountry = MultiGauge.builder("torgate.directory.exits")
                .description("Usable exit relays per country (?? = unknown)")
                .register(registry);
        update();
    }

    /** Re-reads the per-country counts (called before each scrape: a refresh may have changed them). */
    void update() {
        Map<String, Integer> counts = directory.countByCountry();
        exitsByCountry.register(counts.entrySet().stream()
                .map(e -> MultiGauge.Row.of(Tags.of("country", e.getKey()), e.getValue()))
                .toList(), true);
    }
}
