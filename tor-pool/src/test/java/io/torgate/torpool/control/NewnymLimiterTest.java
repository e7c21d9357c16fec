package io.torgate.torpool.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The limiter's timing with a hand-driven clock and scheduler: no waiting, every step explicit. */
class NewnymLimiterTest {

    private static final long SECOND = 1_000_000_000L;

    private long now = 1_000 * SECOND;
    private final List<long[]> scheduledAt = new ArrayList<>();
    private final List<Runnable> scheduled = new ArrayList<>();
    private final List<CompletableFuture<Void>> signals = new ArrayList<>();

    private final NewnymLimiter limiter = new NewnymLimiter(Duration.ofSeconds(10), () -> now,
            (task, delay) -> {
                scheduled.add(task);
                scheduledAt.add(new long[] {now + delay});
            },
            () -> {
                CompletableFuture<Void> f = new CompletableFuture<>();
                signals.add(f);
                return f;
            });

    @Test
    void theFirstRequestIsSentAtOnceAndCompletesWhenTorAnswers() {
        CompletableFuture<Instant> r = limiter.request();
        assertThat(signals).hasSize(1);
        assertThat(r).isNotDone();
        signals.get(0).complete(null);
        assertThat(r).isCompleted();
    }

    @Test
    void requestsWhileASignalIsOnTheWireJoinIt() {
        CompletableFuture<Instant> a = limiter.request();
        CompletableFuture<Instant> b = limiter.request();
        assertThat(signals).hasSize(1);
        assertThat(b).isSameAs(a);
        assertThat(limiter.requestsCoalesced()).isEqualTo(1);
    }

    @Test
    void aSecondRequestWithinTenSecondsIsDeferredUntilTorWillActAndFurtherOnesJoinIt() {
        limiter.request();
        signals.get(0).complete(null); // tor accepted at t=1000 s
        now += 3 * SECOND;
        CompletableFuture<Instant> second = limiter.request();
        CompletableFuture<Instant> third = limiter.request();
        assertThat(signals).as("nothing sent inside the 10 s window").hasSize(1);
        assertThat(scheduled).hasSize(1);
        assertThat(scheduledAt.get(0)[0]).as("due exactly 10 s after the accepted one").isEqualTo(1_010 * SECOND);
        assertThat(third).isSameAs(second);

        now = 1_010 * SECOND;
        scheduled.get(0).run();
        assertThat(signals).hasSize(2);
        signals.get(1).complete(null);
        assertThat(second).isCompleted();
        assertThat(limiter.signalsSent()).isEqualTo(2);
        assertThat(limiter.requestsCoalesced()).isEqualTo(1);
    }

    @Test
    void afterTheIntervalARequestGoesOutAtOnce() {
        limiter.request();
        signals.get(0).complete(null);
        now += 10 * SECOND;
        limiter.request();
        assertThat(signals).hasSize(2);
        assertThat(scheduled).isEmpty();
    }

    @Test
    void aRefusedSignalFailsItsRequestsAndDoesNotStartTheWindow() {
        CompletableFuture<Instant> r = limiter.request();
        signals.get(0).completeExceptionally(new ControlConnectionLostException("gone"));
        assertThat(r).isCompletedExceptionally();
        limiter.request();
        assertThat(signals).as("no accepted signal, so no wait").hasSize(2);
    }
}
