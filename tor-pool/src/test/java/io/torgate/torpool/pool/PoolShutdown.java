package io.torgate.torpool.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.gateway.Gateway;
import java.util.List;

/** Ends what a pool test started, gateway first, and checks that no tor process of the pool outlives it. */
final class PoolShutdown {

    private PoolShutdown() {
    }

    /** Either may be null (the test failed before starting it). */
    static void close(Gateway gateway, TorPool pool) {
        if (gateway != null) {
            gateway.close();
        }
        if (pool != null) {
            List<Long> pids = pool.instances().stream().flatMap(i -> i.pid().stream().boxed()).toList();
            pool.close();
            assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty());
        }
    }
}
