package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TunnelRegistryTest {

    @Test
    void enforcesTotalAndPerUserLimits() {
        TunnelRegistry registry = new TunnelRegistry(3, 2);
        assertThat(registry.tryAcquire("alice")).isNull();
        assertThat(registry.tryAcquire("alice")).isNull();
        assertThat(registry.tryAcquire("alice")).isEqualTo("per_user");
        assertThat(registry.tryAcquire("bob")).isNull();
        assertThat(registry.tryAcquire("carol")).isEqualTo("total");
        registry.release("alice");
        assertThat(registry.tryAcquire("carol")).isNull();
        assertThat(registry.active()).isEqualTo(3);
    }

    @Test
    void zeroMeansUnlimited() {
        TunnelRegistry registry = new TunnelRegistry(0, 0);
        for (int i = 0; i < 1000; i++) {
            assertThat(registry.tryAcquire("alice")).isNull();
        }
    }

    @Test
    void releasingTwiceIsABug() {
        TunnelRegistry registry = new TunnelRegistry(0, 0);
        registry.tryAcquire("alice");
        registry.release("alice");
        assertThatThrownBy(() -> registry.release("alice")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void awaitIdleReturnsWhenTheLastSlotIsReleased() throws Exception {
        TunnelRegistry registry = new TunnelRegistry(0, 0);
        registry.tryAcquire("alice");
        assertThat(registry.awaitIdle(Duration.ofMillis(50))).isFalse();
        CompletableFuture<Boolean> idle = CompletableFuture.supplyAsync(() -> {
            try {
                return registry.awaitIdle(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        registry.release("alice");
        assertThat(idle.get(10, TimeUnit.SECONDS)).isTrue();
    }
}
