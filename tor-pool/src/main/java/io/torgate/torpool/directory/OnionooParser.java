package io.torgate.torpool.directory;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads an Onionoo details document (https://metrics.torproject.org/onionoo.html) into relays.
 *
 * <p>Two levels of strictness, on purpose:
 * <ul>
 * <li>The document: it must be a JSON object with a string {@code version}, a string {@code relays_published}
 *     and a {@code relays} array. Anything else (truncated JSON, an HTML page, {@code "relays": {}}) is not an
 *     Onionoo answer and fails the whole refresh, so the last good directory stays.</li>
 * <li>Each record: one bad relay (fingerprint not 40 hex, a field of the wrong type or shape, no address at
 *     all, a fingerprint seen twice) is skipped and counted by cause, and the rest is used. Onionoo lists
 *     over a thousand exits; throwing them all away because one record is odd would make routing worse, not
 *     safer. A field we did not ask for is ignored; a field we asked for may be absent (Onionoo omits empty
 *     ones) but, when present, must have the documented type.</li>
 * </ul>
 * If no record is usable, or more records are bad than good, the document is not trusted either
 * ({@link FailureReason#NO_USABLE_RELAYS}): that smells like a format change, not a few odd relays.
 */
final class OnionooParser {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final DateTimeFormatter ONIONOO_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);
    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");
    private static final Pattern COUNTRY = Pattern.compile("[A-Za-z]{2}");

    private OnionooParser() {
    }

    static ParsedDocument parse(byte[] body) throws FetchException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new FetchException(FailureReason.MALFORMED_JSON, 200, "the body is not JSON: "
                    + e.getOriginalMessage() + " at byte " + e.getLocation().getByteOffset() + " of " + body.length);
        } catch (IOException e) {
            throw new FetchException(FailureReason.MALFORMED_JSON, 200, "cannot read the body as JSON: " + e, e);
        }
        if (root == null || root.isMissingNode()) {
            throw new FetchException(FailureReason.MALFORMED_JSON, 200, "the body is empty");
        }
        if (!root.isObject()) {
            throw notOnionoo("the document is a JSON " + root.getNodeType().name().toLowerCase(Locale.ROOT)
                    + ", not an object");
        }
        String version = requiredText(root, "version");
        String published = requiredText(root, "relays_published");
        JsonNode relays = root.get("relays");
        if (relays == null || !relays.isArray()) {
            throw notOnionoo("\"relays\" is " + describe(relays) + ", not an array");
        }
        List<Relay> good = new ArrayList<>(relays.size());
        Map<String, Integer> skipped = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode record : relays) {
            try {
                Relay r = relay(record);
                if (!seen.add(r.fingerprint())) {
                    throw new BadRecord("duplicate fingerprint");
                }
                good.add(r);
            } catch (BadRecord e) {
                skipped.merge(e.getMessage(), 1, Integer::sum);
            }
        }
        int bad = skipped.values().stream().mapToInt(Integer::intValue).sum();
        if (good.isEmpty()) {
            throw new FetchException(FailureReason.NO_USABLE_RELAYS, 200, "the document lists no usable relay ("
                    + relays.size() + " records" + (bad > 0 ? ", skipped " + skipped : "") + ")");
        }
        if (bad > good.size()) {
            throw new FetchException(FailureReason.NO_USABLE_RELAYS, 200, "more bad records than good ones ("
                    + bad + " bad " + skipped + ", " + good.size() + " good): not trusting this document");
        }
        return new ParsedDocument(version, Optional.of(published), good, skipped);
    }

    /** One record of the document; {@link BadRecord}'s message is its skip cause (a small fixed set). */
    private static Relay relay(JsonNode o) throws BadRecord {
        if (!o.isObject()) {
            throw new BadRecord("record is not an object");
        }
        JsonNode fp = o.get("fingerprint");
        if (fp == null || !fp.isTextual() || !Fingerprints.isValid(fp.asText())) {
            throw new BadRecord("bad fingerprint");
        }
        String nickname = optionalText(o, "nickname");
        String country = optionalText(o, "country");
        if (country != null) {
            if (!COUNTRY.matcher(country).matches()) {
                throw new BadRecord("bad country");
            }
            country = country.toLowerCase(Locale.ROOT);
        }
        String countryName = optionalText(o, "country_name");
        Set<String> flags = new LinkedHashSet<>(optionalTextArray(o, "flags"));
        Long bandwidth = null;
        JsonNode bw = o.get("observed_bandwidth");
        if (bw != null && !bw.isNull()) {
            if (!bw.isIntegralNumber() || !bw.canConvertToLong() || bw.asLong() < 0) {
                throw new BadRecord("wrong type: observed_bandwidth");
            }
            bandwidth = bw.asLong();
        }
        String policy = null;
        JsonNode summary = o.get("exit_policy_summary");
        if (summary != null && !summary.isNull()) {
            if (!summary.isObject()) {
                throw new BadRecord("wrong type: exit_policy_summary");
            }
            policy = summary.toString();
        }
        Instant firstSeen = optionalTime(o, "first_seen");
        Instant lastSeen = optionalTime(o, "last_seen");
        boolean running = true;
        JsonNode run = o.get("running");
        if (run != null && !run.isNull()) {
            if (!run.isBoolean()) {
                throw new BadRecord("wrong type: running");
            }
            running = run.asBoolean();
        }
        List<String> exits = new ArrayList<>();
        for (String a : optionalTextArray(o, "exit_addresses")) {
            exits.add(ipLiteral(a).orElseThrow(() -> new BadRecord("bad address: exit_addresses")));
        }
        List<String> orAddresses = optionalTextArray(o, "or_addresses");
        List<String> orIps = new ArrayList<>();
        for (String a : orAddresses) {
            orIps.add(orAddressIp(a).orElseThrow(() -> new BadRecord("bad address: or_addresses")));
        }
        Relay.AddressSource source = Relay.AddressSource.EXIT_ADDRESSES;
        if (exits.isEmpty()) {
            if (orIps.isEmpty()) {
                throw new BadRecord("no address");
            }
            exits.add(orIps.get(0));
            source = Relay.AddressSource.OR_ADDRESS_FALLBACK;
        }
        return new Relay(fp.asText(), nickname, country, countryName, flags, bandwidth, policy, firstSeen, lastSeen,
                running, exits.stream().distinct().toList(), source);
    }

    /** {@code 1.2.3.4:9001} or {@code [2001:db8::1]:9001} → the IP literal. */
    static Optional<String> orAddressIp(String orAddress) {
        String host;
        if (orAddress.startsWith("[")) {
            int close = orAddress.indexOf("]:");
            if (close < 0) {
                return Optional.empty();
            }
            host = orAddress.substring(1, close);
            if (!port(orAddress.substring(close + 2))) {
                return Optional.empty();
            }
        } else {
            int colon = orAddress.lastIndexOf(':');
            if (colon < 0 || !port(orAddress.substring(colon + 1))) {
                return Optional.empty();
            }
            host = orAddress.substring(0, colon);
        }
        return ipLiteral(host);
    }

    private static boolean port(String s) {
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return false;
        }
        int p = Integer.parseInt(s);
        return p >= 1 && p <= 65535;
    }

    /**
     * An IPv4 or IPv6 literal in canonical text form, or empty. Never resolves a name: anything that is not
     * made of IP-literal characters is refused before {@link InetAddress} sees it.
     */
    static Optional<String> ipLiteral(String s) {
        if (IPV4.matcher(s).matches()) {
            return Optional.of(s);
        }
        String v6 = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
        if (v6.indexOf(':') < 0 || !IPV6_CHARS.matcher(v6).matches()) {
            return Optional.empty();
        }
        try {
            // With a ':' in it, InetAddress parses an IPv6 literal and never asks DNS.
            InetAddress a = InetAddress.getByName(v6);
            return a instanceof java.net.Inet6Address || a instanceof java.net.Inet4Address
                    ? Optional.of(a.getHostAddress()) : Optional.empty();
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static String requiredText(JsonNode root, String field) throws FetchException {
        JsonNode n = root.get(field);
        if (n == null || !n.isTextual()) {
            throw notOnionoo("\"" + field + "\" is " + describe(n) + ", not a string");
        }
        return n.asText();
    }

    private static String optionalText(JsonNode o, String field) throws BadRecord {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new BadRecord("wrong type: " + field);
        }
        return n.asText();
    }

    private static List<String> optionalTextArray(JsonNode o, String field) throws BadRecord {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw new BadRecord("wrong type: " + field);
        }
        List<String> out = new ArrayList<>(n.size());
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw new BadRecord("wrong type: " + field);
            }
            out.add(e.asText());
        }
        return out;
    }

    private static Instant optionalTime(JsonNode o, String field) throws BadRecord {
        String s = optionalText(o, field);
        if (s == null) {
            return null;
        }
        try {
            return LocalDateTime.parse(s, ONIONOO_TIME).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new BadRecord("bad time: " + field);
        }
    }

    private static String describe(JsonNode n) {
        return n == null ? "missing" : "a JSON " + n.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    private static FetchException notOnionoo(String why) {
        return new FetchException(FailureReason.NOT_ONIONOO, 200, "not an Onionoo details document: " + why);
    }

    /** A record to skip; the message is the cause it is counted under. */
    private static final class BadRecord extends Exception {
        BadRecord(String cause) {
            super(cause, null, false, false);
        }
    }
}
