package io.torgate.torpool.pool;

import io.torgate.gateway.ConnectRequest;
import io.torgate.gateway.RouteRequest;
import io.torgate.gateway.RoutingException;
import io.torgate.gateway.SocksReply;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The default selector: the READY instance carrying the fewest live tunnels, ties broken round-robin so an
 * idle pool still spreads new sessions. It cannot choose exits, so requests naming countries, exclusions or
 * an exit relay are refused (0x02 / 403) rather than silently sent through an arbitrary exit.
 */
public final class FewestTunnelsSelector implements InstanceSelector {

    private final AtomicInteger rotation = new AtomicInteger();

    @Override
    public Candidate select(ConnectRequest request, List<Candidate> candidates) throws RoutingException {
        RouteRequest r = request.route();
        if (!r.countries().isEmpty() || !r.excluded().isEmpty() || r.exitFingerprint().isPresent()) {
            throw new RoutingException(SocksReply.NOT_ALLOWED_BY_RULESET, "exit_selection_unsupported",
                    "exit selection (country, exclude, exit) is not available with this tor pool");
        }
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
