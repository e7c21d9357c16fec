package io.torgate.torpool.directory;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The directory as routing reads it: an immutable map swapped in whole after each committed refresh, so
 * lookups never touch SQLite and never see a refresh half done.
 */
final class DirectorySnapshot {

    static final DirectorySnapshot EMPTY = new DirectorySnapshot(List.of());

    private final Map<String, Relay> byFingerprint;

    DirectorySnapshot(Collection<Relay> relays) {
        Map<String, Relay> m = new TreeMap<>();
        relays.forEach(r -> m.put(r.fingerprint(), r));
        this.byFingerprint = Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }

    Optional<Relay> relay(String fingerprint) {
        return Optional.ofNullable(byFingerprint.get(fingerprint));
    }

    /** All relays, sorted by fingerprint. */
    Collection<Relay> relays() {
        return byFingerprint.values();
    }

    int size() {
        return byFingerprint.size();
    }

    boolean isEmpty() {
        return byFingerprint.isEmpty();
    }
}
