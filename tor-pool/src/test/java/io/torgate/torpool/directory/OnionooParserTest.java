package io.torgate.torpool.directory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OnionooParserTest {

    static final String FP_A = "0111BA9B604669E636FFD5B503F382A4B7AD6E80";
    static final String FP_B = "1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D";

    static byte[] sample() throws Exception {
        return ConsensusFingerprintsTest.resource("/directory/details-sample.json").getBytes(StandardCharsets.UTF_8);
    }

    /** A minimal document around the given relay records (JSON text, comma-separated). */
    static byte[] doc(String relays) {
        return ("{\"version\":\"8.0\",\"relays_published\":\"2026-11-23 01:00:00\",\"relays\":[" + relays
                + "],\"bridges_published\":\"2026-11-23 01:00:00\",\"bridges\":[]}").getBytes(StandardCharsets.UTF_8);
    }

    static String record(String fingerprint, String country) {
        return "{\"nickname\":\"n" + fingerprint.substring(0, 6) + "\",\"fingerprint\":\"" + fingerprint
                + "\",\"or_addresses\":[\"10.0.0.1:9001\"],\"exit_addresses\":[\"10.0.0.2\"],\"country\":\"" + country
                + "\",\"flags\":[\"Exit\",\"Running\",\"Valid\"],\"running\":true}";
    }

    @Test
    void readsEveryFieldOfAGoodDocument() throws Exception {
        ParsedDocument d = OnionooParser.parse(sample());

        assertThat(d.version()).isEqualTo("8.0");
        assertThat(d.relaysPublished()).contains("2026-11-23 01:00:00");
        assertThat(d.skipped()).isZero();
        assertThat(d.relays()).hasSize(5);
        Relay a = d.relays().get(0);
        assertThat(a.fingerprint()).isEqualTo(FP_A);
        assertThat(a.nickname()).contains("ForPrivacyNET");
        assertThat(a.country()).contains("de");
        assertThat(a.countryName()).contains("Germany");
        assertThat(a.flags()).containsExactly("Exit", "Fast", "Guard", "Running", "Stable", "V2Dir", "Valid");
        assertThat(a.observedBandwidth()).isEqualTo(OptionalLong.of(48_613_376));
        assertThat(a.exitPolicySummary()).contains("{\"reject\":[\"25\",\"465\",\"587\"]}");
        assertThat(a.firstSeen()).contains(Instant.parse("2020-02-14T13:00:00Z"));
        assertThat(a.lastSeen()).contains(Instant.parse("2026-11-23T01:00:00Z"));
        assertThat(a.running()).isTrue();
        assertThat(a.exitAddresses()).containsExactly("185.220.101.5");
        assertThat(a.addressSource()).isEqualTo(Relay.AddressSource.EXIT_ADDRESSES);
        assertThat(a.isUsableExit()).isTrue();
    }

    @Test
    void withoutExitAddressesFallsBackToTheFirstOrAddressAndSaysSo() throws Exception {
        Relay b = OnionooParser.parse(sample()).relays().get(1);

        assertThat(b.fingerprint()).isEqualTo(FP_B);
        assertThat(b.exitAddresses()).containsExactly("2001:db8:1234:0:0:0:0:10");
        assertThat(b.addressSource()).isEqualTo(Relay.AddressSource.OR_ADDRESS_FALLBACK);
    }

    @Test
    void keepsBadExitsAndCountrylessRelaysButMarksThem() throws Exception {
        ParsedDocument d = OnionooParser.parse(sample());
        Relay bad = d.relays().get(2);
        Relay nowhere = d.relays().get(3);
        Relay lower = d.relays().get(4);

        assertThat(bad.hasFlag("BadExit")).isTrue();
        assertThat(bad.isUsableExit()).isFalse();
        assertThat(nowhere.country()).isEmpty();
        assertThat(nowhere.countryName()).isEmpty();
        assertThat(nowhere.exitAddresses()).containsExactly("198.51.100.21", "198.51.100.22");
        assertThat(lower.fingerprint()).isEqualTo("4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F70");
        assertThat(lower.country()).contains("fr");
    }

    @Test
    void missingOptionalFieldsAreAbsentNotFatal() throws Exception {
        ParsedDocument d = OnionooParser.parse(doc("{\"fingerprint\":\"" + FP_A + "\",\"or_addresses\":[\"192.0.2.1:443\"]}"));

        Relay r = d.relays().get(0);
        assertThat(d.skipped()).isZero();
        assertThat(r.nickname()).isEmpty();
        assertThat(r.country()).isEmpty();
        assertThat(r.flags()).isEmpty();
        assertThat(r.observedBandwidth()).isEmpty();
        assertThat(r.exitPolicySummary()).isEmpty();
        assertThat(r.firstSeen()).isEmpty();
        assertThat(r.lastSeen()).isEmpty();
        assertThat(r.running()).as("we asked for running=true").isTrue();
        assertThat(r.exitAddresses()).containsExactly("192.0.2.1");
        assertThat(r.isUsableExit()).as("no Exit flag").isFalse();
    }

    @Test
    void badRecordsAreSkippedAndCountedByCause() throws Exception {
        String good1 = record(FP_A, "de");
        String good2 = record(FP_B, "us");
        String good3 = record("2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E", "nl");
        String good4 = record("3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F", "fr");
        String good5 = record("6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192", "se");
        String shortFp = record("0111BA9B604669E636FFD5B503F382A4B7AD6E8", "de");
        String nonHexFp = record("0111BA9B604669E636FFD5B503F382A4B7AD6EZZ", "de");
        String numberFp = "{\"fingerprint\":1234,\"or_addresses\":[\"10.0.0.1:1\"]}";
        String wrongFlags = "{\"fingerprint\":\"5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F7081\",\"or_addresses\":[\"10.0.0.1:1\"],\"flags\":\"Exit\"}";

        ParsedDocument d = OnionooParser.parse(doc(String.join(",", good1, shortFp, good2, nonHexFp, good3, numberFp,
                good4, wrongFlags, good1, good5)));

        assertThat(d.relays()).extracting(Relay::fingerprint).containsExactly(FP_A, FP_B,
                "2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E", "3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F",
                "6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192");
        assertThat(d.skippedByCause()).isEqualTo(Map.of("bad fingerprint", 3, "wrong type: flags", 1,
                "duplicate fingerprint", 1));
        assertThat(d.skipped()).isEqualTo(5);
    }

    @Test
    void eachWrongFieldTypeSkipsItsRecord() throws Exception {
        String base = "\"fingerprint\":\"5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F7081\",\"or_addresses\":[\"10.0.0.1:1\"]";
        Map<String, String> cases = Map.ofEntries(
                Map.entry("\"nickname\":7", "wrong type: nickname"),
                Map.entry("\"country\":[\"de\"]", "wrong type: country"),
                Map.entry("\"country\":\"deu\"", "bad country"),
                Map.entry("\"observed_bandwidth\":\"fast\"", "wrong type: observed_bandwidth"),
                Map.entry("\"observed_bandwidth\":1.5", "wrong type: observed_bandwidth"),
                Map.entry("\"observed_bandwidth\":-1", "wrong type: observed_bandwidth"),
                Map.entry("\"exit_policy_summary\":\"accept\"", "wrong type: exit_policy_summary"),
                Map.entry("\"first_seen\":\"yesterday\"", "bad time: first_seen"),
                Map.entry("\"last_seen\":17", "wrong type: last_seen"),
                Map.entry("\"running\":\"true\"", "wrong type: running"),
                Map.entry("\"flags\":[\"Exit\",3]", "wrong type: flags"),
                Map.entry("\"exit_addresses\":[\"example.com\"]", "bad address: exit_addresses"),
                Map.entry("\"exit_addresses\":[\"300.1.1.1\"]", "bad address: exit_addresses"),
                Map.entry("\"exit_addresses\":{}", "wrong type: exit_addresses"));
        String fillers = String.join(",", record(FP_A, "de"), record(FP_B, "us"));
        for (Map.Entry<String, String> c : cases.entrySet()) {
            ParsedDocument d = OnionooParser.parse(doc(fillers + ",{" + base + "," + c.getKey() + "}"));

            assertThat(d.relays()).as(c.getKey()).hasSize(2);
            assertThat(d.skippedByCause()).as(c.getKey()).isEqualTo(Map.of(c.getValue(), 1));
        }
    }

    @Test
    void aRecordWithoutAnyAddressIsSkipped() throws Exception {
        ParsedDocument d = OnionooParser.parse(doc(record(FP_A, "de") + ",{\"fingerprint\":\"" + FP_B + "\"}"));

        assertThat(d.skippedByCause()).isEqualTo(Map.of("no address", 1));
        ParsedDocument badOr = OnionooParser.parse(doc(record(FP_A, "de")
                + ",{\"fingerprint\":\"" + FP_B + "\",\"or_addresses\":[\"relay.example:9001\"]}"));
        assertThat(badOr.skippedByCause()).isEqualTo(Map.of("bad address: or_addresses", 1));
    }

    @Test
    void aDocumentThatIsNotOnionooShapedFailsAsAWhole() {
        assertFails("{\"version\":\"8.0\",\"relays_published\":\"x\",\"relays\":{}}", FailureReason.NOT_ONIONOO, "\"relays\" is a JSON object");
        assertFails("{\"version\":\"8.0\",\"relays_published\":\"x\"}", FailureReason.NOT_ONIONOO, "\"relays\" is missing");
        assertFails("{\"relays_published\":\"x\",\"relays\":[]}", FailureReason.NOT_ONIONOO, "\"version\" is missing");
        assertFails("{\"version\":8,\"relays_published\":\"x\",\"relays\":[]}", FailureReason.NOT_ONIONOO, "\"version\" is a JSON number");
        assertFails("{\"version\":\"8.0\",\"relays\":[]}", FailureReason.NOT_ONIONOO, "\"relays_published\" is missing");
        assertFails("[1,2,3]", FailureReason.NOT_ONIONOO, "a JSON array, not an object");
        assertFails("\"relays\"", FailureReason.NOT_ONIONOO, "not an object");
    }

    @Test
    void somethingThatIsNotJsonIsMalformed() throws Exception {
        byte[] good = sample();
        String half = new String(good, 0, good.length / 2, StandardCharsets.UTF_8);

        assertFails(half, FailureReason.MALFORMED_JSON, "not JSON");
        assertFails("<html><body><h1>502 Bad Gateway</h1></body></html>", FailureReason.MALFORMED_JSON, "not JSON");
        assertFails("", FailureReason.MALFORMED_JSON, "empty");
        assertFails("{\"version\":\"8.0\",\"relays_published\":\"x\",\"relays\":[]} trailing", FailureReason.MALFORMED_JSON, "not JSON");
        assertFails("{\"version\":\"8.0\",\"version\":\"9.0\",\"relays_published\":\"x\",\"relays\":[]}", FailureReason.MALFORMED_JSON, "Duplicate field");
        assertFails("\u0000\u0001\u00ff garbage", FailureReason.MALFORMED_JSON, "not JSON");
    }

    @Test
    void noUsableRelayOrMoreBadThanGoodIsNotTrusted() {
        assertFails(new String(doc(""), StandardCharsets.UTF_8), FailureReason.NO_USABLE_RELAYS, "no usable relay (0 records)");
        assertFails(new String(doc("1,2,3"), StandardCharsets.UTF_8), FailureReason.NO_USABLE_RELAYS, "record is not an object=3");
        String twoBad = "{\"fingerprint\":\"nope\"},{\"fingerprint\":\"nope either\"}";
        assertFails(new String(doc(record(FP_A, "de") + "," + twoBad), StandardCharsets.UTF_8),
                FailureReason.NO_USABLE_RELAYS, "more bad records than good ones (2 bad");
    }

    @Test
    void ipLiteralsAreCheckedWithoutResolvingNames() {
        assertThat(OnionooParser.ipLiteral("192.0.2.1")).contains("192.0.2.1");
        assertThat(OnionooParser.ipLiteral("2001:DB8::1")).contains("2001:db8:0:0:0:0:0:1");
        assertThat(OnionooParser.ipLiteral("[2001:db8::1]")).contains("2001:db8:0:0:0:0:0:1");
        assertThat(OnionooParser.ipLiteral("localhost")).isEmpty();
        assertThat(OnionooParser.ipLiteral("example.com")).isEmpty();
        assertThat(OnionooParser.ipLiteral("01.2.3.4")).isEmpty();
        assertThat(OnionooParser.ipLiteral("1.2.3")).isEmpty();
        assertThat(OnionooParser.ipLiteral("2001:db8::g")).isEmpty();
        assertThat(OnionooParser.orAddressIp("[2001:db8::1]:443")).contains("2001:db8:0:0:0:0:0:1");
        assertThat(OnionooParser.orAddressIp("192.0.2.1:9001")).contains("192.0.2.1");
        assertThat(OnionooParser.orAddressIp("192.0.2.1:0")).isEmpty();
        assertThat(OnionooParser.orAddressIp("192.0.2.1")).isEmpty();
        assertThat(OnionooParser.orAddressIp("[2001:db8::1]443")).isEmpty();
    }

    @Test
    void fieldsWeDidNotAskForAreIgnored() throws Exception {
        ParsedDocument d = OnionooParser.parse(doc("{\"fingerprint\":\"" + FP_A
                + "\",\"or_addresses\":[\"192.0.2.1:443\"],\"contact\":{\"weird\":true},\"as\":42}"));

        assertThat(d.relays()).hasSize(1);
        assertThat(d.skipped()).isZero();
        assertThat(d.relays().get(0).exitAddresses()).isEqualTo(java.util.List.of("192.0.2.1"));
        assertThat(Optional.of(d.relays().get(0).flags())).contains(Set.of());
    }

    private static void assertFails(String body, FailureReason reason, String messagePart) {
        assertThatThrownBy(() -> OnionooParser.parse(body.getBytes(StandardCharsets.UTF_8)))
                .as(body)
                .isInstanceOfSatisfying(FetchException.class, e -> assertThat(e.reason()).isEqualTo(reason))
                .hasMessageContaining(messagePart);
    }
}
