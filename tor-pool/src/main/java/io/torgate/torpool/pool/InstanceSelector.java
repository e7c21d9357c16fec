package io.torgate.torpool.pool;

import io.torgate.gateway.ConnectRequest;
import io.torgate.gateway.RoutingException;
import java.util.List;

/**
 * Picks the instance for a new tunnel (or a new sticky session). The seam for exit selection: a geo-aware
 * or strict-exit selector looks at the request's countries / exit fingerprint and at what each instance is
 * configured to exit through. Called on a Netty event loop: must not block.
 */
@FunctionalInterface
public interface InstanceSelector {

    /**
     * @param candidates the READY instances, never empty, in pool order
     * @throws RoutingException to refuse the request with a specific reply
     */
    Candidate select(ConnectRequest request, List<Candidate> candidates) throws RoutingException;
}
