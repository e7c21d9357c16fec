package io.torgate.torpool.pool;

import io.torgate.gateway.ConnectRequest;
import io.torgate.gateway.RoutingException;
import java.util.List;

/**
 * Picks the instance for a new tunnel among READY instances whose exit profile fits the request equally well
 * (the router has already matched profiles to the request's countries, exclusions or exit relay). Called under
 * the router's lock on a Netty event loop: must be quick and must not block.
 */
@FunctionalInterface
public interface InstanceSelector {

    /**
     * @param candidates fitting READY instances, never empty, in pool order
     * @throws RoutingException to refuse the request with a specific reply
     */
    Candidate select(ConnectRequest request, List<Candidate> candidates) throws RoutingException;
}
