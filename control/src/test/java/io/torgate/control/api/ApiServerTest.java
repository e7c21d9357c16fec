package io.torgate.control.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The API server itself: routing, errors, body limits, token enforcement, the refusal of an open API. */
class ApiServerTest {

    private static final String TOKEN = "s3cret-token-0123456789";

    private ApiServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static Routes routes() {
        return new Routes()
                .add("GET", "/things", req -> ApiResponse.ok(Map.of("things", 3)))
                .add("POST", "/things", req -> {
                    JsonNode body = req.jsonObject();
                    Json.onlyFields(body, Set.of("n"));
                    return ApiResponse.json(201, Map.of("n", Json.intField(body, "n")));
                })
                .add("GET", "/things/{id}", req -> {
                    req.allowQuery(Set.of("x"));
                    return ApiResponse.ok(Map.of("id", req.pathParam("id"), "x", req.queryValues("x")));
                })
                .add("DELETE", "/things/{id}", req -> {
                    throw ApiException.conflict("busy", "thing " + req.pathParam("id") + " is busy");
                })
                .add("GET", "/boom", req -> {
                    throw new IllegalStateException("a bug");
                });
    }

    private ApiClient start(String token) throws Exception {
        server = ApiServer.start(ApiConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0)).token(token).build(),
                routes(), null);
        return new ApiClient(server.address(), token);
    }

    private static void assertError(ApiClient.Response r, int status, String code, String detailPart) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.header("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(r.json().path("error").asText()).isEqualTo(code);
        assertThat(r.json().path("detail").asText()).contains(detailPart);
    }

    @Test
    void servesRoutesWithPathAndQueryParameters() throws Exception {
        ApiClient api = start(null);

        ApiClient.Response r = api.get("/things/abc?x=1,2&x=3");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("id").asText()).isEqualTo("abc");
        assertThat(r.json().path("x").toString()).isEqualTo("[\"1\",\"2\",\"3\"]");
        assertThat(api.post("/things", "{\"n\": 7}").status()).isEqualTo(201);
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405WithAllow() throws Exception {
        ApiClient api = start(null);

        assertError(api.get("/nope"), 404, "not_found", "/nope");
        ApiClient.Response r = api.method("PUT", "/things", "{}");
        assertError(r, 405, "method_not_allowed", "PUT");
        assertThat(r.header("Allow")).contains("GET, POST");
        assertThat(api.method("PATCH", "/things/1", null).header("Allow")).contains("DELETE, GET");
    }

    @Test
    void badBodiesAndValuesAre400NamingTheProblem() throws Exception {
        ApiClient api = start(null);

        assertError(api.post("/things", "{\"n\": "), 400, "bad_json", "not valid JSON");
        assertError(api.post("/things", "[1]"), 400, "bad_json", "must be a JSON object");
        assertError(api.post("/things", null), 400, "missing_body", "JSON object");
        assertError(api.post("/things", "{\"n\": \"seven\"}"), 400, "bad_value", "'n' must be a whole number, got \"seven\"");
        assertError(api.post("/things", "{\"m\": 1}"), 400, "bad_value", "unknown field 'm'");
        assertError(api.get("/things/1?y=2"), 400, "bad_value", "unknown query parameter 'y'");
    }

    @Test
    void endpointErrorsKeepTheirStatusAndBugsAre500WithoutInternals() throws Exception {
        ApiClient api = start(null);

        assertError(api.delete("/things/9"), 409, "busy", "thing 9 is busy");
        ApiClient.Response r = api.get("/boom");
        assertError(r, 500, "internal_error", "IllegalStateException");
        assertThat(r.body()).doesNotContain("a bug");
    }

    @Test
    void bodiesOverTheLimitAre413() throws Exception {
        ApiClient api = start(null);

        String big = "{\"n\": 1, \"pad\": \"" + "x".repeat(ApiServer.MAX_BODY_BYTES) + "\"}";
        assertError(api.post("/things", big), 413, "body_too_large", "at most");
    }

    @Test
    void withATokenOnLoopbackEveryRequestNeedsIt() throws Exception {
        ApiClient api = start(TOKEN);

        assertThat(api.get("/things").status()).isEqualTo(200);
        ApiClient.Response none = api.withToken(null).get("/things");
        assertError(none, 401, "unauthorized", "Authorization: Bearer");
        assertThat(none.header("WWW-Authenticate")).contains("Bearer realm=\"torgate\"");
        assertError(api.withToken("wrong-token-0123456789").get("/things"), 401, "unauthorized", "not valid");
        // Unknown paths do not reveal themselves to a client without the token.
        assertError(api.withToken(null).get("/nope"), 401, "unauthorized", "token");
        assertThat(api.withToken("wrong-token-0123456789").get("/things").body()).doesNotContain(TOKEN);
    }

    @Test
    void requestsAreCountedByEndpointPatternAndStatus() throws Exception {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        server = ApiServer.start(ApiConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0)).token(TOKEN).build(),
                routes(), registry);
        ApiClient api = new ApiClient(server.address(), TOKEN);
        api.get("/things/1");
        api.get("/things/2");
        api.withToken(null).get("/things");
        api.withToken(null).post("/things", "{\"n\": 1}");
        api.get("/nope");

        assertThat(registry.get("torgate.api.requests").tags("endpoint", "GET /things/{id}", "status", "200").counter().count())
                .isEqualTo(2.0);
        assertThat(registry.get("torgate.api.requests").tags("endpoint", "unmatched", "status", "401").counter().count())
                .isEqualTo(2.0);
        assertThat(registry.get("torgate.api.requests").tags("endpoint", "unmatched", "status", "404").counter().count())
                .isEqualTo(1.0);
    }

    @Test
    void aMalformedAuthorizationHeaderIs401() throws Exception {
        start(TOKEN);
        try (Socket s = new Socket(server.address().getAddress(), server.address().getPort())) {
            OutputStream out = s.getOutputStream();
            out.write(("GET /things HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + TOKEN + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(response).startsWith("HTTP/1.1 401").contains("must be 'Bearer <token>'").doesNotContain(TOKEN);
        }
    }

    @Test
    void withoutATokenOffLoopbackItRefusesToStart() throws Exception {
        InetAddress nonLoopback = InetAddress.getByName("0.0.0.0");
        assertThatThrownBy(() -> ApiServer.start(ApiConfig.builder().listen(new InetSocketAddress(nonLoopback, 0)).build(),
                routes(), null))
                .isInstanceOfSatisfying(ApiStartException.class, e -> {
                    assertThat(e.isConfigError()).isTrue();
                    assertThat(e.getMessage()).contains("refusing", "0.0.0.0", "without a token", "--api-token");
                });
    }

    @Test
    void aShortTokenIsRefusedWithoutQuotingIt() {
        assertThatThrownBy(() -> ApiServer.start(ApiConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0))
                .token("short").build(), routes(), null))
                .isInstanceOfSatisfying(ApiStartException.class, e -> {
                    assertThat(e.isConfigError()).isTrue();
                    assertThat(e.getMessage()).contains("at least 16").doesNotContain("short");
                });
        assertThat(ApiConfig.builder().token(TOKEN).build().toString()).doesNotContain(TOKEN);
    }

    @Test
    void anAddressInUseIsARuntimeFailure() throws Exception {
        ApiClient api = start(null);
        assertThat(api.get("/things").status()).isEqualTo(200);
        assertThatThrownBy(() -> ApiServer.start(ApiConfig.builder().listen(server.address()).build(), routes(), null))
                .isInstanceOfSatisfying(ApiStartException.class, e -> assertThat(e.isConfigError()).isFalse());
    }
}
