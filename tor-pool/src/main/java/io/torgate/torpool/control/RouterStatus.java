package io.torgate.torpool.control;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One relay of the consensus as {@code GETINFO ns/all} lists it (an "r" line with its "s" flags and "w"
 * bandwidth). The identity is decoded from base64 to the 40-hex fingerprint used everywhere else.
 *
 * @param nickname    relay nickname
 * @param fingerprint 40 uppercase hex digits
 * @param address     IPv4 address of its ORPort
 * @param orPort      ORPort
 * @param flags       e.g. Exit, Fast, Guard, Running, Stable, Valid
 * @param bandwidth   consensus weight, when the entry has a "w" line
 */
public record RouterStatus(String nickname, String fingerprint, String address, int orPort, Set<String> flags,
                           OptionalLong bandwidth) {

    public RouterStatus {
        Objects.requireNonNull(nickname, "nickname");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(address, "address");
        flags = Set.copyOf(flags);
        Objects.requireNonNull(bandwidth, "bandwidth");
    }

    public boolean isExit() {
        return flags.contains("Exit") && !flags.contains("BadExit");
    }

    /** Parses a whole {@code ns/all} document; entries whose "r" line cannot be read are skipped. */
    public static List<RouterStatus> parseAll(String document) {
        List<RouterStatus> out = new ArrayList<>();
        Builder current = null;
        for (String raw : document.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("r ")) {
                if (current != null) {
                    out.add(current.build());
                }
                current = Builder.fromRLine(line);
            } else if (current != null && line.startsWith("s ")) {
                current.flags = Set.of(line.substring(2).trim().split("\\s+"));
            } else if (current != null && line.startsWith("w ")) {
                current.bandwidth = bandwidthOf(line);
            }
        }
        if (current != null) {
            out.add(current.build());
        }
        return List.copyOf(out);
    }

    /** Decodes a consensus identity (unpadded base64 of 20 bytes) to 40 uppercase hex digits. */
    public static String fingerprintOf(String base64Identity) {
        String padded = base64Identity + "=".repeat((4 - base64Identity.length() % 4) % 4);
        byte[] id = Base64.getDecoder().decode(padded);
        if (id.length != 20) {
            throw new IllegalArgumentException("relay identity is " + id.length + " bytes, not 20: " + base64Identity);
        }
        return HexFormat.of().withUpperCase().formatHex(id);
    }

    /** The {@code Bandwidth=} of a {@code w} line. */
    public static OptionalLong bandwidthOf(String wLine) {
        for (String part : wLine.substring(2).trim().split("\\s+")) {
            if (part.startsWith("Bandwidth=")) {
                try {
                    return OptionalLong.of(Long.parseLong(part.substring("Bandwidth=".length())));
                } catch (NumberFormatException e) {
                    return OptionalLong.empty();
                }
            }
        }
        return OptionalLong.empty();
    }

    private static final class Builder {
        String nickname;
        String fingerprint;
        String address;
        int orPort;
        Set<String> flags = Set.of();
        OptionalLong bandwidth = OptionalLong.empty();

        /** {@code r nickname identity digest date time IP ORPort DirPort}; null when malformed. */
        static Builder fromRLine(String line) {
            String[] f = line.split("\\s+");
            if (f.length < 9) {
                return null;
            }
            Builder b = new Builder();
            try {
                b.nickname = f[1];
                b.fingerprint = fingerprintOf(f[2]).toUpperCase(Locale.ROOT);
                b.address = f[6];
                b.orPort = Integer.parseInt(f[7]);
            } catch (IllegalArgumentException e) {
                return null;
            }
            return b;
        }

        RouterStatus build() {
            return new RouterStatus(nickname, fingerprint, address, orPort, flags, bandwidth);
        }
    }
}
