package io.torgate.torpool.pool;

import io.torgate.gateway.Tunnel;
import io.torgate.torpool.control.StreamExit;
import io.torgate.torpool.instance.TorInstance;

/**
 * Hears which instance and exit relay carry each tunnel, once tor reports the stream SUCCEEDED (for metrics,
 * session bookkeeping, tests). Called on the instance's control reader thread: must be quick, must not block.
 */
@FunctionalInterface
public interface ExitListener {
    void exitLearned(Tunnel tunnel, TorInstance instance, StreamExit exit);
}
