package io.torgate.control.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The token is checked before anything looks at the request target: odd, non-canonical and malformed paths
 * answer 401 without a token, whatever the method, and are never served with one. Requests go out on raw
 * sockets (and through curl --path-as-is), since the JDK HttpClient would normalise the paths first.
 */
class ApiOddPathsTest {

    private static final String TOKEN = "s3cret-token-0123456789";
    private static final String AUTH = "Authorization: Bearer " + TOKEN;

    /** Request targets a client can send for /status that are not /status, and other odd ones. */
    private static final List<String> ODD_TARGETS = List.of("//status", "/./status", "/%2e/status", "/%2E/status",
            "/status/..", "/status/.", "/status/", "///status", "/nonexistent", "/%00", "/status%00", "/%2fstatus",
            "/st%61tus/..", "/%zz", "/%", "*", "status", "/status/../status", "/..", "/");

    private ApiServer server;

    @BeforeEach
    void start() throws Exception {
        Routes routes = new Routes()
                .add("GET", "/status", req -> ApiResponse.ok(Map.of("ok", true)))
                .add("POST", "/status", req -> ApiResponse.ok(Map.of("posted", true)))
                .add("GET", "/things/{id}", req -> ApiResponse.ok(Map.of("id", req.pathParam("id"))));
        server = ApiServer.start(ApiConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0)).token(TOKEN).build(),
                routes, null);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static void assertUnauthorized(RawHttp.Response r, String what) {
        assertThat(r.status()).as(what + ": " + r).isEqualTo(401);
        assertThat(r.header("WWW-Authenticate")).as(what).contains("Bearer realm=\"torgate\"");
        assertThat(r.header("Content-Type")).as(what).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(r.json().path("error").asText()).as(what + ": " + r).isEqualTo("unauthorized");
    }

    @Test
    void withoutATokenEveryTargetAndMethodIs401WithTheJsonError() throws Exception {
        for (String method : List.of("GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS", "FROB")) {
            for (String target : ODD_TARGETS) {
                assertUnauthorized(RawHttp.send(server.address(), method, target), method + " " + target);
            }
            assertUnauthorized(RawHttp.send(server.address(), method, "/status"), method + " /status");
            assertUnauthorized(RawHttp.send(server.address(), method, "http://127.0.0.1/status"),
                    method + " absolute-form");
        }
        // A wrong token and a wrong scheme are the same 401, on odd paths too.
        assertUnauthorized(RawHttp.send(server.address(), "GET", "//status", "Authorization: Bearer wrong-token-0123456"),
                "wrong token");
        assertUnauthorized(RawHttp.send(server.address(), "GET", "/%2e/status", "Authorization: Basic " + TOKEN),
                "basic");
        // HEAD answers carry no body, but the status is the same.
        assertThat(RawHttp.send(server.address(), "HEAD", "//status").status()).isEqualTo(401);
    }

    @Test
    void withTheTokenOnlyTheCanonicalPathIsServed() throws Exception {
        RawHttp.Response ok = RawHttp.send(server.address(), "GET", "/status", AUTH);
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        assertThat(ok.json().path("ok").asBoolean()).isTrue();
        assertThat(RawHttp.send(server.address(), "GET", "/status?", AUTH).status()).isEqualTo(200);
        assertThat(RawHttp.send(server.address(), "GET", "http://127.0.0.1/status", AUTH).status())
                .as("absolute-form (RFC 9112 3.2.2)").isEqualTo(200);
        assertThat(RawHttp.send(server.address(), "GET", "/things/a%20b", AUTH).json().path("id").asText())
                .isEqualTo("a b");

        for (String target : ODD_TARGETS) {
            RawHttp.Response r = RawHttp.send(server.address(), "GET", target, AUTH);
            assertThat(r.status()).as(target + ": " + r).isIn(400, 404);
            assertThat(r.json().path("error").asText()).as(target).isIn("not_found", "bad_request");
            assertThat(r.body()).as(target).doesNotContain("\"ok\"");
        }
        RawHttp.Response notFound = RawHttp.send(server.address(), "GET", "//status", AUTH);
        assertThat(notFound.status()).isEqualTo(404);
        assertThat(notFound.json().path("detail").asText()).contains("//status", "exactly");
        RawHttp.Response malformed = RawHttp.send(server.address(), "GET", "/%zz", AUTH);
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json().path("detail").asText()).contains("percent-encoding");
        RawHttp.Response control = RawHttp.send(server.address(), "GET", "/%00", AUTH);
        assertThat(control.status()).isEqualTo(404);
        assertThat(control.body()).doesNotContain("\u0000");
    }

    @Test
    void curlWithPathAsIsGets401ThenNothingButTheCanonicalPath() throws Exception {
        String base = "http://127.0.0.1:" + server.address().getPort();
        for (String target : List.of("//status", "/./status", "/%2e/status", "/status/..")) {
            assertThat(curl(base + target)).as(target).startsWith("401 ").contains("\"error\":\"unauthorized\"");
            assertThat(curl(base + target, "-H", AUTH)).as(target).startsWith("404 ").contains("\"error\":\"not_found\"");
        }
        assertThat(curl(base + "/status", "-H", AUTH)).startsWith("200 ");
    }

    /** curl's answer as "STATUS BODY"; --path-as-is sends the path exactly as given. */
    private static String curl(String url, String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("curl", "-s", "--path-as-is", "--max-time", "10",
                "-w", "\\n%{http_code}", "-o", "-"));
        cmd.addAll(List.of(extra));
        cmd.add(url);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
            // -w prints the status on a line of its own after the body: move it to the front.
            int nl = out.lastIndexOf('\n');
            return out.substring(nl + 1).trim() + " " + out.substring(0, Math.max(0, nl)).trim();
        } finally {
            p.destroyForcibly();
        }
    }
}
