package io.torgate.torpool.pool;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.testing.Socks5TestClient;
import io.torgate.torpool.control.StreamEvent;
import io.torgate.torpool.directory.NodeDirectory;
import io.torgate.torpool.directory.NodeDirectoryConfig;
import io.torgate.torpool.directory.RefreshOutcome;
import io.torgate.torpool.instance.InstanceState;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.session.SessionInfo;
import io.torgate.torpool.support.Socks5Client;
import io.torgate.torpool.testnet.TestNetwork;
import io.torgate.torpool.testnet.TestNetworkExtension;
import io.torgate.torpool.testnet.TestRelay;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exits are circuits, shown at the scale issue 11 names: a testnet of 12 exits in 12 countries and a pool of 2
 * instances (allowed to grow to 4) serve 12 pinned exits held open at once, 12 countries × 5 sessions at once, 300
 * concurrent sticky sessions over 3 connections each and 1,000 opened 100 at a time over 2 each, and the pool stays
 * at 2. The whoami server names the exit of every connection (by socket ownership); which streams share a circuit
 * is read from the instances' own {@code stream-status}, not torgate's bookkeeping.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CircuitRoutingScaleTestnetTest {

    private static final Logger log = LoggerFactory.getLogger(CircuitRoutingScaleTestnetTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EXITS = 12;
    private static final int INSTANCES = 2;

    @TempDir
    static Path dir;

    private TestNetwork net;
    private NodeDirectory directory;
    private TorPool pool;
    private TorPoolRouter router;
    private Gateway gateway;

    @BeforeAll
    void start() throws Exception {
        Path state = TestNetworkExtension.freeStateDir(
                TestNetworkExtension.defaultStateDir().resolveSibling("testnet-state-" + EXITS + "-exits"));
        net = TestNetwork.start(TestNetwork.Options.builder().stateDir(state).exits(EXITS)
                .bootstrapTimeout(Duration.ofSeconds(180)).build());
        assertThat(net.exits()).hasSize(EXITS).extracting(TestRelay::country).doesNotHaveDuplicates();
        directory = NodeDirectory.open(NodeDirectoryConfig.builder().baseUrl(net.onionooUrl())
                .stateDir(dir.resolve("nodes")).httpTimeout(Duration.ofSeconds(5)).build());
        RefreshOutcome o = directory.refreshNow().get(30, TimeUnit.SECONDS);
        assertThat(o.kind()).as(String.valueOf(o.error())).isNotEqualTo(RefreshOutcome.Kind.FAILED);
        pool = TorPool.growing(INSTANCES, 4, "scale", dir, b -> b.extraTorrc(net.clientTorrc()));
        assertThat(pool.start().get(120, TimeUnit.SECONDS)).hasSize(INSTANCES);
        router = TorPoolRouter.builder(pool).directory(directory).build();
        gateway = Gateway.start(GatewayConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0)).router(router)
                .maxTunnels(4_000).build());
        // Every instance's circuit machinery is up before the first connection (routing would wait for it anyway).
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> router.circuits().open().size() == INSTANCES);
    }

    @AfterAll
    void stop() {
        PoolShutdown.close(router, gateway, pool, directory);
        if (net != null) {
            net.close();
        }
    }

    /** One fetch through the gateway as {@code user}: the exit whoami saw. */
    private String fetch(String user) throws Exception {
        try (Socks5TestClient c = open(user)) {
            return whoami(c);
        }
    }

    private Socks5TestClient open(String user) throws Exception {
        Socks5TestClient c = Socks5TestClient.connect(gateway.address());
        c.login(user, "secret");
        int reply = c.connectIp(InetAddress.getLoopbackAddress(), net.whoamiUrl().getPort());
        if (reply != 0) {
            c.close();
            throw new AssertionError("SOCKS reply 0x" + Integer.toHexString(reply) + " for " + user);
        }
        return c;
    }

    private String whoami(Socks5TestClient c) throws Exception {
        return JSON.readTree(Socks5Client.get(c.socket(), "/")).path("fingerprint").asText("none");
    }

    private static <T> List<T> allAtOnce(List<Callable<T>> tasks) throws Exception {
        ExecutorService workers = Executors.newFixedThreadPool(tasks.size());
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> t : tasks) {
                futures.add(workers.submit(t));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                out.add(f.get(180, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            workers.shutdownNow();
        }
    }

    /** The streams each instance's tor has open right now, by circuit: what tor itself says, not torgate. */
    private Map<String, Integer> streamsPerCircuit() throws Exception {
        Map<String, Integer> out = new HashMap<>();
        for (TorInstance i : pool.instances()) {
            for (StreamEvent s : i.control().orElseThrow().streamStatus().get(10, TimeUnit.SECONDS)) {
                if (s.status() == StreamEvent.Status.SUCCEEDED) {
                    out.merge(i.name() + "/" + s.circuitId(), 1, Integer::sum);
                }
            }
        }
        return out;
    }

    private String countryOf(String fingerprint) {
        return net.relay(fingerprint).country();
    }

    @Test
    @Order(1)
    void twelvePinnedExitsHeldOpenAtOnceOnTwoInstancesEachLeaveWherePinned() throws Exception {
        List<Callable<Socks5TestClient>> opens = new ArrayList<>();
        for (TestRelay exit : net.exits()) {
            opens.add(() -> open("pin-session-" + exit.nickname() + "-exit-" + exit.fingerprint()));
        }
        long t0 = System.nanoTime();
        List<Socks5TestClient> held = allAtOnce(opens);
        log.info("MEASURE {} sessions pinned to {} exits connected at once in {} ms on {} instances", held.size(),
                EXITS, (System.nanoTime() - t0) / 1_000_000, pool.instances().size());
        try {
            Map<String, Integer> perCircuit = streamsPerCircuit();
            assertThat(perCircuit.values()).as("one held stream per circuit (tor's stream-status)").containsOnly(1);
            assertThat(perCircuit).hasSize(EXITS);
            for (int k = 0; k < held.size(); k++) {
                assertThat(whoami(held.get(k))).as(net.exits().get(k).nickname())
                        .isEqualTo(net.exits().get(k).fingerprint());
            }
        } finally {
            for (Socks5TestClient c : held) {
                c.close();
            }
        }
        assertThat(pool.instances()).hasSize(INSTANCES);
    }

    @Test
    @Order(2)
    void twelveCountriesTimesFiveSessionsAtOnceAllConnectEachViaItsCountryOnItsOwnCircuit() throws Exception {
        List<String> users = new ArrayList<>();
        for (TestRelay exit : net.exits()) {
            for (int s = 0; s < 5; s++) {
                // Two users per country, so circuits of one user's sessions and of different users are both in play.
                users.add("u" + (s % 2) + "-session-" + exit.country() + s + "-country-" + exit.country());
            }
        }
        List<Callable<Socks5TestClient>> opens = new ArrayList<>();
        users.forEach(u -> opens.add(() -> open(u)));
        long t0 = System.nanoTime();
        List<Socks5TestClient> held = allAtOnce(opens);
        log.info("MEASURE {} country sessions ({} countries) connected at once in {} ms", held.size(), EXITS,
                (System.nanoTime() - t0) / 1_000_000);
        try {
            assertThat(held).hasSize(60);
            Map<String, Integer> perCircuit = streamsPerCircuit();
            assertThat(perCircuit.values()).as("no two sessions or users on one circuit (tor's stream-status)")
                    .containsOnly(1);
            assertThat(perCircuit).hasSize(60);
            for (int k = 0; k < held.size(); k++) {
                String country = users.get(k).substring(users.get(k).lastIndexOf('-') + 1);
                assertThat(countryOf(whoami(held.get(k)))).as(users.get(k)).isEqualTo(country);
            }
        } finally {
            for (Socks5TestClient c : held) {
                c.close();
            }
        }
        assertThat(pool.instances()).hasSize(INSTANCES);
    }

    /** Sessions {@code prefix0 …}, {@code count} at once, each making {@code connections} fetches in a row. */
    private Map<String, List<String>> stickyRound(String prefix, int from, int count, int connections) throws Exception {
        List<Callable<Map.Entry<String, List<String>>>> tasks = new ArrayList<>();
        for (int k = from; k < from + count; k++) {
            String user = "sticky" + (k % 7) + "-session-" + prefix + k;
            tasks.add(() -> {
                List<String> exits = new ArrayList<>();
                for (int c = 0; c < connections; c++) {
                    exits.add(fetch(user));
                }
                return Map.entry(user, exits);
            });
        }
        return allAtOnce(tasks).stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private static void assertEachKeptItsExit(Map<String, List<String>> exitsBySession) {
        List<String> changed = exitsBySession.entrySet().stream().filter(e -> Set.copyOf(e.getValue()).size() != 1)
                .map(e -> e.getKey() + " " + e.getValue()).toList();
        assertThat(changed).as("sessions whose exit changed without rotation").isEmpty();
    }

    @Test
    @Order(3)
    void threeHundredConcurrentStickySessionsKeepTheirExitOverThreeConnections() throws Exception {
        long t0 = System.nanoTime();
        Map<String, List<String>> exits = stickyRound("c", 0, 300, 3);
        log.info("MEASURE 300 concurrent sticky sessions x 3 connections in {} ms", (System.nanoTime() - t0) / 1_000_000);
        assertThat(exits).hasSize(300);
        assertEachKeptItsExit(exits);
        assertThat(exits.values().stream().map(l -> l.get(0)).collect(Collectors.toSet()))
                .as("sessions spread over the exits").hasSizeGreaterThan(EXITS / 2);
        for (SessionInfo s : router.sessions().list()) {
            if (s.session().startsWith("c")) {
                assertThat(s.exitChanges()).as(s.session()).isZero();
            }
        }
        assertThat(pool.instances()).hasSize(INSTANCES);
    }

    @Test
    @Order(4)
    void aThousandStickySessionsOpenedAHundredAtATimeKeepTheirExitOverTwoConnections() throws Exception {
        long t0 = System.nanoTime();
        Map<String, List<String>> exits = new HashMap<>();
        for (int batch = 0; batch < 10; batch++) {
            exits.putAll(stickyRound("t", batch * 100, 100, 2));
        }
        log.info("MEASURE 1,000 sticky sessions (100 at a time) x 2 connections in {} ms",
                (System.nanoTime() - t0) / 1_000_000);
        assertThat(exits).hasSize(1_000);
        assertEachKeptItsExit(exits);
        assertThat(router.sessionsPerInstance().values().stream().mapToInt(Integer::intValue).sum())
                .isGreaterThanOrEqualTo(1_000);
        assertThat(pool.instances()).as("the pool grows for load, never for routes").hasSize(INSTANCES);
    }

    @Test
    @Order(5)
    void afterKillNineTheSessionsOfTheDeadInstanceKeepTheirExitThroughTheOther() throws Exception {
        // Strict and flexible sessions with a known exit, spread over both instances (order alternates, so the
        // selector's round robin does not put every session of one kind on one instance).
        Map<String, String> exitOf = new HashMap<>();
        for (int k = 0; k < 20; k++) {
            List<String> users = List.of("kill-session-s" + k + "-mode-strict", "kill-session-f" + k);
            for (String u : k % 2 == 0 ? users : List.of(users.get(1), users.get(0))) {
                exitOf.put(u, fetch(u));
            }
        }
        Map<String, String> instanceOf = new HashMap<>();
        exitOf.keySet().forEach(u -> instanceOf.put(u, router.sessions().get("kill", u.split("-")[2])
                .flatMap(SessionInfo::instance).orElseThrow()));
        TorInstance victim = pool.instances().stream().filter(i -> instanceOf.entrySet().stream().anyMatch(e ->
                        e.getValue().equals(i.name()) && e.getKey().endsWith("strict"))
                        && instanceOf.entrySet().stream().anyMatch(e -> e.getValue().equals(i.name())
                        && !e.getKey().endsWith("strict")))
                .findFirst().orElseThrow(() -> new AssertionError("no instance with both kinds: " + instanceOf));
        Map<String, String> strictExit = new HashMap<>();
        Map<String, String> flexExit = new HashMap<>();
        instanceOf.forEach((u, i) -> {
            if (i.equals(victim.name())) {
                (u.endsWith("strict") ? strictExit : flexExit).put(u, exitOf.get(u));
            }
        });
        long pid = victim.pid().orElseThrow();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> victim.state() != InstanceState.READY);
        Map<String, String> all = new HashMap<>(strictExit);
        all.putAll(flexExit);
        for (Map.Entry<String, String> e : all.entrySet()) {
            assertThat(fetch(e.getKey())).as(e.getKey() + " after kill -9 of its instance").isEqualTo(e.getValue());
            String id = e.getKey().split("-")[2];
            SessionInfo s = router.sessions().get("kill", id).orElseThrow();
            assertThat(s.instance()).as(id).isNotEqualTo(java.util.Optional.of(victim.name()));
            assertThat(s.exitChanges()).as(id).isZero();
        }
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> victim.state() == InstanceState.READY);
        assertThat(victim.pid().orElseThrow()).isNotEqualTo(pid);
    }
}
