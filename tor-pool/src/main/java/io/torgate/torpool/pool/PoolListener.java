package io.torgate.torpool.pool;

import io.torgate.torpool.instance.TorInstance;

/**
 * Hears instances join and leave a {@link TorPool} (scaling), so whoever keeps per-instance bookkeeping (the
 * router's tunnel sets, metrics) can follow. Called on the thread that changed the pool, after the change:
 * must be quick and must not wait on the instance.
 */
public interface PoolListener {

    /** The instance is now part of the pool (not necessarily started yet). */
    default void instanceAdded(TorInstance instance) { }

    /**
     * The instance left the pool: the router no longer picks it for new tunnels. It may still be running and
     * carrying tunnels while whoever removed it drains and stops it.
     */
    default void instanceRemoved(TorInstance instance) { }
}
