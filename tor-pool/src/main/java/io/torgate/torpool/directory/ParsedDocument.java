package io.torgate.torpool.directory;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A details document that passed {@link OnionooParser}: its usable relays and, per cause, how many records
 * were skipped.
 *
 * @param relaysPublished Onionoo's {@code relays_published}: when the consensus it describes was published
 */
record ParsedDocument(String version, Optional<String> relaysPublished, List<Relay> relays,
                      Map<String, Integer> skippedByCause) {

    ParsedDocument {
        relays = List.copyOf(relays);
        skippedByCause = java.util.Collections.unmodifiableMap(new TreeMap<>(skippedByCause));
    }

    int skipped() {
        return skippedByCause.values().stream().mapToInt(Integer::intValue).sum();
    }
}
