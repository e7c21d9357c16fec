package io.torgate.torpool.testnet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The parts of a v3 network-status consensus the test network cares about: when it became valid and, per
 * relay, its address, ORPort, flags and weight. Read from an authority's {@code cached-consensus} file, so it
 * shows what the authorities actually agreed on, not what we expect.
 */
record Consensus(Instant validAfter, Instant validUntil, Map<String, Entry> entries) {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    /** One router status: fingerprint is 40 upper-case hex. */
    record Entry(String nickname, String fingerprint, String address, int orPort, Set<String> flags, long bandwidth) {
        boolean has(String flag) {
            return flags.contains(flag);
        }
    }

    Consensus {
        entries = Map.copyOf(entries);
    }

    Optional<Entry> entry(String fingerprint) {
        return Optional.ofNullable(entries.get(fingerprint));
    }

    /** The newest consensus in an authority's data directory, if it has written one yet. */
    static Optional<Consensus> read(Path authorityDataDir) {
        for (String name : List.of("cached-consensus", "cached-microdesc-consensus")) {
            try {
                String text = Files.readString(authorityDataDir.resolve(name), StandardCharsets.ISO_8859_1);
                Optional<Consensus> c = parse(text);
                if (c.isPresent()) {
                    return c;
                }
            } catch (NoSuchFileException e) {
                // not written yet
            } catch (IOException | RuntimeException e) {
                // tor replaces the file while we read it now and then; the next poll reads the new one
            }
        }
        return Optional.empty();
    }

    /**
     * Parses the header times and the "r"/"s"/"w" lines. The "r" line has a descriptor digest in the ns flavour
     * and none in the microdesc flavour, so its address and ORPort are counted from the end.
     */
    static Optional<Consensus> parse(String text) {
        Instant validAfter = null;
        Instant validUntil = null;
        Map<String, Entry> entries = new LinkedHashMap<>();
        String[] r = null;
        Set<String> flags = Set.of();
        long bw = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("valid-after ")) {
                validAfter = time(line.substring("valid-after ".length()));
            } else if (line.startsWith("valid-until ")) {
                validUntil = time(line.substring("valid-until ".length()));
            } else if (line.startsWith("r ")) {
                flush(entries, r, flags, bw);
                r = line.split(" ");
                flags = Set.of();
                bw = 0;
            } else if (line.startsWith("s ") || line.equals("s")) {
                flags = Set.of(line.substring(1).strip().split("\\s+"));
            } else if (line.startsWith("w ")) {
                for (String kv : line.substring(2).split(" ")) {
                    if (kv.startsWith("Bandwidth=")) {
                        bw = Long.parseLong(kv.substring("Bandwidth=".length()));
                    }
                }
            } else if (line.startsWith("directory-footer")) {
                break;
            }
        }
        flush(entries, r, flags, bw);
        if (validAfter == null || validUntil == null) {
            return Optional.empty();
        }
        return Optional.of(new Consensus(validAfter, validUntil, entries));
    }

    private static void flush(Map<String, Entry> entries, String[] r, Set<String> flags, long bw) {
        if (r == null || r.length < 8) {
            return;
        }
        String fp = HexFormat.of().withUpperCase().formatHex(Base64.getDecoder().decode(pad(r[2])));
        String address = r[r.length - 3];
        int orPort = Integer.parseInt(r[r.length - 2]);
        entries.put(fp, new Entry(r[1], fp, address, orPort, flags.isEmpty() ? Set.of() : Set.copyOf(flags), bw));
    }

    private static String pad(String b64) {
        return b64 + "=".repeat((4 - b64.length() % 4) % 4);
    }

    private static Instant time(String s) {
        return LocalDateTime.parse(s.strip(), TIME).toInstant(ZoneOffset.UTC);
    }
}
