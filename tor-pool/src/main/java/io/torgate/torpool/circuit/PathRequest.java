package io.torgate.torpool.circuit;

import java.util.Objects;
import java.util.Set;

/**
 * What a circuit must do: leave through one of {@code exits} (empty: any exit) towards {@code port}, avoiding
 * relays that just failed (a circuit that failed to build is retried with another middle; a flexible route moves
 * to another exit of its group).
 *
 * @param exits        fingerprints the exit must be one of (a country's exits, one pinned exit); empty = any
 * @param port         the destination port: the exit's policy must accept it, and long-lived ports need Stable
 * @param avoidMiddles relays not to use as the middle
 * @param avoidExits   relays not to use as the exit
 */
public record PathRequest(Set<String> exits, int port, Set<String> avoidMiddles, Set<String> avoidExits) {

    public PathRequest {
        exits = Set.copyOf(exits);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " out of range");
        }
        avoidMiddles = Set.copyOf(avoidMiddles);
        avoidExits = Set.copyOf(avoidExits);
    }

    public static PathRequest anyExit(int port) {
        return new PathRequest(Set.of(), port, Set.of(), Set.of());
    }

    public static PathRequest through(Set<String> exits, int port) {
        return new PathRequest(Objects.requireNonNull(exits, "exits"), port, Set.of(), Set.of());
    }

    /** One pinned exit: chosen whatever its Fast/Stable flags, since the user named it. */
    public boolean pinned() {
        return exits.size() == 1;
    }

    public PathRequest avoidingMiddle(String fingerprint) {
        return new PathRequest(exits, port, union(avoidMiddles, fingerprint), avoidExits);
    }

    public PathRequest avoidingExit(String fingerprint) {
        return new PathRequest(exits, port, avoidMiddles, union(avoidExits, fingerprint));
    }

    private static Set<String> union(Set<String> set, String more) {
        java.util.Set<String> out = new java.util.HashSet<>(set);
        out.add(more);
        return out;
    }
}
