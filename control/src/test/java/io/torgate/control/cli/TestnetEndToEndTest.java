package io.torgate.control.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.torgate.gateway.testing.RawHttp;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code torgate testnet} as a user runs it: a child JVM builds the private Tor network, a pool of two tor
 * instances and the gateway; real curl and the JDK's SOCKS client go through it to the network's whoami
 * server, which names the exit relay that carried each request (found from socket ownership, independent of
 * torgate); {@code torgate check} runs against it. SIGTERM then stops everything: exit 0 and no tor process left.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TestnetEndToEndTest {

    private static final Duration START = Duration.ofMinutes(4);
    private static final Pattern CURL_LINE =
            Pattern.compile("curl --socks5-hostname (127\\.0\\.0\\.1):(\\d+) -U 'alice-session-demo:x' (http://\\S+)");
    private static final Pattern EXIT_LINE =
            Pattern.compile("^  exit\\d+\\s+([a-z]{2})\\s+([0-9A-F]{40})$", Pattern.MULTILINE);

    private final ObjectMapper json = new ObjectMapper();
    private TorgateProcess torgate;
    private int port;
    private String whoami;
    private Set<String> exits;
    /** Exit fingerprint to the country the network's Onionoo document gives it. */
    private final java.util.Map<String, String> exitCountries = new java.util.HashMap<>();
    private Path configDir;
    private final List<ProcessHandle> tors = new ArrayList<>();

    @BeforeAll
    void startTestnet() throws Exception {
        // The module's target dir: kept between local runs (fast warm start), gone with 'mvn clean'.
        Path state = Path.of("target", "cli-testnet-state").toAbsolutePath();
        // Users with a policy: carol may only exit in Germany (the first testnet exit's country).
        configDir = java.nio.file.Files.createTempDirectory("torgate-testnet-config");
        Path config = java.nio.file.Files.writeString(configDir.resolve("torgate.yaml"), """
                users:
                  alice: {password: x}
                  bob: {password: x}
                  carol: {password: x, allowed_countries: [de]}
                """);
        torgate = TorgateProcess.start("testnet", "--socks", "127.0.0.1:0", "--instances", "2", "--exits", "3",
                "--state-dir", state.toString(), "--config", config.toString());
        torgate.awaitListeningPort(START);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> torgate.stdout().contains("Ctrl-C stops everything."));
        Matcher m = CURL_LINE.matcher(torgate.stdout());
        assertThat(m.find()).as("a ready-to-paste curl in:\n%s", torgate.stdout()).isTrue();
        port = Integer.parseInt(m.group(2));
        whoami = m.group(3);
        EXIT_LINE.matcher(torgate.stdout()).results().forEach(r -> exitCountries.put(r.group(2), r.group(1)));
        exits = exitCountries.keySet();
        assertThat(exits).as("exits listed in:\n%s", torgate.stdout()).hasSize(3);
        tors.addAll(torgate.descendants());
    }

    @AfterAll
    void stop() throws Exception {
        if (torgate != null) {
            torgate.close();
        }
        // Whatever happened above, no tor of this test may outlive it.
        tors.forEach(ProcessHandle::destroyForcibly);
        if (configDir != null) {
            try (var files = java.nio.file.Files.walk(configDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void thePrintedCurlIsCarriedByATestnetExit() throws Exception {
        Curl.Result r = Curl.run("--socks5-hostname", "127.0.0.1:" + port, "-U", "alice-session-demo:x", whoami);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        JsonNode answer = json.readTree(r.body());
        assertThat(answer.path("via").asText()).isEqualTo("exit");
        assertThat(answer.path("fingerprint").asText()).isIn(exits);
    }

    @Test
    void thePrintedOnionCurlReachesTheNetworksOnionService() throws Exception {
        Matcher m = Pattern.compile("curl --socks5-hostname 127\\.0\\.0\\.1:\\d+ -U 'alice:x' (http://[a-z2-7]{56}\\.onion/)")
                .matcher(torgate.stdout());
        assertThat(m.find()).as("an onion curl in:\n%s", torgate.stdout()).isTrue();
        String url = m.group(1);
        // Its descriptor reaches the network's HSDirs within seconds of its start: retry until then.
        Curl.Result r = Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> Curl.run("--socks5-hostname", "127.0.0.1:" + port, "-U", "alice:x", url),
                        c -> c.exitCode() == 0);
        assertThat(json.readTree(r.body()).has("client")).as(r.body()).isTrue();
    }

    @Test
    void httpConnectAndTheJdkSocksClientAreCarriedByTestnetExits() throws Exception {
        Curl.Result r = Curl.run("-p", "-x", "http://bob:x@127.0.0.1:" + port, whoami);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(json.readTree(r.body()).path("fingerprint").asText()).isIn(exits);

        java.net.URI uri = java.net.URI.create(whoami);
        // Users are configured, so the JDK's SOCKS client must log in; it asks the default Authenticator.
        java.net.Authenticator.setDefault(new java.net.Authenticator() {
            @Override
            protected java.net.PasswordAuthentication getPasswordAuthentication() {
                return new java.net.PasswordAuthentication("bob", "x".toCharArray());
            }
        });
        try (Socket s = new Socket(new Proxy(Proxy.Type.SOCKS, new InetSocketAddress("127.0.0.1", port)))) {
            s.setSoTimeout(30_000);
            s.connect(InetSocketAddress.createUnresolved(uri.getHost(), uri.getPort()), 30_000);
            s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + uri.getAuthority() + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String response = readAll(s.getInputStream());
            assertThat(response).startsWith("HTTP/1.1 200");
            String body = response.substring(response.indexOf("\r\n\r\n") + 4);
            assertThat(json.readTree(body).path("fingerprint").asText()).isIn(exits);
        } finally {
            java.net.Authenticator.setDefault(null);
        }
    }

    @Test
    void aPinnedExitOutsideTheUsersCountriesIsRefusedUsingTheNodeDirectorysCountry() throws Exception {
        String foreign = exitCountries.entrySet().stream().filter(e -> !e.getValue().equals("de")).findFirst()
                .orElseThrow().getKey();
        RawHttp.Response refused = connectThroughHttp("carol-exit-" + foreign, "x");
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.body()).contains("country " + exitCountries.get(foreign) + " of exit " + foreign
                + " is not allowed for carol");

        String german = exitCountries.entrySet().stream().filter(e -> e.getValue().equals("de")).findFirst()
                .orElseThrow().getKey();
        RawHttp.Response passed = connectThroughHttp("carol-exit-" + german, "x");
        // The policy knew the relay's country and let it through; what the pool router makes of it is its own
        // business (it may not route pinned exits yet).
        assertThat(passed.body()).doesNotContain("not allowed for carol").doesNotContain("not in the node directory");

        RawHttp.Response otherCountry = connectThroughHttp("carol-country-us", "x");
        assertThat(otherCountry.status()).isEqualTo(403);
        assertThat(otherCountry.body()).contains("country us is not allowed for carol");
    }

    private RawHttp.Response connectThroughHttp(String user, String password) throws IOException {
        java.net.URI uri = java.net.URI.create(whoami);
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(60_000);
            RawHttp.send(s, "CONNECT " + uri.getHost() + ":" + uri.getPort() + " HTTP/1.1\r\nProxy-Authorization: "
                    + RawHttp.basic(user, password) + "\r\n\r\n");
            return RawHttp.read(s);
        }
    }

    @Test
    void theApiServesThePoolAndTheTestnetsNodes() throws Exception {
        int api = torgate.awaitApiPort(Duration.ofSeconds(10));
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        JsonNode pool = json.readTree(get(http, api, "/pool"));
        assertThat(pool.path("size").asInt()).isEqualTo(2);
        assertThat(pool.path("ready").asInt()).isEqualTo(2);
        // The directory is fed by the testnet's Onionoo: it lists exactly the printed exits (after its first refresh).
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> json.readTree(get(http, api, "/nodes")).path("count").asInt() == 3);
        JsonNode nodes = json.readTree(get(http, api, "/nodes"));
        java.util.Set<String> listed = new java.util.HashSet<>();
        nodes.path("nodes").forEach(n -> listed.add(n.path("fingerprint").asText()));
        assertThat(listed).isEqualTo(exits);
        assertThat(get(http, api, "/metrics")).contains("torgate_tor_instances{state=\"ready\"} 2.0");
    }

    /**
     * {@code torgate check} as alice: every step passes, and the exit it names for its probe session is the one the
     * whoami server saw (by socket ownership) when the same session fetched again, with the country the network
     * gave that exit; the API's session list agrees.
     */
    @Test
    void checkNamesTheGatewayThePoolAndTheExitTheWhoamiServerSawForItsSession() throws Exception {
        int api = torgate.awaitApiPort(Duration.ofSeconds(10));
        InProcessCli cli = new InProcessCli();
        int status = cli.run("check", "--api", "127.0.0.1:" + api, "--socks", "127.0.0.1:" + port,
                "--probe-url", whoami, "--user", "alice", "--socks-password", "x");
        assertThat(status).as(cli.out() + cli.err()).isZero();
        assertThat(cli.err()).isEmpty();
        List<String> lines = cli.out().lines().toList();
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0)).isEqualTo("ok   health: healthy");
        assertThat(lines.get(1)).isEqualTo("ok   pool: 2 of 2 instances ready");
        assertThat(lines.get(2)).isEqualTo("ok   gateway: up at 127.0.0.1:" + port + " (SOCKS5)");
        Matcher probe = Pattern.compile("ok   probe: GET " + Pattern.quote(whoami)
                + " as alice-session-([a-z0-9]{12}): HTTP/1\\.1 200 OK").matcher(lines.get(3));
        assertThat(probe.matches()).as(lines.get(3)).isTrue();
        String session = probe.group(1);
        Matcher exit = Pattern.compile("ok   exit: session alice/" + session
                + " left through (\\S+) ([0-9A-F]{40}), address (\\S+), country ([a-z]{2})").matcher(lines.get(4));
        assertThat(exit.matches()).as(lines.get(4)).isTrue();
        String nickname = exit.group(1);
        String fingerprint = exit.group(2);
        assertThat(fingerprint).isIn(exits);
        assertThat(exit.group(4)).isEqualTo(exitCountries.get(fingerprint));

        // Ground truth: the same sticky session again, and the whoami server says which relay's socket it came from.
        Curl.Result again = Curl.run("--socks5-hostname", "127.0.0.1:" + port, "-U", "alice-session-" + session + ":x",
                whoami);
        assertThat(again.exitCode()).as(again.stderr()).isZero();
        JsonNode seen = json.readTree(again.body());
        assertThat(seen.path("fingerprint").asText()).isEqualTo(fingerprint);
        assertThat(seen.path("nickname").asText()).isEqualTo(nickname);
        assertThat(seen.path("country").asText()).isEqualTo(exit.group(4));
        assertThat(seen.path("client").asText()).startsWith(exit.group(3) + ":");

        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        JsonNode listed = null;
        for (JsonNode s : json.readTree(get(http, api, "/sessions?user=alice")).path("sessions")) {
            if (s.path("session").asText().equals(session)) {
                listed = s;
            }
        }
        assertThat(listed).as("alice/%s in GET /sessions", session).isNotNull();
        assertThat(listed.path("exit").path("fingerprint").asText()).isEqualTo(fingerprint);
        assertThat(listed.path("exit").path("address").asText()).isEqualTo(exit.group(3));
        assertThat(listed.path("exit").path("country").asText()).isEqualTo(exit.group(4));
        assertThat(listed.path("connections").asLong()).isEqualTo(2);
        assertThat(listed.path("exit_changes").asInt()).isZero();
    }

    private static String get(java.net.http.HttpClient http, int port, String path) throws Exception {
        java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return r.body();
    }

    @Test
    @Order(Integer.MAX_VALUE) // last: it stops what the other tests use
    void sigtermStopsGatewayPoolAndNetworkLeavingNoTorBehind() throws Exception {
        assertThat(tors).as("tor processes under torgate").hasSizeGreaterThanOrEqualTo(3 + 3 + 2);
        torgate.terminate();
        assertThat(torgate.awaitExit(Duration.ofSeconds(60))).as(torgate.stderr()).isZero();
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(tors.stream().filter(ProcessHandle::isAlive).toList()).isEmpty());
        assertThat(torgate.stderr()).doesNotContain("LEAK");
    }

    private static String readAll(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
}
