package io.torgate.torpool.pool;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Exits whose circuits keep failing although the directory still lists them (a relay that died minutes ago
 * stays Running in the consensus for a while). A mark lasts a cool-down, after which the exit may be tried
 * again; a circuit that builds through it clears the mark at once. Guarded by the router's lock.
 */
final class ExitHealth {

    static final Duration COOL_DOWN = Duration.ofSeconds(60);

    private record Mark(String reason, long sinceNanos) { }

    private final Map<String, Mark> unreachable = new HashMap<>();

    void mark(String fingerprint, String reason, long nowNanos) {
        unreachable.put(fingerprint, new Mark(reason, nowNanos));
    }

    void clear(String fingerprint) {
        unreachable.remove(fingerprint);
    }

    /** Exits marked unreachable right now. */
    Set<String> marked(long nowNanos) {
        unreachable.values().removeIf(m -> nowNanos - m.sinceNanos() > COOL_DOWN.toNanos());
        return Set.copyOf(unreachable.keySet());
    }

    /** Why the exit is considered unreachable right now, if it is. */
    Optional<String> unreachable(String fingerprint, long nowNanos) {
        Mark m = unreachable.get(fingerprint);
        if (m == null) {
            return Optional.empty();
        }
        if (nowNanos - m.sinceNanos() > COOL_DOWN.toNanos()) {
            unreachable.remove(fingerprint);
            return Optional.empty();
        }
        return Optional.of(m.reason());
    }
}
