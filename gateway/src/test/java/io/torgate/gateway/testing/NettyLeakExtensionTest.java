package io.torgate.gateway.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

/** The leak extension must be able to fail: a dropped buffer is reported and turns into an AssertionError. */
class NettyLeakExtensionTest {

    @Test
    void aBufferThatIsNeverReleasedIsReported() {
        leakOneBuffer();
        assertThat(LeakReports.collectAfterGc())
                .isNotEmpty()
                .allSatisfy(report -> assertThat(report).contains("LEAK:"));
    }

    @Test
    void theExtensionFailsATestThatLeaked() {
        leakOneBuffer();
        assertThatThrownBy(() -> new NettyLeakExtension().afterEach(null))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("leaked buffer")
                .hasMessageContaining("LEAK:");
    }

    @Test
    void aPerClassTestIsCheckedAfterItsClassAndStillFailsOnALeak() {
        @LeakCheckPerClass
        class Pure {
        }
        assertThat(NettyLeakExtension.checksEachTest(Pure.class)).isFalse();
        assertThat(NettyLeakExtension.checksEachTest(NettyLeakExtensionTest.class)).isTrue();
        leakOneBuffer(); // in its own frame, so nothing here keeps it reachable
        assertThatThrownBy(() -> new NettyLeakExtension().afterAll(null))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("LEAK:");
    }

    @Test
    void releasedBuffersAreNotReported() {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        buf.writeLong(42);
        buf.release();
        assertThat(LeakReports.collectAfterGc()).isEmpty();
    }

    private static void leakOneBuffer() {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        buf.writeLong(42);
        // Dropped without release(): exactly what the extension exists to catch.
    }
}
