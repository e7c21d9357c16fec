package io.torgate.torpool.instance;

import static io.torgate.torpool.instance.InstanceState.BOOTSTRAPPING;
import static io.torgate.torpool.instance.InstanceState.DEGRADED;
import static io.torgate.torpool.instance.InstanceState.FAILED;
import static io.torgate.torpool.instance.InstanceState.READY;
import static io.torgate.torpool.instance.InstanceState.RESTARTING;
import static io.torgate.torpool.instance.InstanceState.STARTING;
import static io.torgate.torpool.instance.InstanceState.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure parts of supervision: the transition table, restart backoff/budget, the failure window. */
class SupervisionRulesTest {

    private static final long S = 1_000_000_000L;

    @Test
    void aCrashAndRecoveryWalksTheExpectedTransitionsAndTellsTheSinkEachOne() {
        List<String> seen = new ArrayList<>();
        InstanceStateMachine m = new InstanceStateMachine((from, to, why) -> seen.add(from + ">" + to + ":" + why));
        assertThat(m.current()).isEqualTo(STOPPED);
        m.moveTo(STARTING, "start");
        m.moveTo(BOOTSTRAPPING, "connected");
        m.moveTo(READY, "done");
        m.moveTo(RESTARTING, "crash");
        m.moveTo(STARTING, "again");
        m.moveTo(BOOTSTRAPPING, "connected");
        m.moveTo(DEGRADED, "stall");
        m.moveTo(READY, "recovered");
        m.moveTo(STOPPED, "stop");
        assertThat(seen).containsExactly("STOPPED>STARTING:start", "STARTING>BOOTSTRAPPING:connected",
                "BOOTSTRAPPING>READY:done", "READY>RESTARTING:crash", "RESTARTING>STARTING:again",
                "STARTING>BOOTSTRAPPING:connected", "BOOTSTRAPPING>DEGRADED:stall", "DEGRADED>READY:recovered",
                "READY>STOPPED:stop");
    }

    @Test
    void impossibleTransitionsAreRefusedLoudly() {
        InstanceStateMachine m = new InstanceStateMachine((f, t, w) -> { });
        assertThatThrownBy(() -> m.moveTo(READY, "skip ahead"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("STOPPED -> READY");
        assertThat(InstanceStateMachine.allowed(FAILED, READY)).isFalse();
        assertThat(InstanceStateMachine.allowed(FAILED, STARTING)).as("a manual start may retry").isTrue();
        assertThat(InstanceStateMachine.allowed(RESTARTING, READY)).isFalse();
        assertThat(InstanceStateMachine.allowed(STOPPED, STOPPED)).isFalse();
        for (InstanceState s : InstanceState.values()) {
            if (s.isRunning()) {
                assertThat(InstanceStateMachine.allowed(s, STOPPED)).as(s + " can be stopped").isTrue();
                assertThat(InstanceStateMachine.allowed(s, FAILED)).as(s + " can fail").isTrue();
            }
        }
    }

    @Test
    void backoffDoublesFromBaseUpToCap() {
        RestartBudget b = new RestartBudget(Duration.ofSeconds(1), Duration.ofSeconds(5), 10, Duration.ofMinutes(10));
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            delays.add(b.next(i * S).orElseThrow().toSeconds());
        }
        assertThat(delays).containsExactly(1L, 2L, 4L, 5L, 5L);
    }

    @Test
    void tooManyRestartsInTheWindowSpendTheBudgetAndOldOnesAgeOut() {
        RestartBudget b = new RestartBudget(Duration.ofSeconds(1), Duration.ofSeconds(60), 3, Duration.ofSeconds(100));
        assertThat(b.next(0)).isPresent();
        assertThat(b.next(10 * S)).isPresent();
        assertThat(b.next(20 * S)).isPresent();
        assertThat(b.next(30 * S)).as("fourth within 100 s").isEmpty();
        assertThat(b.next(101 * S)).as("the first aged out").hasValue(Duration.ofSeconds(4));
        assertThat(b.recent(500 * S)).isZero();
        assertThat(b.next(500 * S)).as("back to base after a quiet spell").hasValue(Duration.ofSeconds(1));
    }

    @Test
    void failureWindowTripsAtTheThresholdWithinTheWindowOnly() {
        EventWindow w = new EventWindow(3, Duration.ofSeconds(60));
        assertThat(w.record(0)).isFalse();
        assertThat(w.record(10 * S)).isFalse();
        assertThat(w.record(65 * S)).as("the first is older than 60 s by now").isFalse();
        assertThat(w.record(69 * S)).as("10 s, 65 s and 69 s are within 60 s").isTrue();
        w.clear();
        assertThat(w.count(69 * S)).isZero();
    }
}
