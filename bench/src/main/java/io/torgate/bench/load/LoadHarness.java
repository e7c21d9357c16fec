package io.torgate.bench.load;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures every peer under the same load: bulk throughput, connection rate, memory with idle tunnels. Traffic
 * scenarios run in interleaved rounds (A B C D, then B C D A, ...) so that a noisy moment hurts every peer
 * alike; the report gives medians and the subject's ratios. Memory runs once per peer that has a probe.
 * <p>
 * {@code java -cp benchmarks.jar io.torgate.bench.load.LoadHarness --sink HOST:PORT --peer direct
 * --peer torgate=HOST:PORT,pid=N ... --json FILE --markdown FILE} (see {@link HarnessSettings#parse}); bench/run.sh
 * starts the peers and calls this.
 */
public final class LoadHarness {

    private final HarnessSettings settings;
    private final PrintStream log;

    LoadHarness(HarnessSettings settings, PrintStream log) {
        this.settings = settings;
        this.log = log;
    }

    HarnessResults run() throws Exception {
        HarnessResults results = new HarnessResults(settings);
        results.environment.putAll(Environment.describe());
        List<Peer> traffic = settings.peers().stream().filter(Peer::trafficRuns).toList();
        try (LoadClient client = new LoadClient(settings.sink(), settings.workload(), settings.clientThreads(),
                settings.sources())) {
            warmUp(client, traffic, results);
            for (int streams : settings.scenarios().contains(HarnessSettings.BULK) ? settings.streams()
                    : List.<Integer>of()) {
                for (int round = 0; round < settings.rounds(); round++) {
                    for (Peer peer : rotated(traffic, round)) {
                        String what = "bulk " + streams + " stream(s), " + peer.name();
                        try {
                            LoadClient.BulkResult r = client.bulk(peer, streams, settings.bulkWarmup(),
                                    settings.bulkMeasure());
                            results.addBulk(streams, peer.name(), r);
                            log.printf("round %d  %-40s %10.1f MB/s  CPU %.2f s/GB%n", round + 1, what,
                                    r.megabytesPerSecond(), r.cpuSecondsPerGB());
                        } catch (Exception e) {
                            failed(results, what, e);
                        }
                    }
                }
            }
            int connRounds = settings.scenarios().contains(HarnessSettings.CONN) ? settings.rounds() : 0;
            for (int round = 0; round < connRounds; round++) {
                for (Peer peer : rotated(traffic, round)) {
                    String what = "connection rate, " + peer.name();
                    try {
                        LoadClient.ConnRateResult r = client.connectionRate(peer, settings.connClients(),
                                settings.connWarmup(), settings.connMeasure(), settings.maxConnectionsPerRun());
                        results.addConn(peer.name(), r);
                        log.printf("round %d  %-40s %10.0f conn/s  p50 %.2f ms  p99 %.2f ms  CPU %.3f ms/conn  errors %d%n",
                                round + 1, what, r.connectionsPerSecond(), r.p50Millis(), r.p99Millis(),
                                r.cpuMillisPerConnection(), r.errors());
                    } catch (Exception e) {
                        failed(results, what, e);
                    }
                }
            }
            for (Peer peer : settings.peers()) {
                if (peer.memory() == null || !settings.scenarios().contains(HarnessSettings.MEMORY)) {
                    continue;
                }
                String what = "idle memory, " + peer.name();
                try {
                    HarnessResults.MemoryResult r = idleMemory(client, peer);
                    results.memory.put(peer.name(), r);
                    log.printf("%-40s RSS %.2f, PSS %.2f, live heap %.2f, pooled direct %.3f KB/tunnel%n",
                            what, r.rssKbPerTunnel(), r.pssKbPerTunnel(), r.heapKbPerTunnel(), r.pooledKbPerTunnel());
                } catch (Exception e) {
                    failed(results, what, e);
                }
            }
        }
        results.environment.put("loadAfter", Environment.loadAverage());
        return results;
    }

    /**
     * Unmeasured traffic through every peer first: a JVM peer (torgate, and this client) compiles its hot paths
     * during the first tens of thousands of connections, and a short measured run would otherwise be charged for
     * the JIT rather than for the proxy. The C servers get the same traffic.
     */
    private void warmUp(LoadClient client, List<Peer> traffic, HarnessResults results) {
        if (settings.peerWarmup().isZero()) {
            return;
        }
        // Most of it goes to connections: the per-connection code runs once per connection, the relay once per read.
        Duration bulk = settings.peerWarmup().dividedBy(5);
        Duration conn = settings.peerWarmup().minus(bulk);
        for (Peer peer : traffic) {
            try {
                client.bulk(peer, 16, Duration.ZERO, bulk);
                LoadClient.ConnRateResult r = client.connectionRate(peer, settings.connClients(), Duration.ZERO, conn,
                        settings.maxConnectionsPerRun());
                log.printf("warm-up  %-40s done (%d connections)%n", peer.name(), r.completed());
            } catch (Exception e) {
                failed(results, "warm-up, " + peer.name(), e);
            }
        }
    }

    /**
     * Warm-up (a first batch opened and closed, so one-time costs are not charged per tunnel), a settled
     * "before" sample, {@code idleTunnels} opened, a settled "after" sample, all closed.
     */
    private HarnessResults.MemoryResult idleMemory(LoadClient client, Peer peer) throws Exception {
        int n = settings.idleTunnels();
        try (LoadClient.IdleTunnels warm = client.openIdle(peer, Math.min(n, 500), settings.idleParallelism())) {
            log.printf("idle memory, %s: warm-up with %d tunnels%n", peer.name(), warm.count());
        }
        Thread.sleep(settings.idleSettle().toMillis());
        MemoryProbe.Sample before = peer.memory().sample();
        MemoryProbe.Sample after;
        try (LoadClient.IdleTunnels idle = client.openIdle(peer, n, settings.idleParallelism())) {
            Thread.sleep(settings.idleSettle().toMillis());
            after = peer.memory().sample();
        }
        Thread.sleep(settings.idleSettle().toMillis()); // let the peer finish closing before the next one
        return new HarnessResults.MemoryResult(n, before, after);
    }

    private void failed(HarnessResults results, String what, Exception e) {
        results.failures.putIfAbsent(what, e.toString());
        log.printf("FAILED  %s: %s%n", what, e);
    }

    static <T> List<T> rotated(List<T> list, int by) {
        List<T> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            out.add(list.get((i + by) % list.size()));
        }
        return out;
    }

    /** Writes the JSON results and the Markdown table. */
    static void write(HarnessResults results, Path json, Path markdown) throws IOException {
        if (json != null) {
            Files.createDirectories(json.toAbsolutePath().getParent());
            Files.writeString(json, Json.write(results.toJson()));
        }
        if (markdown != null) {
            Files.createDirectories(markdown.toAbsolutePath().getParent());
            Files.writeString(markdown, results.toMarkdown());
        }
    }

    public static void main(String[] args) throws Exception {
        Args a = new Args(args);
        HarnessSettings settings = HarnessSettings.parse(a);
        HarnessResults results = new LoadHarness(settings, System.out).run();
        String date = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmm'Z'").format(ZonedDateTime.now(ZoneOffset.UTC));
        Path json = Path.of(a.string("--json", "bench/results/" + date + ".json"));
        String md = a.string("--markdown", null);
        write(results, json, md == null ? null : Path.of(md));
        System.out.println();
        System.out.println(results.toMarkdown());
        System.out.println("results: " + json);
        if (!results.failures.isEmpty()) {
            System.exit(1);
        }
    }

    static Duration seconds(double s) {
        return Duration.ofMillis(Math.round(s * 1000));
    }
}
