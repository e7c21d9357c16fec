package io.torgate.torpool.directory;

import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.torpool.testnet.OnionooServer;
import io.torgate.torpool.testnet.TestNetwork;
import io.torgate.torpool.testnet.TestNetworkExtension;
import io.torgate.torpool.testnet.TestRelay;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The node directory fed by the test network's Onionoo stand-in, which reflects the live consensus. */
@ExtendWith(TestNetworkExtension.class)
class NodeDirectoryTestnetTest {

    private static final Logger log = LoggerFactory.getLogger(NodeDirectoryTestnetTest.class);

    @TempDir
    Path dir;
    private TestNetwork network;

    @AfterEach
    void serverBackToNormal() {
        if (network != null) {
            network.onionoo().mode(OnionooServer.Mode.NORMAL);
            network.onionoo().slowDelay(Duration.ofSeconds(30)); // its default
        }
    }

    private NodeDirectoryConfig config(TestNetwork net, RecordingListener listener) {
        network = net;
        return NodeDirectoryConfig.builder().baseUrl(net.onionooUrl()).stateDir(dir).listener(listener)
                .httpTimeout(Duration.ofSeconds(3)).build();
    }

    private static RefreshOutcome refresh(NodeDirectory d) throws Exception {
        return d.refreshNow().get(60, TimeUnit.SECONDS);
    }

    private static List<TestRelay> runningExits(TestNetwork net) {
        return net.exits().stream().filter(TestRelay::isRunning).toList();
    }

    @Test
    void aRefreshStoresEveryExitWithItsConfiguredCountryAndTheNextOneIsUnchanged(TestNetwork net) throws Exception {
        RecordingListener listener = new RecordingListener();
        try (NodeDirectory d = NodeDirectory.open(config(net, listener))) {
            RefreshOutcome first = refresh(d);

            assertThat(first.kind()).as(String.valueOf(first.error())).isEqualTo(RefreshOutcome.Kind.REFRESHED);
            List<TestRelay> exits = runningExits(net);
            assertThat(exits).isNotEmpty();
            assertThat(d.exits()).extracting(Relay::fingerprint)
                    .containsExactlyInAnyOrderElementsOf(exits.stream().map(TestRelay::fingerprint).toList());
            for (TestRelay e : exits) {
                Relay r = d.relay(e.fingerprint()).orElseThrow();
                assertThat(r.nickname()).contains(e.nickname());
                assertThat(r.country()).as(e.nickname()).contains(e.country());
                assertThat(r.exitAddresses()).containsExactly("127.0.0.1");
                assertThat(r.addressSource()).isEqualTo(Relay.AddressSource.EXIT_ADDRESSES);
                assertThat(r.flags()).contains("Exit", "Running", "Valid");
                // Onionoo's summary of the exit's policy: the testnet's rejecting exit refuses one port.
                assertThat(r.exitPolicySummary()).contains(e.rejectedPorts().isEmpty() ? "{\"accept\":[\"1-65535\"]}"
                        : "{\"reject\":[\"" + net.rejectedPort() + "\"]}");
            }
            for (TestRelay other : net.relays().stream().filter(r -> !r.isExit()).toList()) {
                assertThat(d.relay(other.fingerprint())).as("not an exit: " + other.nickname()).isEmpty();
            }
            Map<String, Integer> expectedCountries = new TreeMap<>(exits.stream()
                    .collect(Collectors.groupingBy(TestRelay::country, Collectors.summingInt(e -> 1))));
            assertThat(d.countByCountry()).isEqualTo(expectedCountries);
            assertThat(d.exits(ExitFilter.inCountries(exits.get(0).country()))).extracting(Relay::fingerprint)
                    .contains(exits.get(0).fingerprint());

            // Every new consensus (each 10 s here) moves Last-Modified on; repeat if one landed in between.
            int notModifiedBefore = net.onionoo().notModifiedCount();
            RefreshOutcome second = refresh(d);
            for (int i = 0; i < 5 && second.kind() == RefreshOutcome.Kind.REFRESHED; i++) {
                second = refresh(d);
            }
            assertThat(second.kind()).isEqualTo(RefreshOutcome.Kind.UNCHANGED);
            assertThat(net.onionoo().notModifiedCount()).isGreaterThan(notModifiedBefore);
            assertThat(d.counters().unchanged()).isEqualTo(1);
            assertThat(listener.calls).startsWith("refreshed").endsWith("unchanged");

            long db = Files.size(dir.resolve("nodes.db"));
            long wal = Files.exists(dir.resolve("nodes.db-wal")) ? Files.size(dir.resolve("nodes.db-wal")) : 0;
            log.info("testnet directory: {} exits, first refresh {} ms, 304 refresh {} ms, nodes.db {} bytes + WAL {} bytes",
                    d.size(), first.duration().toMillis(), second.duration().toMillis(), db, wal);
        }
    }

    @Test
    void everyFailureModeKeepsTheLastGoodDirectoryCountsItAndTheAgeGrows(TestNetwork net) throws Exception {
        RecordingListener listener = new RecordingListener();
        Map<OnionooServer.Mode, FailureReason> modes = new java.util.LinkedHashMap<>();
        modes.put(OnionooServer.Mode.ERROR_500, FailureReason.HTTP_SERVER_ERROR);
        modes.put(OnionooServer.Mode.TRUNCATED, FailureReason.MALFORMED_JSON);
        modes.put(OnionooServer.Mode.GARBAGE, FailureReason.MALFORMED_JSON);
        modes.put(OnionooServer.Mode.SLOW, FailureReason.TIMEOUT);
        try (NodeDirectory d = NodeDirectory.open(config(net, listener))) {
            assertThat(refresh(d).kind()).isEqualTo(RefreshOutcome.Kind.REFRESHED);
            List<Relay> good = d.exits();
            Duration ageAfterGood = d.age().orElseThrow();
            long t0 = System.nanoTime();
            net.onionoo().slowDelay(Duration.ofSeconds(8)); // longer than our 3 s timeout

            for (Map.Entry<OnionooServer.Mode, FailureReason> m : modes.entrySet()) {
                net.onionoo().mode(m.getKey());
                Duration ageBefore = d.age().orElseThrow();

                RefreshOutcome o = refresh(d);

                assertThat(o.reason()).as(m.getKey() + ": " + o.error()).contains(m.getValue());
                assertThat(o.relayCount()).isEqualTo(good.size());
                assertThat(d.exits()).as(m.getKey().name()).isEqualTo(good);
                assertThat(d.age().orElseThrow()).as("age grows while failing").isGreaterThan(ageBefore);
            }
            Duration failingFor = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(d.age().orElseThrow()).isGreaterThanOrEqualTo(failingFor.plus(ageAfterGood).minusMillis(50));
            assertThat(failingFor).as("the slow answer was cut at the timeout").isGreaterThan(Duration.ofSeconds(3));
            RefreshCounters c = d.counters();
            assertThat(c.failures(FailureReason.HTTP_SERVER_ERROR)).isEqualTo(1);
            assertThat(c.failures(FailureReason.MALFORMED_JSON)).isEqualTo(2);
            assertThat(c.failures(FailureReason.TIMEOUT)).isEqualTo(1);
            assertThat(c.consecutiveFailures()).isEqualTo(4);
            assertThat(listener.calls).containsExactly("refreshed", "failed:HTTP_SERVER_ERROR", "failed:MALFORMED_JSON",
                    "failed:MALFORMED_JSON", "failed:TIMEOUT");

            net.onionoo().mode(OnionooServer.Mode.NORMAL);
            RefreshOutcome back = refresh(d);
            assertThat(back.isFailure()).isFalse();
            assertThat(d.age().orElseThrow()).isLessThan(failingFor);
        }
    }

    @Test
    void withTheServerGoneTheStoredDirectoryIsStillServedAndTheFailureCounted(TestNetwork net) throws Exception {
        RecordingListener listener = new RecordingListener();
        Set<String> stored;
        try (NodeDirectory d = NodeDirectory.open(config(net, listener))) {
            assertThat(refresh(d).kind()).isEqualTo(RefreshOutcome.Kind.REFRESHED);
            stored = d.exits().stream().map(Relay::fingerprint).collect(Collectors.toSet());
        }
        // The shared network's server cannot be stopped under other tests' feet: point a directory on the same
        // state at a loopback port where nothing listens any more, which is what a stopped server looks like.
        int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = s.getLocalPort();
        }
        NodeDirectoryConfig gone = NodeDirectoryConfig.builder().baseUrl("http://127.0.0.1:" + deadPort).stateDir(dir)
                .listener(listener).httpTimeout(Duration.ofSeconds(3)).build();
        try (NodeDirectory d = NodeDirectory.open(gone)) {
            Duration ageAtOpen = d.age().orElseThrow();

            RefreshOutcome o = refresh(d);

            assertThat(o.reason()).as(String.valueOf(o.error())).contains(FailureReason.CONNECTION_FAILED);
            assertThat(d.exits()).extracting(Relay::fingerprint).containsExactlyInAnyOrderElementsOf(stored);
            assertThat(d.counters().failures(FailureReason.CONNECTION_FAILED)).isEqualTo(1);
            assertThat(d.age().orElseThrow()).isGreaterThan(ageAtOpen);
            assertThat(d.refreshLog(5)).extracting(RefreshOutcome::kind)
                    .containsExactly(RefreshOutcome.Kind.FAILED, RefreshOutcome.Kind.REFRESHED);
        }
    }
}
