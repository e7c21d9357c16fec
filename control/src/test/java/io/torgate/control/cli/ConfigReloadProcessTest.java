package io.torgate.control.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code torgate run --config FILE} in a child JVM: SIGHUP re-reads the file (a revoked password is refused
 * from then on while a tunnel opened before keeps going), and a broken file on SIGHUP keeps the running config
 * with a WARN saying why; {@code POST /config/reload} does the same and answers what changed, or 422 naming the
 * bad key. Real curl throughout.
 */
class ConfigReloadProcessTest {

    private static final Duration START = Duration.ofSeconds(30);
    private static final String BODY = LoopbackWebServer.BODY;

    @TempDir
    Path dir;
    private LoopbackWebServer web;
    private String url;

    @BeforeEach
    void startWebServer() throws Exception {
        web = LoopbackWebServer.start();
        url = web.url();
    }

    @AfterEach
    void stopWebServer() {
        web.close();
    }

    private static Curl.Result socks(int port, String credentials, String url) throws Exception {
        return Curl.run("--socks5-hostname", "127.0.0.1:" + port, "-U", credentials, url);
    }

    @Test
    void sighupReloadsTheFileWithoutDroppingALiveTunnelAndABadFileKeepsTheRunningConfig() throws Exception {
        Path file = Files.writeString(dir.resolve("torgate.yaml"), """
                upstream: direct
                listen: {socks: "127.0.0.1:0"}
                users:
                  bob: {password: b1}
                """);
        try (TorgateProcess torgate = TorgateProcess.start("run", "--config", file.toString())) {
            int port = torgate.awaitListeningPort(START);
            assertThat(torgate.stdout()).contains("upstream direct");
            Curl.Result ok = socks(port, "bob:b1", url);
            assertThat(ok.exitCode()).as(ok.stderr()).isZero();
            assertThat(ok.body()).isEqualTo(BODY);

            CompletableFuture<Curl.Result> live = CompletableFuture.supplyAsync(() -> {
                try {
                    return socks(port, "bob-session-live:b1", web.holdUrl());
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            });
            assertThat(web.awaitHolding(Duration.ofSeconds(30))).as("the tunnel reached the web server").isTrue();

            Files.writeString(file, """
                    upstream: direct
                    listen: {socks: "127.0.0.1:0"}
                    users:
                      bob: {password: b2}
                      carol: {password: c1, allowed_countries: [de]}
                    """);
            torgate.hangup();
            await().atMost(START).until(() -> torgate.stderr().contains("reloaded from " + file));
            assertThat(torgate.stderr()).contains("users.bob.password: changed").contains("users.carol: added")
                    .doesNotContain("b2").doesNotContain("c1");

            assertThat(socks(port, "bob:b1", url).exitCode()).as("the revoked password").isNotZero();
            Curl.Result renewed = socks(port, "bob:b2", url);
            assertThat(renewed.exitCode()).as(renewed.stderr()).isZero();
            Curl.Result carol = socks(port, "carol-country-fr:c1", url);
            assertThat(carol.exitCode()).as("refused by carol's policy").isEqualTo(97);
            // curl names the SOCKS5 reply code: 2, not allowed by ruleset (a wrong password reads "rejected").
            assertThat(carol.stderr()).matches("(?is).*complete SOCKS5 connection to .*\\(2\\).*");

            web.release();
            Curl.Result held = live.get(30, TimeUnit.SECONDS);
            assertThat(held.exitCode()).as(held.stderr()).isZero();
            assertThat(held.body()).as("the tunnel opened before the reload finished").isEqualTo(LoopbackWebServer.HELD_BODY);

            Files.writeString(file, "users:\n  bob: {password: b3, max_tunels: 1}\n");
            torgate.hangup();
            await().atMost(START).until(() -> torgate.stderr().contains("reload failed, keeping the running config"));
            assertThat(torgate.stderr()).contains("WARN").contains("config file " + file
                    + ": users.bob.max_tunels: unknown key; did you mean max_tunnels?").doesNotContain("b3");
            assertThat(socks(port, "bob:b2", url).exitCode()).as("the running config stays").isZero();

            torgate.terminate();
            assertThat(torgate.awaitExit(START)).as(torgate.stderr()).isZero();
            assertThat(torgate.stderr()).doesNotContain("ERROR").doesNotContain("LEAK");
        }
    }

    private static HttpResponse<String> postReload(int apiPort, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + "/config/reload"))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void postConfigReloadAppliesTheFileAndAnswersWhatChangedOr422ForABadFile() throws Exception {
        String token = "reload-test-token-0123456789";
        String users = """
                users:
                  bob: {password: b1}
                """;
        Path file = Files.writeString(dir.resolve("torgate.yaml"), """
                upstream: direct
                listen: {socks: "127.0.0.1:0"}
                api: {token: "%s"}
                limits: {max_tunnels: 100}
                """.formatted(token) + users);
        try (TorgateProcess torgate = TorgateProcess.start("run", "--config", file.toString())) {
            int port = torgate.awaitListeningPort(START);
            int api = torgate.awaitApiPort(START);
            assertThat(torgate.stdout()).as("the token comes from the file").contains("(bearer token required)");
            assertThat(postReload(api, null).statusCode()).isEqualTo(401);

            Files.writeString(file, """
                    upstream: direct
                    listen: {socks: "127.0.0.2:0"}
                    api: {token: "%s"}
                    limits: {max_tunnels: 200}
                    users:
                      bob: {password: b1}
                      carol: {password: c1}
                    """.formatted(token));
            HttpResponse<String> ok = postReload(api, token);
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            JsonNode body = new ObjectMapper().readTree(ok.body());
            assertThat(body.path("applied").asBoolean()).isTrue();
            assertThat(body.path("changes").toString()).contains("users.carol: added", "limits.max_tunnels: 100 -> 200");
            assertThat(body.path("restart_needed").toString()).contains("listen.socks");
            assertThat(ok.body()).doesNotContain("c1").doesNotContain(token);
            Curl.Result carol = socks(port, "carol:c1", url);
            assertThat(carol.exitCode()).as(carol.stderr()).isZero();

            Files.writeString(file, "limits: {max_tunels: 1}\n" + users);
            HttpResponse<String> bad = postReload(api, token);
            assertThat(bad.statusCode()).as(bad.body()).isEqualTo(422);
            JsonNode error = new ObjectMapper().readTree(bad.body());
            assertThat(error.path("error").asText()).isEqualTo("bad_config");
            assertThat(error.path("detail").asText()).contains("keeping the running config", "config file " + file,
                    "limits.max_tunels: unknown key; did you mean max_tunnels?");
            assertThat(socks(port, "carol:c1", url).exitCode()).as("the running config stays").isZero();

            torgate.terminate();
            assertThat(torgate.awaitExit(START)).as(torgate.stderr()).isZero();
            assertThat(torgate.stderr()).doesNotContain("ERROR").doesNotContain("LEAK");
        }
    }

    /**
     * An empty file on SIGHUP, a half-written one and one that would open a public listener without users on
     * {@code POST /config/reload}: all refused with the reason, and the login is still asked for afterwards.
     */
    @Test
    void aReloadThatWouldDropTheLoginIsRefusedAndTheLoginIsStillRequired() throws Exception {
        String token = "reload-test-token-0123456789";
        String full = """
                upstream: direct
                listen: {socks: "127.0.0.1:0"}
                api: {token: "%s"}
                users:
                  bob: {password: b1}
                """.formatted(token);
        Path file = Files.writeString(dir.resolve("torgate.yaml"), full);
        try (TorgateProcess torgate = TorgateProcess.start("run", "--config", file.toString())) {
            int port = torgate.awaitListeningPort(START);
            int api = torgate.awaitApiPort(START);
            assertLoginRequired(port);

            Files.writeString(file, "");
            torgate.hangup();
            await().atMost(START).until(() -> torgate.stderr().contains("is the file empty or half-written?"));
            assertThat(torgate.stderr()).contains("WARN").contains("reload failed, keeping the running config: "
                    + file + ": users: the new config has no users");
            assertLoginRequired(port);

            // Cut off before the users: valid YAML, so only the missing users give it away.
            Files.writeString(file, full.substring(0, full.indexOf("users:")));
            HttpResponse<String> half = postReload(api, token);
            assertThat(half.statusCode()).as(half.body()).isEqualTo(422);
            assertThat(half.body()).contains("would stop asking for a login");
            assertLoginRequired(port);

            Files.writeString(file, """
                    upstream: direct
                    listen: {socks: "0.0.0.0:0", no_login: true}
                    api: {token: "%s"}
                    users: {}
                    """.formatted(token));
            HttpResponse<String> open = postReload(api, token);
            assertThat(open.statusCode()).as(open.body()).isEqualTo(422);
            assertThat(open.body()).contains("listen.socks 0.0.0.0:0 is not a loopback address");
            assertLoginRequired(port);
            Curl.Result bob = socks(port, "bob:b1", url);
            assertThat(bob.exitCode()).as(bob.stderr()).isZero();

            torgate.terminate();
            assertThat(torgate.awaitExit(START)).as(torgate.stderr()).isZero();
            assertThat(torgate.stderr()).doesNotContain("ERROR").doesNotContain("users.bob: removed");
        }
    }

    /** The SOCKS5 no-auth greeting gets "no acceptable methods", and HTTP CONNECT without credentials 407. */
    private void assertLoginRequired(int port) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(new byte[] {0x05, 0x01, 0x00});
            assertThat(s.getInputStream().readNBytes(2)).as("greeting reply").containsExactly(0x05, 0xff);
        }
        Curl.Result connect = Curl.run("-p", "-x", "http://127.0.0.1:" + port, "-w", "%{http_connect}", "-o",
                "/dev/null", url);
        assertThat(connect.body()).as(connect.stderr()).isEqualTo("407");
    }
}
