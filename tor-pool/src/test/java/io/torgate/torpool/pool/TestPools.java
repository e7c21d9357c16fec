package io.torgate.torpool.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.gateway.Gateway;
import java.util.List;

/** Shared teardown of the testnet tests that run a gateway in front of a pool. */
final class TestPools {

    private TestPools() {
    }

    /** Closes the gateway, then the pool, and checks that no tor process of the pool outlived it. */
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
