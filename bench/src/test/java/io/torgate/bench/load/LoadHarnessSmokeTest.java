package io.torgate.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.gateway.DirectRouter;
import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.testing.NettyLeakExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The load harness, in miniature, so it cannot rot: a real sink, a real torgate gateway and the real client, in
 * this JVM, for a few seconds. Asserts that every scenario produced figures in a sane range and that the report
 * files came out; the figures themselves mean nothing here (paranoid leak detection, a shared machine).
 */
@ExtendWith(NettyLeakExtension.class)
class LoadHarnessSmokeTest {

    @TempDir
    Path dir;

    @Test
    void tinyRunAgainstDirectAndTorgateProducesSaneFigures() throws Exception {
        try (SinkServer sink = SinkServer.start(new InetSocketAddress("127.0.0.1", 0), 1);
             Gateway gateway = Gateway.start(GatewayConfig.builder()
                     .listen(new InetSocketAddress("127.0.0.1", 0))
                     .router(new DirectRouter())
                     .build())) {
            // The same stats line the separate stats host serves, read in-process.
            MemoryProbe inProcess = () -> StatsHostProbe.parse(TorgateStatsHost.statsLine(gateway));
            Peer torgate = new Peer("torgate", gateway.address(), inProcess,
                    new ProcessCpu(ProcessHandle.current().pid()), true);
            HarnessSettings settings = new HarnessSettings(sink.address(), Workload.SINK,
                    List.of(Peer.direct(), torgate), "torgate", HarnessSettings.DEFAULT_BASELINES,
                    java.util.Set.of("bulk", "conn", "memory"), Duration.ofMillis(500), 1, List.of(1, 4),
                    Duration.ofMillis(200), Duration.ofMillis(500),
                    8, Duration.ofMillis(200), Duration.ofMillis(500), 50_000,
                    100, 16, Duration.ofMillis(200), 1, List.of(), Map.of("command", "smoke test"));

            ByteArrayOutputStream log = new ByteArrayOutputStream();
            HarnessResults results = new LoadHarness(settings, new PrintStream(log, true, StandardCharsets.UTF_8)).run();

            assertThat(results.failures).as(log.toString(StandardCharsets.UTF_8)).isEmpty();
            for (int streams : List.of(1, 4)) {
                for (String peer : List.of("direct", "torgate")) {
                    // Loopback moves well over 1 MB/s even with paranoid leak detection; an upper bound of 100 GB/s
                    // catches unit mistakes.
                    assertThat(results.bulkMedian(streams, peer)).as("%s, %d streams, MB/s", peer, streams)
                            .isBetween(1.0, 100_000.0);
                }
            }
            assertThat(results.bulkMedian(4, "torgate", LoadClient.BulkResult::cpuSecondsPerGB))
                    .as("CPU s/GB measured for a peer with a pid").isPositive();
            for (String peer : List.of("direct", "torgate")) {
                LoadClient.ConnRateResult r = results.conn.get(peer).get(0);
                assertThat(r.errors()).as("%s: connection errors (%s)", peer, r.firstError()).isZero();
                assertThat(r.connectionsPerSecond()).as("%s connections/s", peer).isBetween(10.0, 1_000_000.0);
                assertThat(r.p50Millis()).as("%s p50", peer).isPositive().isLessThanOrEqualTo(r.p99Millis());
                assertThat(r.p99Millis()).as("%s p99", peer).isLessThan(5_000.0);
            }
            HarnessResults.MemoryResult memory = results.memory.get("torgate");
            assertThat(memory.tunnels()).isEqualTo(100);
            assertThat(memory.after().pooledDirectBytes()).isNotNegative();
            assertThat(memory.heapKbPerTunnel()).as("live heap per idle tunnel, KB").isBetween(0.0, 1_000.0);
            assertThat(gateway.activeTunnels()).as("every harness connection was closed").isZero();

            Path json = dir.resolve("results/run.json");
            Path md = dir.resolve("table.md");
            LoadHarness.write(results, json, md);
            assertThat(Files.readString(json)).contains("\"bulkThroughput\"", "\"connectionRate\"", "\"idleMemory\"",
                    "\"targets\"", "\"cores\"");
            assertThat(Files.readString(md)).contains("torgate / direct", "connections/s", "KB/tunnel");
        }
    }
}
