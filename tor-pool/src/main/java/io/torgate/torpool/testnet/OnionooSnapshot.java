package io.torgate.torpool.testnet;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the Onionoo document is made from, taken at request time: the relays (with when their current process
 * started), the authorities' newest consensus if there is one, and when the network last changed.
 */
record OnionooSnapshot(List<Relay> relays, Optional<Consensus> consensus, Instant firstSeen, Instant lastChanged,
                       String torVersion) {

    record Relay(TestRelay relay, Optional<Instant> startedAt) {
    }

    OnionooSnapshot {
        relays = List.copyOf(relays);
    }

    /** The document's age: the newest of the consensus time and the last relay start/stop, to the second. */
    Instant lastModified() {
        Instant t = lastChanged;
        if (consensus.isPresent() && consensus.get().validAfter().isAfter(t)) {
            t = consensus.get().validAfter();
        }
        return t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }
}
