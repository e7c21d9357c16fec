package io.torgate.torpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.GatewayListener;
import io.torgate.gateway.RoutingException;
import io.torgate.gateway.testing.RawHttp;
import io.torgate.gateway.testing.Socks5TestClient;
import io.torgate.torpool.control.TorControl;
import io.torgate.torpool.directory.NodeDirectory;
import io.torgate.torpool.directory.NodeDirectoryConfig;
import io.torgate.torpool.directory.RefreshOutcome;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.session.Rotation;
import io.torgate.torpool.session.SessionInfo;
import io.torgate.torpool.session.SessionNotFoundException;
import io.torgate.torpool.support.Socks5Client;
import io.torgate.torpool.testnet.TestNetwork;
import io.torgate.torpool.testnet.TestNetworkExtension;
import io.torgate.torpool.testnet.TestRelay;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
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
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exit routing on the testnet through the real gateway: countries, exclusions, pinned exits, sessions,
 * rotation, more exits than instances and a dying exit. The ground truth for every connection is the whoami server, which
 * names the exit relay that carried it (by socket ownership), independent of torgate's own bookkeeping; the
 * bookkeeping is checked against it.
 */
@ExtendWith(TestNetworkExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExitRoutingTestnetTest {

    private static final Logger log = LoggerFactory.getLogger(ExitRoutingTestnetTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int POOL_MAX = 3;

    @TempDir
    static Path dir;

    private TestNetwork net;
    private NodeDirectory directory;
    private TorPool pool;
    private TorPoolRouter router;
    private Gateway gateway;
    /** What the router learned per tunnel, by the client's local port towards the gateway. */
    private final Map<Integer, Learned> learned = new ConcurrentHashMap<>();
    /** How long each connection waited, between tor's CONNECT reply and its client's answer, for its exit check. */
    private final List<Long> admissionNanos = new java.util.concurrent.CopyOnWriteArrayList<>();

    record Learned(String instance, String exit, String circuit) { }

    /** One connection's outcome: the SOCKS reply, and for a success the exit whoami saw and what torgate learned. */
    record Fetch(int reply, String whoami, Learned learned) { }

    @BeforeAll
    void start(TestNetwork net) throws Exception {
        this.net = net;
        directory = NodeDirectory.open(NodeDirectoryConfig.builder().baseUrl(net.onionooUrl())
                .stateDir(dir.resolve("nodes")).httpTimeout(Duration.ofSeconds(5)).build());
        RefreshOutcome o = directory.refreshNow().get(30, TimeUnit.SECONDS);
        assertThat(o.kind()).as(String.valueOf(o.error())).isNotEqualTo(RefreshOutcome.Kind.FAILED);
        assertThat(directory.exits()).hasSize(net.exits().size());
        pool = TorPool.growing(2, POOL_MAX, "route", dir, b -> b.extraTorrc(net.clientTorrc()));
        assertThat(pool.start().get(120, TimeUnit.SECONDS)).hasSize(2);
        router = TorPoolRouter.builder(pool).directory(directory).build();
        router.addExitListener((tunnel, instance, exit) -> learned.put(tunnel.request().client().getPort(),
                new Learned(instance.name(), exit.exit().map(h -> h.fingerprint()).orElse("?"), exit.circuitId())));
        gateway = Gateway.start(GatewayConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0)).router(router)
                .listener(new GatewayListener() {
                    @Override
                    public void upstreamAdmitted(long nanos) {
                        admissionNanos.add(nanos);
                    }
                }).build());
    }

    @AfterAll
    void stop() {
        PoolShutdown.close(router, gateway, pool, directory);
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private Set<String> exitsIn(String... countries) {
        Set<String> cs = Set.of(countries);
        return net.exits().stream().filter(e -> cs.contains(e.country())).map(TestRelay::fingerprint)
                .collect(Collectors.toSet());
    }

    private TestRelay exitIn(String country) {
        return net.exits().stream().filter(e -> e.country().equals(country)).findFirst().orElseThrow();
    }

    private String country(String fingerprint) {
        return net.relay(fingerprint).country();
    }

    /** Opens a tunnel to whoami as {@code user}; the caller asks and closes. */
    private Socks5TestClient open(String user) throws IOException {
        Socks5TestClient c = Socks5TestClient.connect(gateway.address());
        c.login(user, "secret");
        return c;
    }

    /** One connection as {@code user}: the reply, and on success whoami's exit and what torgate learned. */
    private Fetch fetch(String user) throws Exception {
        try (Socks5TestClient c = open(user)) {
            int reply = c.connectIp(InetAddress.getLoopbackAddress(), net.whoamiUrl().getPort());
            if (reply != 0) {
                return new Fetch(reply, null, null);
            }
            String seen = JSON.readTree(Socks5Client.get(c.socket(), "/")).path("fingerprint").asText("none");
            return new Fetch(0, seen, learnedFor(c.socket()));
        }
    }

    private Learned learnedFor(Socket s) {
        int port = s.getLocalPort();
        return Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> learned.get(port), l -> l != null);
    }

    /** {@code fetch} that must succeed, with torgate's exit equal to whoami's. */
    private Fetch ok(String user) throws Exception {
        Fetch f = fetch(user);
        assertThat(f.reply()).as("SOCKS reply for " + user).isZero();
        assertThat(f.learned().exit()).as("torgate's exit agrees with whoami for " + user).isEqualTo(f.whoami());
        return f;
    }

    private List<Fetch> inParallel(List<String> users) throws Exception {
        ExecutorService workers = Executors.newFixedThreadPool(4);
        try {
            List<Future<Fetch>> futures = new ArrayList<>();
            for (String u : users) {
                futures.add(workers.submit(() -> ok(u)));
            }
            List<Fetch> out = new ArrayList<>();
            for (Future<Fetch> f : futures) {
                out.add(f.get(60, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            workers.shutdownNow();
        }
    }

    private static Set<String> whoamis(Collection<Fetch> fetches) {
        return fetches.stream().map(Fetch::whoami).collect(Collectors.toSet());
    }

    private SessionInfo session(String user, String id) {
        return router.sessions().get(user, id).orElseThrow(() -> new AssertionError("no session " + id + " of " + user));
    }

    private void forgetAllSessions() {
        for (SessionInfo s : router.sessions().list()) {
            router.sessions().remove(s.user(), s.session());
        }
        assertThat(router.sessions().list()).isEmpty();
    }

    // ---- tests ----------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void countryConnectionsAllLeaveThroughThatCountrysExits() throws Exception {
        List<String> us = new ArrayList<>();
        List<String> deNl = new ArrayList<>();
        for (int k = 0; k < 50; k++) {
            // Fresh circuits (rotate-each) and many users, so tor chooses the exit again and again.
            us.add("c" + (k % 10) + "-country-us" + (k % 2 == 0 ? "-rotate-each" : ""));
            deNl.add("c" + (k % 10) + "-country-de_nl" + (k % 2 == 0 ? "-rotate-each" : ""));
        }
        long t0 = System.nanoTime();
        admissionNanos.clear();
        List<Fetch> usFetches = inParallel(us);
        List<Fetch> deNlFetches = inParallel(deNl);
        log.info("MEASURE 100 country connections in {} ms", (System.nanoTime() - t0) / 1_000_000);
        List<Long> waits = admissionNanos.stream().sorted().toList();
        assertThat(waits).as("every country connection waited for its exit check").hasSizeGreaterThanOrEqualTo(100);
        log.info("MEASURE exit check before answering, {} connections: p50 {} us, p90 {} us, p99 {} us, max {} us",
                waits.size(), waits.get(waits.size() / 2) / 1000, waits.get(waits.size() * 9 / 10) / 1000,
                waits.get(waits.size() * 99 / 100) / 1000, waits.get(waits.size() - 1) / 1000);
        assertThat(whoamis(usFetches)).containsExactly(exitIn("us").fingerprint());
        // Routing consulted the directory, which asked the pool's consensus: it names every relay of the network.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> router.consensusView.fingerprints(),
                fps -> fps.containsAll(net.relays().stream().map(TestRelay::fingerprint).toList()));
        assertThat(whoamis(deNlFetches)).isSubsetOf(exitsIn("de", "nl"))
                .as("both exits of the group carry traffic").hasSize(2);
    }

    @Test
    @Order(2)
    void anExcludedCountryIsNeverUsed() throws Exception {
        List<String> users = new ArrayList<>();
        for (int k = 0; k < 40; k++) {
            users.add("x" + (k % 8) + "-exclude-de" + (k % 2 == 0 ? "-rotate-each" : ""));
        }
        List<Fetch> fetches = inParallel(users);
        assertThat(whoamis(fetches)).doesNotContain(exitIn("de").fingerprint())
                .isSubsetOf(exitsIn("us", "nl", "fr")).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    @Order(3)
    void aCountryWithoutARunningExitIsRefusedWith0x04AndA502ThatSaysWhy() throws Exception {
        Fetch f = fetch("nobody-country-jp");
        assertThat(f.reply()).as("HOST_UNREACHABLE").isEqualTo(0x04);

        try (Socket s = new Socket()) {
            s.connect(gateway.address(), 5_000);
            s.setSoTimeout(20_000);
            String target = "127.0.0.1:" + net.whoamiUrl().getPort();
            RawHttp.send(s, "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\nProxy-Authorization: "
                    + RawHttp.basic("nobody-country-jp_kr", "secret") + "\r\n\r\n");
            RawHttp.Response r = RawHttp.read(s);
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.body()).contains("no exit in [jp, kr] is running");
        }
        assertThatThrownBy(() -> router.route(PoolRoutingRulesTest.request("nobody-exit-0123456789ABCDEF0123456789ABCDEF01234567"))
                .toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(RoutingException.class, e -> {
                    assertThat(e.reason()).isEqualTo("exit_not_running");
                    assertThat(e.detail()).contains("0123456789ABCDEF0123456789ABCDEF01234567").contains("is not running");
                });
    }

    @Test
    @Order(4)
    void anExitFingerprintAlwaysUsesThatRelay() throws Exception {
        TestRelay nl = exitIn("nl");
        List<String> users = new ArrayList<>();
        for (int k = 0; k < 20; k++) {
            users.add("p" + (k % 5) + "-exit-" + nl.fingerprint().toLowerCase() + (k % 2 == 0 ? "-rotate-each" : ""));
        }
        for (int k = 0; k < 5; k++) {
            users.add("p-session-pin" + k + "-exit-" + nl.fingerprint());
        }
        assertThat(whoamis(inParallel(users))).containsExactly(nl.fingerprint());
        SessionInfo s = session("p", "pin0");
        assertThat(s.pinnedExit()).contains(nl.fingerprint());
        assertThat(s.mode()).isEqualTo(io.torgate.gateway.Mode.STRICT);
        assertThat(s.circuit()).hasValueSatisfying(c -> assertThat(c.hops()).hasSize(3).last()
                .satisfies(h -> assertThat(h.fingerprint()).isEqualTo(nl.fingerprint())));
    }

    @Test
    @Order(5)
    void oneSessionKeepsOneExitOver20ConnectionsAndRecordsIt() throws Exception {
        forgetAllSessions();
        List<Fetch> fetches = new ArrayList<>();
        for (int k = 0; k < 20; k++) {
            fetches.add(ok("carol-session-keep-country-de_us_nl"));
        }
        assertThat(whoamis(fetches)).hasSize(1);
        String exit = fetches.get(0).whoami();
        assertThat(exitsIn("de", "us", "nl")).contains(exit);
        // One circuit: torgate attaches every stream of the session to the circuit it built for it (tor's own
        // STREAM events name the circuit).
        Set<String> circuits = fetches.stream().map(f -> f.learned().instance() + "/" + f.learned().circuit())
                .collect(Collectors.toSet());
        assertThat(circuits).hasSize(1);
        Fetch last = fetches.get(fetches.size() - 1);

        SessionInfo s = Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> session("carol", "keep"), i -> i.liveTunnels() == 0);
        assertThat(s.connections()).isEqualTo(20);
        assertThat(s.exitChanges()).isZero();
        assertThat(s.pinnedExit()).as("flexible: keeps its exit without a pin").isEmpty();
        assertThat(s.instance()).contains(last.learned().instance());
        assertThat(s.exit()).hasValueSatisfying(e -> {
            assertThat(e.fingerprint()).isEqualTo(exit);
            assertThat(e.nickname()).contains(net.relay(exit).nickname());
            assertThat(e.country()).contains(country(exit));
            assertThat(e.address()).contains("127.0.0.1");
            assertThat(e.circuitId()).contains(last.learned().circuit());
            assertThat(e.circuitPath()).hasSize(3).last().asString().startsWith("$" + exit);
        });
        assertThat(s.circuit()).hasValueSatisfying(c -> {
            assertThat(c.id()).isEqualTo(last.learned().circuit());
            assertThat(c.hops()).extracting(h -> h.fingerprint()).hasSize(3).doesNotHaveDuplicates().last().isEqualTo(exit);
            assertThat(c.buildTime()).isPositive();
        });
        assertThat(s.expiresAt()).isPresent();
        assertThat(s.problem()).isEmpty();
        assertThat(router.sessions().list()).extracting(SessionInfo::session).contains("keep");
    }

    @Test
    @Order(6)
    void sessionsOfOneUserAndDifferentUsersNeverShareACircuit() throws Exception {
        forgetAllSessions();
        Map<String, List<Fetch>> bySession = new ConcurrentHashMap<>();
        List<String> users = List.of("dave-session-a-country-de_us_nl_fr", "dave-session-b-country-de_us_nl_fr",
                "erin-session-a-country-de_us_nl_fr", "erin-session-b-exclude-fr", "frank-exclude-fr", "gina-exclude-fr");
        for (int round = 0; round < 3; round++) {
            for (String u : users) {
                bySession.computeIfAbsent(u, k -> new ArrayList<>()).add(ok(u));
            }
        }
        // rotate-each: a fresh credential, hence a fresh circuit, for every connection.
        List<Fetch> each = new ArrayList<>();
        for (int k = 0; k < 5; k++) {
            each.add(ok("henry-rotate-each"));
        }
        assertThat(each).extracting(f -> f.learned().instance() + "/" + f.learned().circuit()).doesNotHaveDuplicates();
        // Each session rides exactly one circuit (tor's STREAM events say which), never one another session or user
        // uses.
        Map<String, String> circuitOwner = new ConcurrentHashMap<>();
        for (var e : bySession.entrySet()) {
            Set<String> circuits = e.getValue().stream().map(f -> f.learned().instance() + "/" + f.learned().circuit())
                    .collect(Collectors.toSet());
            assertThat(whoamis(e.getValue())).as("one exit for " + e.getKey()).hasSize(1);
            if (e.getKey().contains("-session-")) {
                assertThat(circuits).as("one circuit for " + e.getKey()).hasSize(1);
            }
            for (String c : circuits) {
                String other = circuitOwner.putIfAbsent(c, e.getKey());
                assertThat(other).as("circuit " + c + " of " + e.getKey() + " is not shared").isNull();
            }
        }
        assertThat(router.wrongExitsRejected()).as("by construction, no stream left through another exit").isZero();
    }

    private TorControl controlOf(String instance) {
        return pool.instances().stream().filter(i -> i.name().equals(instance)).findFirst()
                .flatMap(TorInstance::control).orElseThrow(() -> new AssertionError("no control connection to " + instance));
    }

    @Test
    @Order(7)
    void aSessionWhoseCircuitTorClosesGetsANewOneThroughTheSameExit() throws Exception {
        forgetAllSessions();
        String user = "hold-session-h-country-de_us_nl_fr";
        Fetch first = ok(user);
        String exit = first.whoami();
        for (int k = 0; k < 3; k++) {
            // Behind torgate's back, as when a relay on the path goes away.
            String circuit = session("hold", "h").circuit().orElseThrow().id();
            controlOf(session("hold", "h").instance().orElseThrow()).closeCircuit(circuit).get(10, TimeUnit.SECONDS);
            Fetch after = ok(user);
            assertThat(after.whoami()).as("the session keeps its exit").isEqualTo(exit);
            assertThat(after.learned().circuit()).as("on a new circuit").isNotEqualTo(circuit);
        }
        SessionInfo s = session("hold", "h");
        assertThat(s.exitChanges()).isZero();
        assertThat(s.problem()).isEmpty();
    }

    @Test
    @Order(9)
    void rotationChangesTheExitEveryTimeAndTheNextConnectionUsesIt() throws Exception {
        forgetAllSessions();
        String user = "rot-session-r-country-de_us";
        String previous = ok(user).whoami();
        List<Long> millis = new ArrayList<>();
        for (int k = 0; k < 10; k++) {
            Rotation r = router.sessions().rotate("rot", "r").get(30, TimeUnit.SECONDS);
            millis.add(r.took().toMillis());
            assertThat(r.oldExit()).hasValueSatisfying(o -> assertThat(o.fingerprint()).isNotEqualTo(r.newExit().fingerprint()));
            assertThat(r.newExit().country()).isPresent();
            long t0 = System.nanoTime();
            Fetch after = ok(user);
            long firstMs = (System.nanoTime() - t0) / 1_000_000;
            log.info("rotation {}: {} -> {} in {} ms; first connection after it {} ms", k,
                    previous.substring(0, 8), after.whoami().substring(0, 8), r.took().toMillis(), firstMs);
            assertThat(after.whoami()).as("rotation " + k + " gave a different exit").isNotEqualTo(previous)
                    .isEqualTo(r.newExit().fingerprint()).isIn(exitsIn("de", "us"));
            assertThat(ok(user).whoami()).as("and keeps it").isEqualTo(after.whoami());
            previous = after.whoami();
        }
        log.info("MEASURE rotation times (ms): {}", millis);
        SessionInfo s = session("rot", "r");
        assertThat(s.rotations()).isEqualTo(10);
        assertThat(s.exitChanges()).isEqualTo(10);
        assertThat(s.lastExitChange()).hasValueSatisfying(c -> assertThat(c).startsWith("rotated from"));
        assertThatThrownBy(() -> router.sessions().rotate("rot", "nope").get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(SessionNotFoundException.class);
    }

    @Test
    @Order(10)
    void moreDistinctExitsThanInstancesAreServedAtOnceWithoutGrowingThePool() throws Exception {
        forgetAllSessions();
        List<TestRelay> exits = net.exits();
        assertThat(exits.size()).isGreaterThan(pool.instances().size());
        int before = pool.instances().size();
        List<Socks5TestClient> held = new ArrayList<>();
        try {
            long t0 = System.nanoTime();
            for (int k = 0; k < exits.size(); k++) {
                Socks5TestClient c = open("grow-session-g" + k + "-exit-" + exits.get(k).fingerprint());
                held.add(c);
                assertThat(c.connectIp(InetAddress.getLoopbackAddress(), net.whoamiUrl().getPort())).isZero();
                assertThat(JSON.readTree(Socks5Client.get(c.socket(), "/")).path("fingerprint").asText())
                        .isEqualTo(exits.get(k).fingerprint());
            }
            log.info("MEASURE {} pinned sessions on {} distinct exits held at once on {} instances in {} ms",
                    exits.size(), exits.size(), pool.instances().size(), (System.nanoTime() - t0) / 1_000_000);
            assertThat(pool.instances()).as("instances are for load, not for exits").hasSize(before);
            for (int k = 0; k < exits.size(); k++) {
                assertThat(session("grow", "g" + k).problem()).isEmpty();
            }
        } finally {
            for (Socks5TestClient c : held) {
                c.close();
            }
        }
    }

    @Test
    @Order(11)
    void sessionsExpireAfterTheirTtlAndRemoveClosesTheirTunnels() throws Exception {
        ok("ttl-session-short-ttl-2s");
        assertThat(router.sessions().get("ttl", "short")).isPresent();
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> router.sessions().get("ttl", "short").isEmpty());

        try (Socks5TestClient c = open("rm-session-x")) {
            assertThat(c.connectIp(InetAddress.getLoopbackAddress(), net.whoamiUrl().getPort())).isZero();
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> session("rm", "x").liveTunnels() == 1);
            assertThat(router.sessions().remove("rm", "x")).isTrue();
            assertThat(c.socket().getInputStream().read()).as("tunnel closed by the removal").isEqualTo(-1);
        }
        assertThat(router.sessions().get("rm", "x")).isEmpty();
        assertThat(router.sessions().remove("rm", "x")).isFalse();
    }

    @Test
    @Order(12)
    void whenAnExitDiesItsStrictSessionFailsClearlyAndAFlexibleOneMovesWithinItsGroup() throws Exception {
        forgetAllSessions();
        Set<String> group = exitsIn("de", "us");
        Fetch first = ok("flex-session-f-country-de_us");
        String victim = first.whoami();
        assertThat(group).contains(victim);
        assertThat(ok("strict-session-s-exit-" + victim).whoami()).isEqualTo(victim);
        assertThat(ok("strict-session-t-country-de_us-mode-strict").whoami()).isIn(group);
        String tPinned = session("strict", "t").pinnedExit().orElseThrow();

        net.stopRelay(victim);
        try {
            // First, before the directory knows: the strict session's circuit through its exit dies, the circuits
            // torgate builds to replace it fail, and torgate calls the exit unreachable. A client keeps trying
            // meanwhile (its connections fail, or wait in tor until tor gives up on them).
            long t0 = System.nanoTime();
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> {
                        fetch("strict-session-s-exit-" + victim);
                        return session("strict", "s").problem().filter(p -> p.contains("unreachable")).isPresent();
                    });
            log.info("MEASURE dead exit recognised from failing circuits in {} ms", (System.nanoTime() - t0) / 1_000_000);
            Fetch early = fetch("strict-session-s-exit-" + victim);
            assertThat(early.reply()).as("HOST_UNREACHABLE while the directory still lists it").isEqualTo(0x04);
            assertThat(session("strict", "s").problem()).hasValueSatisfying(p -> assertThat(p).contains(victim)
                    .contains("unreachable").contains("strict"));

            assertThat(directory.refreshNow().get(30, TimeUnit.SECONDS).isFailure()).isFalse();
            assertThat(directory.exits()).extracting(r -> r.fingerprint()).doesNotContain(victim);

            Fetch strict = fetch("strict-session-s-exit-" + victim);
            assertThat(strict.reply()).as("HOST_UNREACHABLE, never a silent switch").isEqualTo(0x04);
            SessionInfo s = session("strict", "s");
            assertThat(s.problem()).hasValueSatisfying(p -> assertThat(p).contains(victim).contains("not running")
                    .contains("strict"));
            assertThat(s.pinnedExit()).contains(victim);

            Fetch moved = ok("flex-session-f-country-de_us");
            assertThat(moved.whoami()).isIn(group).isNotEqualTo(victim);
            SessionInfo f = session("flex", "f");
            assertThat(f.exitChanges()).isEqualTo(1);
            assertThat(f.lastExitChange()).hasValueSatisfying(c -> assertThat(c).startsWith("moved from").contains("not running"));
            assertThat(ok("flex-session-f-country-de_us").whoami()).as("and stays").isEqualTo(moved.whoami());

            Fetch t = fetch("strict-session-t-country-de_us-mode-strict");
            if (tPinned.equals(victim)) {
                assertThat(t.reply()).isEqualTo(0x04);
            } else {
                assertThat(t.reply()).isZero();
                assertThat(t.whoami()).isEqualTo(tPinned);
            }
        } finally {
            // Relays that failed to reach the stopped exit refuse its old address and port for 60 s (tor's
            // OR_CONNECT_FAILURE_LIFETIME): on a new port, later tests get a whole network once it is published.
            int oldPort = net.relay(victim).orPort();
            net.startRelayOnNewPort(victim);
            assertThat(net.relay(victim).orPort()).isNotEqualTo(oldPort);
            net.awaitConsensus(Duration.ofSeconds(90));
        }
    }
}
