package io.torgate.control.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.torgate.control.config.ReloadResult;
import io.torgate.control.metrics.Promtool;
import io.torgate.control.metrics.TorgateMetrics;
import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.Mode;
import io.torgate.gateway.Route;
import io.torgate.gateway.RouteRequest;
import io.torgate.gateway.Router;
import io.torgate.torpool.support.Socks5Client;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The control plane of a torgate without a tor pool (a direct upstream) through the real API: health and status,
 * sessions against a fake session manager, config reload, dedicated proxy ports forcing their policy onto real
 * SOCKS5 connections, metrics; and the clear answers for what such a torgate does not have (pool, directory).
 */
class ControlPlaneDirectTest {

    private HttpServer web;
    private TorgateMetrics metrics;
    private Gateway gateway;
    private ControlPlane cp;
    private ApiClient api;
    private final FakeSessions sessions = new FakeSessions();
    /** What the main router was asked, in order (the proxies' forced requests end up here). */
    private final List<RouteRequest> routed = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        web = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        web.createContext("/", ex -> {
            byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        web.start();
        metrics = TorgateMetrics.create();
        Router recording = req -> {
            routed.add(req.route());
            return CompletableFuture.completedFuture(Route.direct());
        };
        GatewayConfig config = GatewayConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0)).router(recording)
                .listener(metrics.gatewayListener()).build();
        gateway = Gateway.start(config);
        cp = ControlPlane.builder().upstream("direct").metrics(metrics).gateway(gateway, config, recording)
                .sessions(sessions).maxProxies(2).build();
        ApiServer server = cp.startApi(ApiConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0)).build());
        api = new ApiClient(server.address(), null);
    }

    @AfterEach
    void stop() {
        if (cp != null) {
            cp.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        if (web != null) {
            web.stop(0);
        }
    }

    private static void assertError(ApiClient.Response r, int status, String code, String detailPart) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.json().path("error").asText()).as(r.toString()).isEqualTo(code);
        assertThat(r.json().path("detail").asText()).contains(detailPart);
    }

    private String fetchThrough(int port, String user) throws IOException {
        try (Socket s = Socks5Client.connect(new InetSocketAddress("127.0.0.1", port), "127.0.0.1",
                web.getAddress().getPort(), user, user == null ? null : "pw", 10_000)) {
            return Socks5Client.get(s, "/");
        }
    }

    @Test
    void healthAndStatusDescribeADirectTorgate() throws Exception {
        ApiClient.Response health = api.get("/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().path("status").asText()).isEqualTo("ok");

        JsonNode status = api.get("/status").json();
        assertThat(status.path("version").asText()).isEqualTo(Version.get()).isNotEqualTo("unknown");
        assertThat(status.path("upstream").asText()).isEqualTo("direct");
        assertThat(status.path("uptime_seconds").asDouble()).isGreaterThanOrEqualTo(0);
        assertThat(status.path("listeners").path("gateway").asText()).isEqualTo("127.0.0.1:" + gateway.address().getPort());
        assertThat(status.path("listeners").path("api").asText()).startsWith("127.0.0.1:");
        assertThat(status.path("tunnels").path("active").asInt()).isZero();
        assertThat(status.path("pool").isNull()).isTrue();
        assertThat(status.path("directory").isNull()).isTrue();
        assertThat(status.path("features").toString()).contains("\"sessions\"", "config_reload:unavailable");
        assertError(api.get("/status?verbose=1"), 400, "bad_value", "unknown query parameter 'verbose'");
    }

    @Test
    void poolAndNodeEndpointsSayThereIsNone() throws Exception {
        assertError(api.get("/pool"), 409, "no_pool", "no tor pool");
        assertError(api.post("/pool/instances", "{\"add\": 1}"), 409, "no_pool", "no tor pool");
        assertError(api.delete("/pool/instances/tor-0"), 409, "no_pool", "no tor pool");
        assertError(api.post("/pool/instances/tor-0/newnym", null), 409, "no_pool", "no tor pool");
        assertError(api.post("/pool/instances/tor-0/restart", null), 409, "no_pool", "no tor pool");
        assertError(api.get("/nodes"), 409, "no_directory", "no node directory");
        assertError(api.post("/nodes/refresh", null), 409, "no_directory", "no node directory");
    }

    @Test
    void sessionsAreListedShownRotatedAndRemoved() throws Exception {
        sessions.put("alice", "s1", "A".repeat(40));
        sessions.put("alice", "s2", "B".repeat(40));
        sessions.put("bob", "x", "C".repeat(40));

        JsonNode all = api.get("/sessions").json();
        assertThat(all.path("count").asInt()).isEqualTo(3);
        JsonNode alices = api.get("/sessions?user=alice").json();
        assertThat(alices.path("count").asInt()).isEqualTo(2);
        assertThat(alices.path("sessions").get(0).path("exit").path("fingerprint").asText()).isEqualTo("A".repeat(40));

        JsonNode one = api.get("/sessions/bob/x").json();
        assertThat(one.path("user").asText()).isEqualTo("bob");
        assertThat(one.path("mode").asText()).isEqualTo("strict");
        assertThat(one.path("instance").asText()).isEqualTo("tor-0");
        assertThat(one.path("expires_at").asText()).isEqualTo("2025-01-01T00:10:00Z");
        assertThat(one.path("ttl_seconds").asDouble()).isEqualTo(600.0);
        assertThat(one.path("pinned_exit").asText()).isEqualTo("C".repeat(40));
        assertThat(one.path("exit").path("address").asText()).isEqualTo("192.0.2.1");
        // The API's session shape, in order; the circuit is shown beside the exit, hop by hop
        assertThat(fieldNames(one)).containsExactly("user", "session", "mode", "countries", "excluded", "pinned_exit",
                "instance", "exit", "circuit", "created_at", "last_used_at", "ttl_seconds", "expires_at", "live_tunnels",
                "connections", "rotations", "exit_changes", "last_exit_change", "problem");
        assertThat(fieldNames(one.path("exit"))).containsExactly("fingerprint", "nickname", "address", "country");
        assertThat(fieldNames(one.path("circuit"))).containsExactly("id", "hops", "built_at", "age_seconds", "build_seconds");
        assertThat(one.path("circuit").path("hops")).hasSize(3);
        assertThat(one.path("circuit").path("hops").get(2).path("fingerprint").asText()).isEqualTo("C".repeat(40));
        assertThat(one.path("circuit").path("hops").get(0).path("nickname").asText()).isEqualTo("guard0");
        assertThat(one.path("circuit").path("build_seconds").asDouble()).isEqualTo(0.12);

        ApiClient.Response rotated = api.post("/sessions/alice/s1/rotate", null);
        assertThat(rotated.status()).isEqualTo(200);
        assertThat(rotated.json().path("old_exit").path("fingerprint").asText()).isEqualTo("A".repeat(40));
        assertThat(rotated.json().path("new_exit").path("fingerprint").asText()).isNotEqualTo("A".repeat(40));
        assertThat(rotated.json().path("took_seconds").asDouble()).isEqualTo(1.5);
        assertThat(fieldNames(rotated.json().path("new_exit"))).containsExactly("fingerprint", "nickname", "address",
                "country");
        assertThat(api.get("/sessions/alice/s1").json().path("rotations").asInt()).isEqualTo(1);
        assertThat(api.get("/sessions/alice/s1").json().path("last_exit_change").asText()).isEqualTo("rotation");
        assertThat(api.get("/sessions/alice/s1").json().path("exit").path("fingerprint").asText())
                .isEqualTo(rotated.json().path("new_exit").path("fingerprint").asText());

        sessions.refuseRotation = true;
        assertError(api.post("/sessions/alice/s2/rotate", null), 409, "cannot_rotate", "no other exit in [de]");

        assertThat(api.delete("/sessions/bob/x").status()).isEqualTo(200);
        assertError(api.get("/sessions/bob/x"), 404, "not_found", "no live session 'x' of user 'bob'");
        assertError(api.delete("/sessions/bob/x"), 404, "not_found", "'x'");
        assertError(api.post("/sessions/bob/x/rotate", null), 404, "not_found", "'x'");
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new java.util.ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void badSessionPathsAre400NamingTheValue() throws Exception {
        assertError(api.get("/sessions/al%21ce/s1"), 400, "bad_value", "user 'al!ce' is not valid");
        assertError(api.get("/sessions/alice/" + "s".repeat(33)), 400, "bad_value", "session");
        assertError(api.get("/sessions?user=a-b"), 400, "bad_value", "user 'a-b'");
        assertError(api.method("PUT", "/sessions/alice/s1", "{}"), 405, "method_not_allowed", "DELETE, GET");
        assertError(api.get("/sessions/alice"), 404, "not_found", "/sessions/alice");
    }

    @Test
    void withoutASessionManagerTheSessionEndpointsAnswer501() throws Exception {
        try (ControlPlane bare = ControlPlane.builder().upstream("direct").metrics(metrics)
                .gateway(gateway, GatewayConfig.builder().router(r -> null).build(), r -> null).build()) {
            ApiClient bareApi = new ApiClient(bare.startApi(ApiConfig.builder()
                    .listen(new InetSocketAddress("127.0.0.1", 0)).build()).address(), null);
            for (ApiClient.Response r : List.of(bareApi.get("/sessions"), bareApi.get("/sessions/a/b"),
                    bareApi.post("/sessions/a/b/rotate", null), bareApi.delete("/sessions/a/b"))) {
                assertError(r, 501, "not_implemented", "session management is not available");
            }
            assertError(bareApi.post("/config/reload", null), 501, "not_implemented", "no config file");
        }
    }

    @Test
    void configReloadCallsTheReloaderAndReportsABadFile() throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        Instant at = Instant.parse("2030-01-02T03:04:05Z");
        try (ControlPlane withReload = ControlPlane.builder().upstream("direct").metrics(metrics)
                .gateway(gateway, GatewayConfig.builder().router(r -> null).build(), r -> null)
                .reloader(() -> {
                    calls.add("reload");
                    if (calls.size() > 1) {
                        return new ReloadResult(false, at, "reload failed, keeping the running config: config file"
                                + " torgate.yaml: users.alice.allowed_countries: 'xx' is not a country", List.of(),
                                List.of());
                    }
                    return new ReloadResult(true, at, "reloaded: 2 change(s); needs a restart to apply: listen.socks",
                            List.of("users.bob: added", "limits.max_tunnels: 100 -> 200"), List.of("listen.socks"));
                }).build()) {
            ApiClient a = new ApiClient(withReload.startApi(ApiConfig.builder()
                    .listen(new InetSocketAddress("127.0.0.1", 0)).build()).address(), null);
            ApiClient.Response ok = a.post("/config/reload", null);
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.json().path("applied").asBoolean()).isTrue();
            assertThat(ok.json().path("at").asText()).isEqualTo("2030-01-02T03:04:05Z");
            assertThat(ok.json().path("message").asText()).startsWith("reloaded: 2 change(s)");
            assertThat(ok.json().path("changes").toString())
                    .isEqualTo("[\"users.bob: added\",\"limits.max_tunnels: 100 -> 200\"]");
            assertThat(ok.json().path("restart_needed").toString()).isEqualTo("[\"listen.socks\"]");
            assertError(a.post("/config/reload", null), 422, "bad_config", "'xx' is not a country");
            assertError(a.get("/config/reload"), 405, "method_not_allowed", "POST");
            assertThat(calls).hasSize(2);
        }
    }

    @Test
    void aProxyPortForcesItsPolicyOnEveryConnection() throws Exception {
        ApiClient.Response created = api.post("/proxies", "{\"geo_category\": \"US\", \"mode\": \"strict\"}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        int port = created.json().path("port").asInt();
        assertThat(created.json().path("geo_category").asText()).isEqualTo("US");
        assertThat(created.json().path("mode").asText()).isEqualTo("strict");
        assertThat(created.json().path("address").asText()).isEqualTo("127.0.0.1:" + port);

        assertThat(fetchThrough(port, null)).isEqualTo("hello");
        assertThat(fetchThrough(port, "bob-country-de-session-abc")).isEqualTo("hello");
        assertThat(fetchThrough(port, "carol-rotate-each")).isEqualTo("hello");
        assertThat(fetchThrough(gateway.address().getPort(), "dave-country-de")).isEqualTo("hello");

        assertThat(routed).hasSize(4);
        RouteRequest anonymous = routed.get(0);
        assertThat(anonymous.countries()).containsExactly("us");
        assertThat(anonymous.mode()).isEqualTo(Mode.STRICT);
        assertThat(anonymous.session()).hasValueSatisfying(s -> assertThat(s).startsWith("px"));
        assertThat(anonymous.ttl()).isEqualTo(RouteRequest.MAX_TTL);
        RouteRequest bob = routed.get(1);
        assertThat(bob.user()).isEqualTo("bob");
        assertThat(bob.countries()).as("the port's policy wins over the username's").containsExactly("us");
        assertThat(bob.session()).contains("abc");
        RouteRequest carol = routed.get(2);
        assertThat(carol.rotateEach()).isTrue();
        assertThat(carol.session()).isEmpty();
        assertThat(carol.countries()).containsExactly("us");
        assertThat(routed.get(3).countries()).as("the main port is untouched").containsExactly("de");
    }

    @Test
    void proxiesAreListedAndDeleted() throws Exception {
        int nonUs = api.post("/proxies", "{\"geo_category\": \"NON_US\"}").json().path("port").asInt();
        int de = api.post("/proxies", "{\"geo_category\": \"de\", \"fixed_ip_mode\": \"flexible\"}").json().path("port").asInt();

        JsonNode list = api.get("/proxies").json();
        assertThat(list.isArray()).isTrue();
        assertThat(list).hasSize(2);
        assertThat(list.toString()).contains("\"geo_category\":\"NON_US\"", "\"excluded\":[\"us\"]",
                "\"geo_category\":\"DE\"", "\"countries\":[\"de\"]", "\"mode\":\"flexible\"");

        assertError(api.post("/proxies", "{\"geo_category\": \"US\"}"), 409, "too_many_proxies", "limit is 2");

        fetchThrough(nonUs, null);
        assertThat(routed.get(0).excluded()).containsExactly("us");
        assertThat(routed.get(0).countries()).isEmpty();
        assertThat(routed.get(0).mode()).isEqualTo(Mode.FLEXIBLE);

        ApiClient.Response deleted = api.delete("/proxies/" + nonUs);
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.json().path("message").asText()).isEqualTo("Proxy on port " + nonUs + " terminated.");
        assertThatThrownBy(() -> fetchThrough(nonUs, null)).isInstanceOf(IOException.class);
        assertThat(api.get("/proxies").json()).hasSize(1);
        assertError(api.delete("/proxies/" + nonUs), 404, "not_found", "no proxy on port " + nonUs);
        assertError(api.delete("/proxies/abc"), 400, "bad_value", "port 'abc' is not a number");
        assertError(api.delete("/proxies/70000"), 400, "bad_value", "outside 1-65535");
        assertThat(fetchThrough(de, null)).isEqualTo("hello");
    }

    @Test
    void badProxyRequestsAre400NamingTheValue() throws Exception {
        assertError(api.post("/proxies", "{\"geo_category\": \"XX\"}"), 400, "bad_value", "geo_category 'XX'");
        assertError(api.post("/proxies", "{\"geo_category\": \"US\", \"mode\": \"sticky\"}"), 400, "bad_value",
                "mode 'sticky' is not strict or flexible");
        assertError(api.post("/proxies", "{\"geo\": \"US\"}"), 400, "bad_value", "unknown field 'geo'");
        assertError(api.post("/proxies", "{\"geo_category\": 1}"), 400, "bad_value", "'geo_category' must be a string");
        assertError(api.post("/proxies", "{}"), 400, "bad_value", "'geo_category' must be a string, got nothing");
        assertError(api.post("/proxies", "{\"geo_category\": \"US\", \"mode\": \"strict\", \"fixed_ip_mode\": \"strict\"}"),
                400, "bad_value", "not both");
        assertError(api.post("/proxies", "not json"), 400, "bad_json", "not valid JSON");
        assertThat(api.get("/proxies").json()).isEmpty();
    }

    @Test
    void metricsAreAValidPrometheusExpositionOfWhatHappened() throws Exception {
        fetchThrough(gateway.address().getPort(), "alice");
        api.get("/nope");

        ApiClient.Response r = api.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).contains(TorgateMetrics.CONTENT_TYPE);
        assertThat(r.body()).contains("torgate_tunnels_opened_total{outcome=\"established\"} 1.0",
                "torgate_tunnels_established_total{protocol=\"socks5\"} 1.0",
                "torgate_handshake_duration_seconds_bucket{protocol=\"socks5\"",
                "torgate_upstream_connect_duration_seconds_count 1",
                "torgate_api_requests_total{endpoint=\"unmatched\",status=\"404\"} 1.0",
                "torgate_gateway_listeners 1.0",
                "jvm_memory_used_bytes");
        Promtool.Result check = Promtool.checkMetrics(r.body());
        assertThat(check.exitCode()).as(check.output()).isZero();
    }
}
