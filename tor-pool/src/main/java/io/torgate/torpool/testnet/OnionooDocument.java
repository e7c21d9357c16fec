package io.torgate.torpool.testnet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * An Onionoo "details" document for the test network, in the format of the real service
 * (https://metrics.torproject.org/onionoo.html): what torgate's exit directory will read. Flags come from the
 * authorities' live consensus when the relay is listed there; countries are the ones the options assign,
 * since loopback addresses have no GeoIP country.
 */
final class OnionooDocument {

    static final String PROTOCOL_VERSION = "8.0";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    /** What every relay advertises; the consensus weights come from the equal-weight bandwidth file. */
    private static final long BANDWIDTH = 1_048_576;

    private OnionooDocument() {
    }

    static byte[] details(OnionooSnapshot snap, OnionooQuery q) {
        List<ObjectNode> all = new ArrayList<>();
        boolean bridgesOnly = q.type().filter("bridge"::equals).isPresent();
        long runningCount = snap.relays().stream().filter(r -> running(r, snap)).count();
        long runningExits = snap.relays().stream().filter(r -> running(r, snap) && r.relay().isExit()).count();
        for (OnionooSnapshot.Relay r : snap.relays()) {
            ObjectNode o = relay(r, snap, runningCount, runningExits);
            if (!bridgesOnly && matches(o, r, q)) {
                all.add(o);
            }
        }
        int from = Math.min(q.offset(), all.size());
        int to = (int) Math.min((long) from + q.limit(), all.size());
        ObjectNode doc = JSON.createObjectNode();
        doc.put("version", PROTOCOL_VERSION);
        doc.put("build_revision", "torgate-testnet");
        String published = TIME.format(snap.consensus().map(Consensus::validAfter).orElse(snap.lastChanged()));
        doc.put("relays_published", published);
        if (from > 0) {
            doc.put("relays_skipped", from);
        }
        ArrayNode relays = doc.putArray("relays");
        for (ObjectNode o : all.subList(from, to)) {
            relays.add(project(o, q.fields()));
        }
        if (to < all.size()) {
            doc.put("relays_truncated", all.size() - to);
        }
        doc.put("bridges_published", published);
        doc.putArray("bridges");
        try {
            return JSON.writeValueAsBytes(doc);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot render the details document", e);
        }
    }

    /** Onionoo's "running": listed as Running in the last consensus; we also require the process to be alive. */
    static boolean running(OnionooSnapshot.Relay r, OnionooSnapshot snap) {
        if (!r.relay().isRunning()) {
            return false;
        }
        return snap.consensus().flatMap(c -> c.entry(r.relay().fingerprint())).map(e -> e.has("Running")).orElse(true);
    }

    private static Set<String> flags(OnionooSnapshot.Relay r, OnionooSnapshot snap) {
        Optional<Consensus.Entry> e = snap.consensus().flatMap(c -> c.entry(r.relay().fingerprint()));
        Set<String> flags = new TreeSet<>();
        if (e.isPresent()) {
            flags.addAll(e.get().flags());
        } else {
            // Not in a consensus yet: what the authorities' testing options make them vote.
            flags.addAll(List.of("Fast", "Guard", "HSDir", "Stable", "Valid", "Running"));
            if (r.relay().isExit()) {
                flags.add("Exit");
            }
            if (r.relay().role() == TestRelay.Role.AUTHORITY) {
                flags.addAll(List.of("Authority", "V2Dir"));
            }
        }
        if (!running(r, snap)) {
            flags.remove("Running");
        }
        return flags;
    }

    private static ObjectNode relay(OnionooSnapshot.Relay r, OnionooSnapshot snap, long runningCount, long runningExits) {
        TestRelay t = r.relay();
        boolean running = running(r, snap);
        Optional<Consensus.Entry> entry = snap.consensus().flatMap(c -> c.entry(t.fingerprint()));
        ObjectNode o = JSON.createObjectNode();
        o.put("nickname", t.nickname());
        o.put("fingerprint", t.fingerprint());
        o.putArray("or_addresses").add(t.orAddress());
        if (t.isExit()) {
            // Tor connects to loopback destinations from 127.0.0.1 whatever its own address: that is what
            // a destination sees as this exit's address.
            o.putArray("exit_addresses").add("127.0.0.1");
        }
        if (t.role() == TestRelay.Role.AUTHORITY) {
            o.put("dir_address", t.address() + ":" + t.dirPort());
        }
        Instant lastSeen = running ? snap.consensus().map(Consensus::validAfter).orElse(snap.lastChanged()) : snap.lastChanged();
        o.put("last_seen", TIME.format(lastSeen));
        o.put("last_changed_address_or_port", TIME.format(snap.firstSeen()));
        o.put("first_seen", TIME.format(snap.firstSeen()));
        o.put("running", running);
        ArrayNode flags = o.putArray("flags");
        flags(r, snap).forEach(flags::add);
        o.put("country", t.country());
        o.put("country_name", new Locale("", t.country().toUpperCase(Locale.ROOT)).getDisplayCountry(Locale.ENGLISH));
        o.put("as", "AS0");
        o.put("as_name", "torgate loopback test network");
        o.put("consensus_weight", entry.map(Consensus.Entry::bandwidth).filter(b -> b > 0).orElse(1000L));
        r.startedAt().ifPresent(s -> o.put("last_restarted", TIME.format(s)));
        o.put("bandwidth_rate", BANDWIDTH);
        o.put("bandwidth_burst", BANDWIDTH);
        o.put("observed_bandwidth", BANDWIDTH);
        o.put("advertised_bandwidth", BANDWIDTH);
        if (!t.family().isEmpty()) {
            // Onionoo's effective_family: mutual members, the relay itself included (all declarations are mutual).
            ArrayNode family = o.putArray("effective_family");
            Stream.concat(Stream.of(t.fingerprint()), t.family().stream()).sorted().forEach(fp -> family.add("$" + fp));
        }
        ArrayNode policy = o.putArray("exit_policy");
        ObjectNode summary = JSON.createObjectNode();
        if (t.isExit()) {
            RelayTorrcs.exitPolicy(t.rejectedPorts()).forEach(policy::add);
            // What tor summarises that policy as in the consensus's "p" line, which Onionoo copies.
            if (t.rejectedPorts().isEmpty()) {
                summary.putArray("accept").add("1-65535");
            } else {
                ArrayNode ports = summary.putArray("reject");
                t.rejectedPorts().stream().sorted().forEach(p -> ports.add(Integer.toString(p)));
            }
        } else {
            policy.add("reject *:*");
            summary.putArray("reject").add("1-65535");
        }
        o.set("exit_policy_summary", summary);
        o.put("contact", "torgate-testnet@localhost");
        o.put("platform", "Tor " + snap.torVersion() + " on Linux");
        o.put("version", snap.torVersion());
        o.put("recommended_version", true);
        o.put("version_status", "recommended");
        o.put("consensus_weight_fraction", running && runningCount > 0 ? 1.0 / runningCount : 0.0);
        o.put("guard_probability", running && runningCount > 0 ? 1.0 / runningCount : 0.0);
        o.put("middle_probability", running && runningCount > 0 ? 1.0 / runningCount : 0.0);
        o.put("exit_probability", running && t.isExit() && runningExits > 0 ? 1.0 / runningExits : 0.0);
        o.put("measured", true);
        return o;
    }

    private static boolean matches(ObjectNode o, OnionooSnapshot.Relay r, OnionooQuery q) {
        TestRelay t = r.relay();
        if (q.running().isPresent() && o.get("running").asBoolean() != q.running().get()) {
            return false;
        }
        if (q.flag().isPresent()) {
            boolean has = false;
            for (Iterator<com.fasterxml.jackson.databind.JsonNode> it = o.get("flags").elements(); it.hasNext(); ) {
                has |= it.next().asText().equalsIgnoreCase(q.flag().get());
            }
            if (!has) {
                return false;
            }
        }
        if (q.country().isPresent() && !q.country().get().equals(t.country())) {
            return false;
        }
        if (q.lookup().isPresent() && !q.lookup().get().equals(t.fingerprint())) {
            return false;
        }
        for (String term : q.search()) {
            String lower = term.toLowerCase(Locale.ROOT);
            boolean hit = t.nickname().toLowerCase(Locale.ROOT).startsWith(lower)
                    || t.fingerprint().startsWith(term.toUpperCase(Locale.ROOT).replaceFirst("^\\$", ""))
                    || t.orAddress().startsWith(term);
            if (!hit) {
                return false;
            }
        }
        return true;
    }

    private static ObjectNode project(ObjectNode o, Optional<Set<String>> fields) {
        if (fields.isEmpty()) {
            return o;
        }
        ObjectNode p = JSON.createObjectNode();
        for (String f : fields.get()) {
            if (o.has(f)) {
                p.set(f, o.get(f));
            }
        }
        return p;
    }
}
