package io.torgate.control.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.torgate.control.metrics.Promtool;
import io.torgate.control.metrics.TorgateMetrics;
import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import io.torgate.torpool.directory.NodeDirectory;
import io.torgate.torpool.directory.NodeDirectoryConfig;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.instance.TorInstanceConfig;
import io.torgate.torpool.pool.TorPool;
import io.torgate.torpool.pool.TorPoolRouter;
import io.torgate.torpool.support.Socks5Client;
import io.torgate.torpool.testnet.TestNetwork;
import io.torgate.torpool.testnet.TestNetworkExtension;
import io.torgate.torpool.testnet.TestRelay;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
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
 * The control API of a torgate on the loopback Tor testnet: a pool of real tor instances behind the real gateway,
 * the node directory fed by the network's Onionoo, driven through the JDK HttpClient with a bearer token. Scaling,
 * draining with a live tunnel, NEWNYM, restart, nodes, a proxy port, and the metrics scrape checked by promtool.
 */
@ExtendWith(TestNetworkExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControlApiTestnetTest {

    private static final Logger log = LoggerFactory.getLogger(ControlApiTestnetTest.class);
    private static final String TOKEN = "testnet-token-0123456789abcdef";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration READY = Duration.ofSeconds(90);
    private static final Pattern REPLY_CODE = Pattern.compile("reply code (-?\\d+)");

    @TempDir
    static Path dir;

    private TestNetwork net;
    private TorgateMetrics metrics;
    private TorPool pool;
    private TorPoolRouter router;
    private NodeDirectory directory;
    private Gateway gateway;
    private ControlPlane cp;
    private ApiClient api;
    private final List<Long> pids = new ArrayList<>();

    @BeforeAll
    void start(TestNetwork net) throws Exception {
        this.net = net;
        metrics = TorgateMetrics.create();
        Path poolDir = dir.resolve("pool");
        pool = TorPool.create(TorPool.configs(2, "tor-", poolDir, b -> b.extraTorrc(net.clientTorrc())));
        pool.start().get(120, TimeUnit.SECONDS);
        directory = NodeDirectory.open(NodeDirectoryConfig.builder().baseUrl(net.onionooUrl())
                .stateDir(dir.resolve("nodes")).build());
        directory.refreshNow().get(60, TimeUnit.SECONDS);
        router = TorPoolRouter.builder(pool).directory(directory).build();
        GatewayConfig config = GatewayConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0)).router(router)
                .listener(metrics.gatewayListener()).build();
        gateway = Gateway.start(config);
        PoolAdmin admin = new PoolAdmin(pool, router,
                name -> TorInstanceConfig.builder(name, poolDir).extraTorrc(net.clientTorrc()).build(),
                "tor-", 4, Duration.ofSeconds(30));
        cp = ControlPlane.builder().upstream("tor-pool (testnet)").metrics(metrics).gateway(gateway, config, router)
                .pool(admin).directory(directory).sessions(new RouterSessions(router.sessions())).build();
        ApiServer server = cp.startApi(ApiConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0)).token(TOKEN).build());
        api = new ApiClient(server.address(), TOKEN);
        notePids();
    }

    private void notePids() {
        pool.instances().forEach(i -> i.pid().ifPresent(pids::add));
    }

    @AfterAll
    void stop() {
        if (cp != null) {
            cp.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (pool != null) {
            notePids();
            pool.close();
        }
        if (directory != null) {
            directory.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive))
                .as("tor pid %d ended", pid).isEmpty());
    }

    private static void assertError(ApiClient.Response r, int status, String code, String detailPart) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.json().path("error").asText()).as(r.toString()).isEqualTo(code);
        assertThat(r.json().path("detail").asText()).contains(detailPart);
    }

    private JsonNode instance(String name) throws Exception {
        for (JsonNode i : api.get("/pool").json().path("instances")) {
            if (i.path("name").asText().equals(name)) {
                return i;
            }
        }
        return null;
    }

    private void awaitReady(String name) {
        Awaitility.await().atMost(READY).pollInterval(Duration.ofMillis(250)).until(() -> {
            JsonNode i = instance(name);
            return i != null && i.path("state").asText().equals("READY");
        });
    }

    private Socket tunnel(InetSocketAddress via, String user) throws IOException {
        return Socks5Client.connect(via, "127.0.0.1", net.whoamiUrl().getPort(), user, user == null ? null : "x", 30_000);
    }

    private static String whoami(Socket s) throws IOException {
        return JSON.readTree(Socks5Client.get(s, "/")).path("fingerprint").asText("none");
    }

    /** The SOCKS5 reply to a CONNECT (0 = succeeded, then the exit whoami saw). */
    private String outcome(InetSocketAddress via, String user) throws IOException {
        try (Socket s = tunnel(via, user)) {
            return "0 " + whoami(s);
        } catch (IOException e) {
            Matcher m = REPLY_CODE.matcher(String.valueOf(e.getMessage()));
            if (m.find()) {
                return m.group(1);
            }
            throw e;
        }
    }

    @Test
    @Order(1)
    void healthStatusAndPoolDescribeTheRunningPool() throws Exception {
        ApiClient.Response health = api.get("/health");
        assertThat(health.status()).as(health.toString()).isEqualTo(200);
        assertThat(health.json().path("ready_instances").asInt()).isEqualTo(2);

        JsonNode status = api.get("/status").json();
        assertThat(status.path("upstream").asText()).isEqualTo("tor-pool (testnet)");
        assertThat(status.path("pool").path("instances").asInt()).isEqualTo(2);
        assertThat(status.path("pool").path("by_state").path("READY").asInt()).isEqualTo(2);
        assertThat(status.path("directory").path("relays").asInt()).isEqualTo(net.exits().size());
        assertThat(status.path("directory").path("age_seconds").asDouble()).isLessThan(120);

        JsonNode p = api.get("/pool").json();
        assertThat(p.path("size").asInt()).isEqualTo(2);
        assertThat(p.path("max_instances").asInt()).isEqualTo(4);
        for (JsonNode i : p.path("instances")) {
            assertThat(i.path("state").asText()).isEqualTo("READY");
            assertThat(i.path("pid").asLong()).isPositive();
            assertThat(i.path("socks").asText()).startsWith("127.0.0.1:");
            assertThat(i.path("bootstrap_progress").asInt()).isEqualTo(100);
        }
        assertThat(api.get("/pool/instances/tor-1").json().path("name").asText()).isEqualTo("tor-1");
        assertError(api.get("/pool/instances/tor-9"), 404, "not_found", "'tor-9'");
    }

    @Test
    @Order(2)
    void withoutTheTokenNothingIsServed() throws Exception {
        assertError(api.withToken(null).get("/pool"), 401, "unauthorized", "Bearer");
        assertError(api.withToken(null).post("/pool/instances", "{\"add\": 1}"), 401, "unauthorized", "Bearer");
        assertThat(pool.instances()).hasSize(2);
    }

    @Test
    @Order(3)
    void tunnelsShowInThePoolAndNewnymReachesTor() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (String user : List.of("a1", "a2")) {
                held.add(tunnel(gateway.address(), user));
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
                int sum = 0;
                for (JsonNode i : api.get("/pool").json().path("instances")) {
                    sum += i.path("live_tunnels").asInt();
                }
                return sum == 2;
            });
            assertThat(api.get("/status").json().path("tunnels").path("active").asInt()).isEqualTo(2);
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        long before = pool.instance("tor-0").orElseThrow().control().orElseThrow().newnymSignalsSent();
        ApiClient.Response r = api.post("/pool/instances/tor-0/newnym", null);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("signal_accepted_at").asText()).isNotEmpty();
        assertThat(pool.instance("tor-0").orElseThrow().control().orElseThrow().newnymSignalsSent()).isGreaterThan(before);
        assertError(api.post("/pool/instances/tor-7/newnym", null), 404, "not_found", "'tor-7'");
    }

    @Test
    @Order(4)
    void nodesComeFromTheNetworksDirectory() throws Exception {
        JsonNode all = api.get("/nodes").json();
        Set<String> exits = net.exits().stream().map(TestRelay::fingerprint).collect(Collectors.toSet());
        assertThat(all.path("count").asInt()).isEqualTo(exits.size());
        List<String> listed = StreamSupport.stream(all.path("nodes").spliterator(), false)
                .map(n -> n.path("fingerprint").asText()).toList();
        assertThat(listed).containsExactlyInAnyOrderElementsOf(exits);
        JsonNode first = all.path("nodes").get(0);
        assertThat(first.path("exit_addresses").isArray()).isTrue();
        assertThat(first.path("flags").toString()).contains("Exit");
        assertThat(first.has("nickname") && first.has("country") && first.has("bandwidth")).isTrue();

        String country = net.exits().get(0).country();
        Set<String> inCountry = net.exits().stream().filter(e -> e.country().equals(country))
                .map(TestRelay::fingerprint).collect(Collectors.toSet());
        JsonNode filtered = api.get("/nodes?country=" + country.toUpperCase()).json();
        assertThat(filtered.path("count").asInt()).isEqualTo(inCountry.size());
        filtered.path("nodes").forEach(n -> assertThat(n.path("country").asText()).isEqualTo(country));

        JsonNode stable = api.get("/nodes?flag=Stable").json();
        stable.path("nodes").forEach(n -> assertThat(n.path("flags").toString()).contains("\"Stable\""));
        assertThat(api.get("/nodes?flag=NoSuchFlag").json().path("count").asInt()).isZero();

        assertError(api.get("/nodes?country=xyz"), 400, "bad_value", "'xyz'");
        assertError(api.get("/nodes?flag=a-b"), 400, "bad_value", "'a-b'");
        assertError(api.get("/nodes?colour=red"), 400, "bad_value", "unknown query parameter 'colour'");

        ApiClient.Response refresh = api.post("/nodes/refresh", null);
        assertThat(refresh.status()).as(refresh.toString()).isEqualTo(200);
        assertThat(refresh.json().path("outcome").asText()).isIn("refreshed", "unchanged");
        assertThat(refresh.json().path("relays").asInt()).isEqualTo(exits.size());
    }

    @Test
    @Order(5)
    void scalingUpStartsAnInstanceAndScalingDownDrainsTheNewest() throws Exception {
        assertError(api.post("/pool/instances", "{\"count\": 2, \"add\": 1}"), 400, "bad_value", "exactly one");
        assertError(api.post("/pool/instances", "{\"count\": 0}"), 400, "bad_value", "at least 1");
        assertError(api.post("/pool/instances", "{\"count\": 5}"), 400, "bad_value", "limit of 4");
        assertError(api.post("/pool/instances", "{\"add\": 3}"), 400, "bad_value", "limit of 4");
        assertError(api.post("/pool/instances", "{\"count\": 2, \"grace\": \"soon\"}"), 400, "bad_value", "'soon'");
        assertError(api.post("/pool/instances", "{\"add\": 1, \"grace\": \"1s\"}"), 400, "bad_value", "'grace' goes with");
        assertError(api.method("PUT", "/pool/instances", "{}"), 405, "method_not_allowed", "POST");

        ApiClient.Response added = api.post("/pool/instances", "{\"add\": 1}");
        assertThat(added.status()).as(added.toString()).isEqualTo(202);
        assertThat(added.json().path("added").toString()).isEqualTo("[\"tor-2\"]");
        assertThat(added.json().path("size").asInt()).isEqualTo(3);
        long t0 = System.nanoTime();
        awaitReady("tor-2");
        log.info("MEASURE an added instance was READY {} ms after POST /pool/instances", (System.nanoTime() - t0) / 1_000_000);
        TorInstance third = pool.instance("tor-2").orElseThrow();
        long pid = third.pid().orElseThrow();
        pids.add(pid);
        // The router uses the new instance: it has no tunnels, so the next tunnel goes there.
        List<Socket> held = new ArrayList<>();
        try {
            held.add(tunnel(gateway.address(), "b1"));
            held.add(tunnel(gateway.address(), "b2"));
            held.add(tunnel(gateway.address(), "b3"));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> instance("tor-2").path("live_tunnels").asInt() == 1);
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> router.liveTunnels("tor-2") == 0);

        ApiClient.Response down = api.post("/pool/instances", "{\"count\": 2, \"grace\": \"0s\"}");
        assertThat(down.status()).as(down.toString()).isEqualTo(202);
        assertThat(down.json().path("draining").toString()).isEqualTo("[\"tor-2\"]");
        assertThat(down.json().path("size").asInt()).isEqualTo(2);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> instance("tor-2") == null);
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(api.get("/pool").json().path("size").asInt()).isEqualTo(2);
    }

    @Test
    @Order(6)
    void aDrainedInstanceGetsNoNewTunnelsButFinishesItsLiveOne() throws Exception {
        // Two idle instances and two new tunnels: the fewest-tunnels selector puts one on each.
        Socket onA = tunnel(gateway.address(), "c1");
        Socket onB = tunnel(gateway.address(), "c2");
        try {
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> router.liveTunnels("tor-0") == 1 && router.liveTunnels("tor-1") == 1);
            long pid = pool.instance("tor-1").orElseThrow().pid().orElseThrow();

            ApiClient.Response drain = api.delete("/pool/instances/tor-1?grace=60s");
            assertThat(drain.status()).as(drain.toString()).isEqualTo(202);
            assertThat(drain.json().path("live_tunnels").asInt()).isEqualTo(1);
            assertThat(drain.json().path("grace_seconds").asDouble()).isEqualTo(60.0);
            assertError(api.delete("/pool/instances/tor-1"), 409, "already_draining", "'tor-1'");
            assertError(api.post("/pool/instances/tor-1/restart", null), 409, "draining", "'tor-1'");
            assertError(api.delete("/pool/instances/tor-0"), 409, "last_instance", "last instance");
            assertError(api.delete("/pool/instances/tor-0?grace=1y"), 400, "bad_value", "'1y'");

            JsonNode draining = instance("tor-1");
            assertThat(draining.path("draining").asBoolean()).isTrue();
            assertThat(draining.path("in_pool").asBoolean()).isFalse();
            assertThat(draining.path("state").asText()).isEqualTo("READY");
            assertThat(api.get("/status").json().path("pool").path("draining").asInt()).isEqualTo(1);

            for (String user : List.of("c3", "c4")) {
                try (Socket s = tunnel(gateway.address(), user)) {
                    assertThat(router.liveTunnels("tor-1")).as("no new tunnel on a draining instance").isEqualTo(1);
                    assertThat(whoami(s)).hasSize(40);
                }
            }
            assertThat(whoami(onA)).hasSize(40);
            assertThat(whoami(onB)).as("the draining instance's tunnel still carries traffic").hasSize(40);
            assertThat(instance("tor-1")).as("still draining while its tunnel is open").isNotNull();
            onA.close();
            onB.close();
            // Its last tunnel has ended: the drain completes well before the 60 s grace.
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> instance("tor-1") == null);
            assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        } finally {
            onA.close();
            onB.close();
        }
        ApiClient.Response back = api.post("/pool/instances", "{\"count\": 2}");
        assertThat(back.json().path("added").toString()).as("the drained name is free again").isEqualTo("[\"tor-1\"]");
        awaitReady("tor-1");
        notePids();
    }

    @Test
    @Order(7)
    void restartReplacesTheTorProcess() throws Exception {
        long before = pool.instance("tor-0").orElseThrow().pid().orElseThrow();
        ApiClient.Response r = api.post("/pool/instances/tor-0/restart", null);
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        assertError(api.post("/pool/instances/tor-9/restart", null), 404, "not_found", "'tor-9'");
        Awaitility.await().atMost(READY).pollInterval(Duration.ofMillis(250)).until(() -> {
            JsonNode i = instance("tor-0");
            return i.path("state").asText().equals("READY") && i.path("pid").asLong() != before
                    && !i.path("restarting").asBoolean();
        });
        assertThat(ProcessHandle.of(before).filter(ProcessHandle::isAlive)).isEmpty();
        notePids();
        assertThat(api.get("/health").status()).isEqualTo(200);
    }

    @Test
    @Order(8)
    void aProxyPortRoutesLikeTheMainPortWithTheEquivalentUsername() throws Exception {
        String country = net.exits().get(0).country();
        ApiClient.Response created = api.post("/proxies", "{\"geo_category\": \"" + country + "\", \"mode\": \"flexible\"}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        InetSocketAddress proxy = new InetSocketAddress("127.0.0.1", created.json().path("port").asInt());

        String viaProxy = outcome(proxy, null);
        String viaMain = outcome(gateway.address(), "anonymous-country-" + country);
        log.info("proxy port {} -> '{}', main port with country-{} -> '{}'", proxy.getPort(), viaProxy, country, viaMain);
        assertThat(viaProxy.split(" ")[0]).as("same SOCKS5 reply through both ports").isEqualTo(viaMain.split(" ")[0]);
        if (viaProxy.startsWith("0 ")) {
            Set<String> inCountry = net.exits().stream().filter(e -> e.country().equals(country))
                    .map(TestRelay::fingerprint).collect(Collectors.toSet());
            assertThat(viaProxy.substring(2)).isIn(inCountry);
        }
        assertThat(api.delete("/proxies/" + proxy.getPort()).status()).isEqualTo(200);
        assertThat(api.get("/proxies").json()).isEmpty();
    }

    @Test
    @Order(9)
    void aSessionIsListedRotatedToAnotherExitAndRemoved() throws Exception {
        String first;
        try (Socket s = tunnel(gateway.address(), "alice-session-s1")) {
            first = whoami(s);
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            ApiClient.Response r = api.get("/sessions/alice/s1");
            return r.status() == 200 && r.json().path("exit").path("fingerprint").asText().equals(first);
        });
        JsonNode listed = api.get("/sessions?user=alice").json();
        assertThat(listed.path("count").asInt()).isEqualTo(1);
        JsonNode one = listed.path("sessions").get(0);
        assertThat(one.path("session").asText()).isEqualTo("s1");
        assertThat(one.path("mode").asText()).isEqualTo("flexible");
        assertThat(one.path("connections").asLong()).isEqualTo(1);
        assertThat(one.path("instance").asText()).startsWith("tor-");

        long t0 = System.nanoTime();
        ApiClient.Response rotated = api.post("/sessions/alice/s1/rotate", null);
        log.info("MEASURE rotation answered in {} ms: {}", (System.nanoTime() - t0) / 1_000_000, rotated.body());
        assertThat(rotated.status()).as(rotated.toString()).isEqualTo(200);
        assertThat(rotated.json().path("old_exit").path("fingerprint").asText()).isEqualTo(first);
        String next = rotated.json().path("new_exit").path("fingerprint").asText();
        assertThat(next).isNotEqualTo(first).hasSize(40);
        try (Socket s = tunnel(gateway.address(), "alice-session-s1")) {
            assertThat(whoami(s)).as("the session's next connection uses the new exit").isEqualTo(next);
        }
        assertThat(api.get("/sessions/alice/s1").json().path("rotations").asInt()).isEqualTo(1);

        assertThat(api.delete("/sessions/alice/s1").status()).isEqualTo(200);
        assertError(api.get("/sessions/alice/s1"), 404, "not_found", "'s1'");
        assertError(api.post("/sessions/alice/s1/rotate", null), 404, "not_found", "'s1'");
        assertError(api.delete("/sessions/alice/s1"), 404, "not_found", "'s1'");
    }

    @Test
    @Order(10)
    void theScrapeIsValidAndCountsWhatHappened() throws Exception {
        ApiClient.Response r = api.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        String scrape = r.body();
        Promtool.Result check = Promtool.checkMetrics(scrape);
        assertThat(check.exitCode()).as(check.output()).isZero();

        assertThat(value(scrape, "torgate_tor_instances{state=\"ready\"}")).isEqualTo(2.0);
        assertThat(value(scrape, "torgate_tor_bootstrap_progress_ratio{instance=\"tor-0\"}")).isEqualTo(1.0);
        assertThat(value(scrape, "torgate_tor_circuits_total{instance=\"tor-1\",outcome=\"built\"}")).isPositive();
        assertThat(value(scrape, "torgate_tor_restarts_total{instance=\"tor-0\"}")).isZero();
        assertThat(value(scrape, "torgate_tunnels_opened_total{outcome=\"established\"}")).isGreaterThanOrEqualTo(9.0);
        assertThat(value(scrape, "torgate_tunnel_transferred_bytes_total{direction=\"upstream_to_client\"}")).isPositive();
        assertThat(value(scrape, "torgate_directory_relays")).isEqualTo(net.exits().size());
        String country = net.exits().get(0).country();
        assertThat(value(scrape, "torgate_directory_exits{country=\"" + country + "\"}")).isPositive();
        assertThat(value(scrape, "torgate_directory_refreshes_total{outcome=\"refreshed\"}")
                + value(scrape, "torgate_directory_refreshes_total{outcome=\"unchanged\"}")).isGreaterThanOrEqualTo(2.0);
        assertThat(value(scrape, "torgate_api_requests_total{endpoint=\"GET /pool\",status=\"200\"}")).isPositive();
        assertThat(value(scrape, "torgate_api_requests_total{endpoint=\"unmatched\",status=\"401\"}"))
                .as(scrape.lines().filter(l -> l.startsWith("torgate_api_requests")).collect(Collectors.joining("\n")))
                .isEqualTo(2.0);
        assertThat(scrape).doesNotContain(TOKEN).doesNotContain("tor-2\"");
        log.info("MEASURE scrape: {} bytes, {} series", scrape.length(), scrape.lines().filter(l -> !l.startsWith("#")).count());
    }

    /** The value of one exact series in a scrape. */
    static double value(String scrape, String series) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).strip());
            }
        }
        throw new AssertionError("no series " + series + " in the scrape");
    }
}
