package io.torgate.torpool.testnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Onionoo stand-in of the running test network, as torgate's exit directory will use it. */
@ExtendWith(TestNetworkExtension.class)
class OnionooServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestNetwork network;

    @AfterEach
    void backToNormal() {
        if (network != null) {
            network.onionoo().mode(OnionooServer.Mode.NORMAL);
        }
    }

    private HttpResponse<byte[]> get(TestNetwork net, String pathAndQuery, String... headers) throws Exception {
        network = net;
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(net.onionooUrl() + pathAndQuery)).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void detailsListEveryRelayWithItsConfiguredCountryAndLiveFlags(TestNetwork net) throws Exception {
        HttpResponse<byte[]> r = get(net, "/details");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
        JsonNode doc = JSON.readTree(r.body());
        assertThat(doc.get("version").asText()).isNotBlank();
        assertThat(doc.get("relays_published").asText()).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
        assertThat(doc.get("bridges").isArray()).isTrue();
        assertThat(doc.get("relays")).hasSize(net.relays().size());
        for (TestRelay exit : net.exits()) {
            JsonNode j = relay(doc, exit.fingerprint());
            assertThat(j.get("nickname").asText()).isEqualTo(exit.nickname());
            assertThat(j.get("country").asText()).isEqualTo(exit.country());
            assertThat(j.get("country_name").asText()).isNotBlank();
            assertThat(j.get("or_addresses").get(0).asText()).isEqualTo(exit.orAddress());
            assertThat(texts(j.get("flags"))).contains("Exit", "Running", "Valid");
            if (exit.rejectedPorts().isEmpty()) {
                assertThat(j.get("exit_policy_summary").has("accept")).isTrue();
            }
        }
        // The deliberate cases: the rejecting exit's summary, and the family on both members.
        TestRelay rejecting = net.rejectingExit().orElseThrow();
        assertThat(relay(doc, rejecting.fingerprint()).get("exit_policy_summary").toString())
                .isEqualTo("{\"reject\":[\"" + net.rejectedPort() + "\"]}");
        assertThat(texts(relay(doc, rejecting.fingerprint()).get("exit_policy"))).startsWith("reject *:" + net.rejectedPort());
        TestNetwork.RelayPair family = net.familyPair().orElseThrow();
        List<String> members = java.util.stream.Stream.of(family.middle(), family.exit()).map(m -> "$" + m.fingerprint())
                .sorted().toList();
        for (TestRelay r2 : net.relays()) {
            JsonNode f = relay(doc, r2.fingerprint()).get("effective_family");
            if (members.contains("$" + r2.fingerprint())) {
                assertThat(texts(f)).as(r2.nickname()).isEqualTo(members);
            } else {
                assertThat(f).as(r2.nickname()).isNull();
            }
        }
        for (TestRelay other : net.relays().stream().filter(r2 -> !r2.isExit()).toList()) {
            JsonNode j = relay(doc, other.fingerprint());
            assertThat(texts(j.get("flags"))).doesNotContain("Exit");
            assertThat(j.get("exit_policy_summary").has("reject")).isTrue();
        }
    }

    @Test
    void answers304WhenNothingChangedSinceIfModifiedSince(TestNetwork net) throws Exception {
        // Every new consensus (each 10 s) legitimately moves Last-Modified on; retry the pair if one landed
        // between the two requests.
        HttpResponse<byte[]> conditional = null;
        String lastModified = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            lastModified = get(net, "/details").headers().firstValue("Last-Modified").orElseThrow();
            conditional = get(net, "/details", "If-Modified-Since", lastModified);
            if (conditional.statusCode() == 304 || conditional.headers().firstValue("Last-Modified").orElseThrow().equals(lastModified)) {
                break;
            }
        }
        assertThat(conditional.statusCode()).isEqualTo(304);
        assertThat(conditional.body()).isEmpty();

        String anHourEarlier = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.parse(lastModified,
                DateTimeFormatter.RFC_1123_DATE_TIME).minusHours(1).withZoneSameInstant(ZoneOffset.UTC));
        HttpResponse<byte[]> older = get(net, "/details", "If-Modified-Since", anHourEarlier);
        assertThat(older.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(older.body()).get("relays")).isNotEmpty();
        assertThat(get(net, "/details", "If-Modified-Since", "not a date").statusCode()).isEqualTo(200);
    }

    @Test
    void gzipsWhenAsked(TestNetwork net) throws Exception {
        HttpResponse<byte[]> r = get(net, "/details", "Accept-Encoding", "gzip");
        assertThat(r.headers().firstValue("Content-Encoding")).contains("gzip");
        byte[] plain = new GZIPInputStream(new ByteArrayInputStream(r.body())).readAllBytes();
        assertThat(JSON.readTree(plain).get("relays")).hasSize(net.relays().size());
        assertThat(get(net, "/details").headers().firstValue("Content-Encoding")).isEmpty();
    }

    @Test
    void filtersAndProjectsLikeOnionoo(TestNetwork net) throws Exception {
        JsonNode doc = JSON.readTree(get(net, "/details?type=relay&running=true&flag=Exit&fields=fingerprint,country,flags").body());
        assertThat(doc.get("relays")).hasSize(net.exits().size());
        for (JsonNode j : doc.get("relays")) {
            List<String> names = new ArrayList<>();
            j.fieldNames().forEachRemaining(names::add);
            assertThat(names).containsExactlyInAnyOrder("fingerprint", "country", "flags");
        }
        String de = net.exits().stream().filter(e -> e.country().equals("de")).findFirst().orElseThrow().fingerprint();
        JsonNode byCountry = JSON.readTree(get(net, "/details?country=DE&flag=exit").body());
        assertThat(byCountry.get("relays")).extracting(j -> j.get("fingerprint").asText()).containsExactly(de);
        assertThat(JSON.readTree(get(net, "/details?type=bridge").body()).get("relays")).isEmpty();
        assertThat(JSON.readTree(get(net, "/details?running=false").body()).get("relays")).isEmpty();
        JsonNode limited = JSON.readTree(get(net, "/details?limit=2&offset=1").body());
        assertThat(limited.get("relays")).hasSize(2);
        assertThat(limited.get("relays_skipped").asInt()).isEqualTo(1);
    }

    @Test
    void refusesUnknownParametersAndBadValuesNamingThem(TestNetwork net) throws Exception {
        HttpResponse<byte[]> unknown = get(net, "/details?colour=blue");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(new String(unknown.body())).contains("'colour'");
        HttpResponse<byte[]> bad = get(net, "/details?running=maybe");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(new String(bad.body())).contains("'maybe'");
        assertThat(get(net, "/summary").statusCode()).isEqualTo(404);
    }

    @Test
    void canBeMadeToFailInEachWayTheDirectoryMustSurvive(TestNetwork net) throws Exception {
        network = net;
        OnionooServer o = net.onionoo();

        o.mode(OnionooServer.Mode.ERROR_500);
        assertThat(get(net, "/details").statusCode()).isEqualTo(500);

        o.mode(OnionooServer.Mode.TRUNCATED);
        HttpResponse<byte[]> truncated = get(net, "/details");
        assertThat(truncated.statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> JSON.readTree(truncated.body())).isInstanceOf(JsonProcessingException.class);

        o.mode(OnionooServer.Mode.GARBAGE);
        HttpResponse<byte[]> garbage = get(net, "/details");
        assertThat(garbage.statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> JSON.readTree(garbage.body())).isInstanceOf(JsonProcessingException.class);

        o.slowDelay(Duration.ofSeconds(3));
        o.mode(OnionooServer.Mode.SLOW);
        HttpRequest slow = HttpRequest.newBuilder(URI.create(net.onionooUrl() + "/details")).timeout(Duration.ofMillis(300)).build();
        assertThatThrownBy(() -> http.send(slow, HttpResponse.BodyHandlers.ofByteArray())).isInstanceOf(HttpTimeoutException.class);

        o.mode(OnionooServer.Mode.NORMAL);
        assertThat(JSON.readTree(get(net, "/details").body()).get("relays")).isNotEmpty();
    }

    private static JsonNode relay(JsonNode doc, String fingerprint) {
        for (JsonNode j : doc.get("relays")) {
            if (j.get("fingerprint").asText().equals(fingerprint)) {
                return j;
            }
        }
        throw new AssertionError("relay " + fingerprint + " missing from " + doc);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
