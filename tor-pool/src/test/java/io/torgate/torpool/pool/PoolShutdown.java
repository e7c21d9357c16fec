package io.torgate.torpool.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.gateway.Gateway;
import io.torgate.torpool.directory.NodeDirectory;
import java.util.List;

/** Ends what a pool test started, gateway first, and checks that no tor process of the pool outlives it. */
final class PoolShutdown {

    private PoolShutdown() {
    }

    /** The router's circuit machinery, then the gateway and pool, then the node directory; any may be null. */
    static void close(TorPoolRouter router, Gateway gateway, TorPool pool, NodeDirectory directory) {
        if (router != null) {
            router.close();
        }
        close(gateway, pool);
        if (directory != null) {
            directory.close();
        }
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
