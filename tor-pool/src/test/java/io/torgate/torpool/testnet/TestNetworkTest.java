package io.torgate.torpool.testnet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.torgate.torpool.testnet.TestRelay.Role;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The test network end to end, with real tor relays and a real tor client. */
@ExtendWith(TestNetworkExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TestNetworkTest {

    private static final Logger log = LoggerFactory.getLogger(TestNetworkTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    static Path clientDir;

    static TestTorClient client;

    @BeforeAll
    static void startClient(TestNetwork net) throws Exception {
        long t0 = System.nanoTime();
        client = TestTorClient.start(net, clientDir, Duration.ofSeconds(90));
        log.info("tor client bootstrapped in {} ms ({} ms after the network's launch)",
                (System.nanoTime() - t0) / 1_000_000, Duration.between(net.launchedAt(), java.time.Instant.now()).toMillis());
    }

    @AfterAll
    static void stopClient() {
        if (client != null) {
            long pid = client.pid();
            client.close();
            assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        }
    }

    @Test
    @Order(1)
    void bootstrapsWithThreeAuthoritiesMiddlesAndExitsAllRunning(TestNetwork net) {
        List<TestRelay> relays = net.relays();
        assertThat(relays).filteredOn(r -> r.role() == Role.AUTHORITY).hasSize(3);
        assertThat(relays).filteredOn(r -> r.role() == Role.MIDDLE).hasSize(3);
        assertThat(net.exits()).hasSize(4).allMatch(TestRelay::isExit);
        assertThat(net.exits()).extracting(TestRelay::country).containsExactly("de", "us", "nl", "fr");
        assertThat(relays).allSatisfy(r -> {
            assertThat(r.fingerprint()).matches("[0-9A-F]{40}");
            assertThat(r.address()).matches("127\\.\\d+\\.0\\.[12]").isNotEqualTo("127.0.0.1");
            assertThat(ProcessHandle.of(r.pid()).map(ProcessHandle::isAlive)).contains(true);
        });
        assertThat(relays).extracting(TestRelay::address).doesNotHaveDuplicates();
        // the consensus the authorities published agrees with what the network says about itself
        Consensus c = net.latestConsensus().orElseThrow();
        for (TestRelay r : relays) {
            Consensus.Entry e = c.entry(r.fingerprint()).orElseThrow();
            assertThat(e.flags()).contains("Running", "Valid");
            assertThat(e.has("Exit")).as(r.nickname() + " Exit flag").isEqualTo(r.isExit());
            assertThat(e.orPort()).isEqualTo(r.orPort());
            assertThat(e.address()).isEqualTo(r.address());
        }
    }

    @Test
    @Order(2)
    void clientTorrcNamesTheThreeAuthoritiesAndLeavesPortsToTheClient(TestNetwork net) {
        var torrc = net.clientTorrc();
        assertThat(torrc.values("TestingTorNetwork")).containsExactly("1");
        List<String> auths = torrc.values("DirAuthority");
        assertThat(auths).hasSize(3);
        for (TestRelay a : net.relays().stream().filter(r -> r.role() == Role.AUTHORITY).toList()) {
            assertThat(auths).anySatisfy(line -> assertThat(line).contains(a.fingerprint())
                    .contains(a.address() + ":" + a.dirPort()).contains("orport=" + a.orPort()));
        }
        assertThat(torrc.values("V3AuthVotingInterval")).containsExactly("10");
        assertThat(torrc.values("DataDirectory")).isEmpty();
        assertThat(torrc.values("SocksPort")).isEmpty();
        assertThat(torrc.values("ControlPort")).isEmpty();
    }

    @Test
    @Order(3)
    void aFetchThroughTheTestnetIsNamedByWhoamiAsOneOfTheExits(TestNetwork net) throws Exception {
        Set<String> exits = fingerprints(net.exits());
        // two requests on one kept-alive connection: the same exit owns the socket for both
        List<Socks5Http.Response> rs = Socks5Http.get(client.socksPort(), "first", net.whoamiUrl(), 2, FETCH_TIMEOUT);
        JsonNode first = JSON.readTree(rs.get(0).body());
        JsonNode second = JSON.readTree(rs.get(1).body());
        assertThat(first.get("via").asText()).isEqualTo("exit");
        assertThat(first.get("fingerprint").asText()).isIn(exits);
        TestRelay exit = net.relay(first.get("fingerprint").asText());
        assertThat(first.get("nickname").asText()).isEqualTo(exit.nickname());
        assertThat(first.get("country").asText()).isEqualTo(exit.country());
        assertThat(first.get("pid").asLong()).isEqualTo(exit.pid());
        assertThat(second.get("fingerprint").asText()).isEqualTo(exit.fingerprint());
        assertThat(second.get("client").asText()).isEqualTo(first.get("client").asText());
        log.info("first fetch through the testnet {} ms after the network's launch",
                Duration.between(net.launchedAt(), java.time.Instant.now()).toMillis());

        // the byte source for throughput tests also names the exit
        Socks5Http.Response bytes = Socks5Http.get(client.socksPort(), "first",
                net.whoamiUrl().resolve("/bytes?n=200000"), FETCH_TIMEOUT);
        assertThat(bytes.status()).isEqualTo(200);
        assertThat(bytes.body()).hasSize(200_000);
        assertThat(bytes.headers().get("x-exit-fingerprint")).isIn(exits);
    }

    @Test
    @Order(4)
    void differentSocksUsernamesSpreadOverSeveralExits(TestNetwork net) throws Exception {
        Set<String> exits = fingerprints(net.exits());
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String user = "user-" + i;
                answers.add(pool.submit(() -> JSON.readTree(
                        Socks5Http.get(client.socksPort(), user, net.whoamiUrl(), FETCH_TIMEOUT).body()).get("fingerprint").asText()));
            }
            List<String> used = new ArrayList<>();
            for (Future<String> f : answers) {
                used.add(f.get());
            }
            assertThat(used).allMatch(exits::contains);
            assertThat(Set.copyOf(used)).hasSizeGreaterThanOrEqualTo(2);
            log.info("20 usernames used exits {}", used.stream().collect(Collectors.groupingBy(
                    fp -> net.relay(fp).nickname(), Collectors.counting())));
        } finally {
            pool.shutdownNow();
        }
        // the same username keeps its circuit, hence its exit
        Set<String> sticky = new java.util.HashSet<>();
        for (int i = 0; i < 3; i++) {
            sticky.add(JSON.readTree(Socks5Http.get(client.socksPort(), "sticky", net.whoamiUrl(), FETCH_TIMEOUT).body())
                    .get("fingerprint").asText());
        }
        assertThat(sticky).hasSize(1);
    }

    @Test
    @Order(5)
    void whoamiSaysDirectForARequestNoRelayCarried(TestNetwork net) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> a = http.send(HttpRequest.newBuilder(net.whoamiUrl()).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> b = http.send(HttpRequest.newBuilder(net.whoamiUrl().resolve("/anything")).build(),
                HttpResponse.BodyHandlers.ofString());
        for (HttpResponse<String> r : List.of(a, b)) {
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode j = JSON.readTree(r.body());
            assertThat(j.get("via").asText()).isEqualTo("direct");
            assertThat(j.get("fingerprint").isNull()).isTrue();
            assertThat(j.get("client").asText()).startsWith("127.0.0.1:");
        }
        HttpResponse<byte[]> bytes = http.send(HttpRequest.newBuilder(net.whoamiUrl().resolve("/bytes?n=12345")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(bytes.body()).hasSize(12345);
        assertThat(bytes.headers().firstValue("X-Exit-Fingerprint")).contains("direct");
        // The second port (the one exit rejects) gives the same answers.
        HttpResponse<String> second = http.send(HttpRequest.newBuilder(net.rejectedPortUrl()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(second.body()).get("via").asText()).isEqualTo("direct");
        HttpResponse<String> bad = http.send(HttpRequest.newBuilder(net.whoamiUrl().resolve("/bytes?n=lots")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("'lots'");
    }

    @Test
    @Order(6)
    void whoamiAnswersConcurrentRequests(TestNetwork net) throws Exception {
        HttpClient http = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(4)).build();
        List<java.util.concurrent.CompletableFuture<HttpResponse<byte[]>>> all = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            // each response is 4 MB, so they overlap in time
            all.add(http.sendAsync(HttpRequest.newBuilder(net.whoamiUrl().resolve("/bytes?n=4000000")).build(),
                    HttpResponse.BodyHandlers.ofByteArray()));
        }
        for (var f : all) {
            assertThat(f.get().body()).hasSize(4_000_000);
        }
    }

    @Test
    @Order(7)
    void relaysStayLeanWithoutGeoIpOrDirectoryCaches(TestNetwork net) throws Exception {
        java.util.Map<Role, List<Long>> rssKb = new java.util.EnumMap<>(Role.class);
        for (TestRelay r : net.relays()) {
            rssKb.computeIfAbsent(r.role(), k -> new ArrayList<>()).add(vmRssKb(r.pid()));
        }
        log.info("VmRSS in kB by role: {}; tor client: {}", rssKb, vmRssKb(client.pid()));
        // a relay that loaded the GeoIP tables or kept a directory cache would be well above this
        assertThat(rssKb.get(Role.EXIT)).allMatch(kb -> kb < 50_000);
        assertThat(rssKb.get(Role.MIDDLE)).allMatch(kb -> kb < 50_000);
    }

    private static long vmRssKb(long pid) throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new AssertionError("no VmRSS for pid " + pid);
    }

    @Test
    @Order(10)
    void stoppingAnExitTakesItOutAndStartingItBringsItBack(TestNetwork net) throws Exception {
        TestRelay exit = net.exits().get(0);
        net.stopRelay(exit.fingerprint());
        assertThat(ProcessHandle.of(exit.pid()).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(net.relay(exit.fingerprint()).isRunning()).isFalse();
        JsonNode doc = onionoo(net, "lookup=" + exit.fingerprint());
        assertThat(doc.get("relays").get(0).get("running").asBoolean()).isFalse();

        // No request can leave through the stopped exit any more. Some fail: the client still has circuits
        // through it (tor closes them as it learns), and the consensus keeps listing it for a while.
        List<String> carried = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            try {
                carried.add(JSON.readTree(Socks5Http.get(client.socksPort(), "after-stop-" + i, net.whoamiUrl(),
                        FETCH_TIMEOUT).body()).get("fingerprint").asText());
            } catch (java.io.IOException e) {
                failed.add(e.getMessage());
            }
        }
        log.info("after stopping {}: carried by {}, failed {}", exit.nickname(), carried, failed);
        assertThat(carried).as("client log:\n" + client.tailLog(40)).isNotEmpty().doesNotContain(exit.fingerprint());

        // On a new port: relays that failed to reach it refuse its old address and port for 60 s, and the test
        // classes after this one share the network (their circuits through it would fail meanwhile).
        net.startRelayOnNewPort(exit.fingerprint());
        TestRelay back = net.relay(exit.fingerprint());
        assertThat(back.isRunning()).isTrue();
        assertThat(back.pid()).isNotEqualTo(exit.pid());
        net.awaitConsensus(Duration.ofSeconds(90));
        assertThat(net.latestConsensus().orElseThrow().entry(exit.fingerprint()).orElseThrow().flags())
                .contains("Running", "Exit");
        assertThat(onionoo(net, "lookup=" + exit.fingerprint()).get("relays").get(0).get("running").asBoolean()).isTrue();
    }

    private static JsonNode onionoo(TestNetwork net, String query) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(net.onionooUrl() + "/details?" + query)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static Set<String> fingerprints(List<TestRelay> relays) {
        return relays.stream().map(TestRelay::fingerprint).collect(Collectors.toSet());
    }
}
