package io.torgate.torpool.pool;

import io.torgate.gateway.ConnectRequest;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The default selector: the instance carrying the fewest live tunnels, ties broken round-robin so an idle pool
 * still spreads new sessions.
 */
public final class FewestTunnelsSelector implements InstanceSelector {

    private final AtomicInteger rotation = new AtomicInteger();

    @Override
    public Candidate select(ConnectRequest request, List<Candidate> candidates) {
        int n = candidates.size();
        int start = Math.floorMod(rotation.getAndIncrement(), n);
        Candidate best = null;
        for (int k = 0; k < n; k++) {
            Candidate c = candidates.get((start + k) % n);
            if (best == null || c.liveTunnels() < best.liveTunnels()) {
                best = c;
            }
        }
        return best;
    }
}
