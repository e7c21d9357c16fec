package io.torgate.torpool.directory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Synthetic directories for store and directory tests. */
final class Docs {

    private static final String[] COUNTRIES = {"de", "us", "nl", "fr", "se"};

    private Docs() {
    }

    /** The n-th synthetic fingerprint: 40 upper-case hex, distinct per n. */
    static String fingerprint(int n) {
        byte[] b = new byte[20];
        b[0] = (byte) 0xAB;
        for (int i = 0; i < 4; i++) {
            b[19 - i] = (byte) (n >>> (8 * i));
        }
        return HexFormat.of().withUpperCase().formatHex(b);
    }

    static Relay relay(int n, String country) {
        return new Relay(fingerprint(n), "relay" + n, country, null, Set.of("Exit", "Fast", "Running", "Valid"),
                1_000_000L + n, "{\"accept\":[\"1-65535\"]}", Instant.parse("2025-01-01T00:00:00Z"),
                Instant.parse("2026-11-23T01:00:00Z"), true,
                List.of("10." + (n >>> 16 & 255) + "." + (n >>> 8 & 255) + "." + (n & 255)),
                Relay.AddressSource.EXIT_ADDRESSES);
    }

    static List<Relay> relays(int count) {
        List<Relay> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(relay(i, COUNTRIES[i % COUNTRIES.length]));
        }
        return out;
    }

    static ParsedDocument parsed(List<Relay> relays) {
        return new ParsedDocument("8.0", Optional.of("2026-11-23 01:00:00"), relays, Map.of());
    }

    static RefreshOutcome refreshed(int count) {
        return RefreshOutcome.refreshed(Instant.now(), java.time.Duration.ofMillis(5), count, 0);
    }
}
