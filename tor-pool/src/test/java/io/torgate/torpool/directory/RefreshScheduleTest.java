package io.torgate.torpool.directory;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RefreshScheduleTest {

    private static final Duration INTERVAL = Duration.ofMinutes(30);
    private static final Duration RETRY = Duration.ofMinutes(1);

    private final RefreshSchedule schedule = new RefreshSchedule(INTERVAL, RETRY);

    @Test
    void automaticFailuresBackOffByDoublingUpToTheInterval() {
        assertThat(schedule.retryDelay(1)).isEqualTo(Duration.ofMinutes(1));
        assertThat(schedule.retryDelay(2)).isEqualTo(Duration.ofMinutes(2));
        assertThat(schedule.retryDelay(5)).isEqualTo(Duration.ofMinutes(16));
        assertThat(schedule.retryDelay(6)).isEqualTo(INTERVAL);
        assertThat(schedule.retryDelay(500)).isEqualTo(INTERVAL);
        for (int n = 1; n <= 7; n++) {
            assertThat(schedule.after(true, true, false)).contains(schedule.retryDelay(n));
        }
        assertThat(schedule.automaticFailures()).isEqualTo(7);
        assertThat(schedule.after(false, true, false)).as("a success").contains(INTERVAL);
        assertThat(schedule.automaticFailures()).isZero();
    }

    @Test
    void failedManualRefreshesLeaveThePendingRetryAndTheBackoffAlone() {
        assertThat(schedule.after(true, true, false)).contains(Duration.ofMinutes(1));
        for (int i = 0; i < 5; i++) {
            assertThat(schedule.after(true, false, true)).as("keep the retry due within the minute").isEmpty();
        }
        assertThat(schedule.automaticFailures()).isEqualTo(1);
        assertThat(schedule.after(true, true, false)).as("the second automatic failure").contains(Duration.ofMinutes(2));
    }

    @Test
    void aManualSuccessStartsTheIntervalAfreshAndEndsTheBackoff() {
        schedule.after(true, true, false);
        schedule.after(true, true, false);
        assertThat(schedule.after(false, false, true)).contains(INTERVAL);
        assertThat(schedule.after(true, true, false)).as("backoff starts over").contains(RETRY);
    }

    @Test
    void aFailedManualRefreshWithNothingScheduledSchedulesTheNextRetryWithoutCountingIt() {
        assertThat(schedule.after(true, false, false)).contains(RETRY);
        assertThat(schedule.automaticFailures()).isZero();
    }

    @Test
    void overAnyHistoryTheNextAutomaticRefreshIsAtMostTheIntervalAwayAndFailedManualOnesMoveNothing() {
        Random random = new Random(42);
        long now = 0;
        long due = -1; // not scheduled yet
        for (int step = 0; step < 10_000; step++) {
            boolean timerFires = due >= 0 && random.nextInt(3) == 0;
            if (timerFires) {
                now = due;
            } else {
                long until = due >= 0 ? due - now : INTERVAL.toMillis();
                now += until <= 0 ? 0 : (long) (random.nextDouble() * until);
            }
            boolean failed = random.nextInt(4) != 0;
            long before = due;
            Optional<Duration> next = schedule.after(failed, timerFires, due > now);
            if (next.isPresent()) {
                due = now + next.get().toMillis();
            }
            assertThat(due - now).as("step %d", step).isBetween(0L, INTERVAL.toMillis());
            if (timerFires) {
                assertThat(next).as("the timer's attempt schedules the next").isPresent();
            } else if (failed && before > now) {
                assertThat(due).as("step %d: a failed manual refresh moves nothing", step).isEqualTo(before);
            }
        }
    }
}
