package io.torgate.torpool.directory;

import java.util.Set;

/**
 * The relays of a live consensus, as a running tor sees it (for instance from {@code GETINFO ns/all}, parsed
 * with {@link ConsensusFingerprints#fromNsAll(String)}). Attached to a {@link NodeDirectory}, it hides exits
 * that Onionoo still lists but tor would not use, so routing never picks a relay tor cannot build a circuit to.
 *
 * <p>{@link #fingerprints()} is called on every {@link NodeDirectory#exits(ExitFilter)} call: implementations
 * should return a cached set and refresh it in the background, not ask tor each time.
 */
@FunctionalInterface
public interface ConsensusView {

    /**
     * 40-character upper-case hex fingerprints of the relays in the consensus. An empty set means "no
     * consensus known yet" and disables the cross-check rather than hiding every exit.
     */
    Set<String> fingerprints();
}
