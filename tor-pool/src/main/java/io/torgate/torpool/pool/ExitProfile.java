package io.torgate.torpool.pool;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which exits a tor instance may use, set over its control port with {@code ExitNodes} and
 * {@code StrictNodes 1}. Exits are named by fingerprint, never by tor's {@code {cc}} country syntax: tor's GeoIP
 * may disagree with the node directory, and testnet addresses have no country at all.
 *
 * @param kind  any exit, a group of exits, or exactly one
 * @param exits the fingerprints (40 upper-case hex) tor may exit through; empty for {@link Kind#ANY}
 * @param label what the profile was made for, e.g. {@code country-de}, {@code exclude-us}, {@code exit-…}
 */
public record ExitProfile(Kind kind, Set<String> exits, String label) {

    public enum Kind { ANY, GROUP, ONE }

    /** No exit restriction: tor's own choice. A fresh tor has this profile. */
    public static final ExitProfile ANY = new ExitProfile(Kind.ANY, Set.of(), "any");

    public ExitProfile {
        Objects.requireNonNull(kind, "kind");
        exits = Set.copyOf(exits);
        Objects.requireNonNull(label, "label");
        if ((kind == Kind.ANY) != exits.isEmpty()) {
            throw new IllegalArgumentException(kind + " profile with " + exits.size() + " exits");
        }
        if (kind == Kind.ONE && exits.size() != 1) {
            throw new IllegalArgumentException("a one-exit profile names exactly one exit, got " + exits.size());
        }
    }

    public static ExitProfile group(String label, Set<String> exits) {
        return new ExitProfile(Kind.GROUP, exits, label);
    }

    public static ExitProfile one(String fingerprint) {
        return new ExitProfile(Kind.ONE, Set.of(fingerprint), "exit-" + fingerprint);
    }

    /** Whether tor may use exactly the same exits under both profiles (labels aside). */
    public boolean sameExits(ExitProfile other) {
        return kind == Kind.ANY ? other.kind == Kind.ANY : other.kind != Kind.ANY && exits.equals(other.exits);
    }

    /**
     * The one exit tor may use under this profile, whatever made it: {@link #one} or a group that holds a single
     * exit (a country with one running exit) are the same thing to tor.
     */
    public Optional<String> singleExit() {
        return kind != Kind.ANY && exits.size() == 1 ? Optional.of(exits.iterator().next()) : Optional.empty();
    }

    /** Whether every exit tor may use under this profile is in {@code allowed}; never true for ANY. */
    public boolean within(Set<String> allowed) {
        return kind != Kind.ANY && allowed.containsAll(exits);
    }

    /** The options to SETCONF; for ANY, the options to RESETCONF are its keys. */
    Map<String, String> torOptions() {
        Map<String, String> m = new LinkedHashMap<>();
        if (kind == Kind.ANY) {
            m.put("ExitNodes", "");
            m.put("StrictNodes", "");
        } else {
            // Sorted: Set.copyOf iterates in a per-JVM random order, and the same profile must always produce the
            // same SETCONF (tor keeps circuits only when ExitNodes is set to an identical value).
            m.put("ExitNodes", exits.stream().sorted().map(fp -> "$" + fp).collect(Collectors.joining(",")));
            m.put("StrictNodes", "1");
        }
        return m;
    }

    @Override
    public String toString() {
        return kind == Kind.ANY ? "any exit" : label + " (" + exits.size() + (exits.size() == 1 ? " exit)" : " exits)");
    }
}
