package io.torgate.control.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SessionTableTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final SessionTable table = new SessionTable(now::get);
    private static final Duration TTL = Duration.ofMinutes(10);

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void newSessionsBeyondTheLimitAreRefusedButLiveOnesAreReused() {
        assertThat(table.tryUse("alice", "a", TTL, 2)).isTrue();
        assertThat(table.tryUse("alice", "b", TTL, 2)).isTrue();
        assertThat(table.tryUse("alice", "c", TTL, 2)).isFalse();
        assertThat(table.tryUse("alice", "a", TTL, 2)).as("a live session is not a new one").isTrue();
        assertThat(table.tryUse("bob", "c", TTL, 2)).as("limits are per user").isTrue();
        assertThat(table.liveSessions("alice")).isEqualTo(2);
        assertThat(table.liveSessions("bob")).isEqualTo(1);
        assertThat(table.liveSessions("carol")).isZero();
    }

    @Test
    void zeroMeansUnlimited() {
        for (int i = 0; i < 1000; i++) {
            assertThat(table.tryUse("alice", "s" + i, TTL, 0)).isTrue();
        }
        assertThat(table.liveSessions("alice")).isEqualTo(1000);
    }

    @Test
    void aSessionLivesItsTtlAfterItsLastRelease() {
        table.tryUse("alice", "a", TTL, 1);
        advance(Duration.ofHours(5));
        assertThat(table.liveSessions("alice")).as("in use: never expires").isEqualTo(1);
        table.release("alice", "a");
        advance(TTL.minusSeconds(1));
        assertThat(table.tryUse("alice", "b", TTL, 1)).isFalse();
        advance(Duration.ofSeconds(1));
        assertThat(table.liveSessions("alice")).isZero();
        assertThat(table.tryUse("alice", "b", TTL, 1)).isTrue();
    }

    @Test
    void aSessionWithTwoConnectionsLivesUntilBothEnded() {
        table.tryUse("alice", "a", TTL, 1);
        table.tryUse("alice", "a", TTL, 1);
        table.release("alice", "a");
        advance(TTL.multipliedBy(2));
        assertThat(table.liveSessions("alice")).isEqualTo(1);
        table.release("alice", "a");
        advance(TTL);
        assertThat(table.liveSessions("alice")).isZero();
    }

    @Test
    void theLatestTtlCounts() {
        table.tryUse("alice", "a", Duration.ofSeconds(30), 0);
        table.release("alice", "a");
        table.tryUse("alice", "a", Duration.ofHours(1), 0);
        table.release("alice", "a");
        advance(Duration.ofMinutes(30));
        assertThat(table.liveSessions("alice")).isEqualTo(1);
    }

    @Test
    void releasingUnknownSessionsIsHarmlessAndSweepForgetsExpiredUsers() {
        table.release("nobody", "x");
        table.tryUse("alice", "a", TTL, 0);
        table.release("alice", "a");
        table.release("alice", "a"); // a second release does not go below zero
        table.tryUse("bob", "b", TTL, 0);
        assertThat(table.sweep()).isEqualTo(2);
        advance(TTL);
        assertThat(table.sweep()).as("bob's session is still in use").isEqualTo(1);
        assertThat(table.tryUse("alice", "a2", TTL, 1)).as("alice's table was dropped and is made again").isTrue();
    }
}
