package io.torgate.torpool.directory;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the store holds after the last good refresh.
 *
 * @param lastModified the Last-Modified header of the stored document, sent back as If-Modified-Since
 * @param lastGoodAt   when a refresh last stored a document or was told 304
 */
record StoredDirectory(List<Relay> relays, Optional<String> lastModified, Optional<Instant> lastGoodAt) {

    static final StoredDirectory EMPTY = new StoredDirectory(List.of(), Optional.empty(), Optional.empty());

    StoredDirectory {
        relays = List.copyOf(relays);
    }
}
