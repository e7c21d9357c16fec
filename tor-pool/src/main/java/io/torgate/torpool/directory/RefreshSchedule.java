package io.torgate.torpool.directory;

import java.time.Duration;
import java.util.Optional;

/**
 * When the next automatic refresh comes, decided after each attempt.
 * <ul>
 *   <li>A success (refreshed or unchanged), automatic or manual: the refresh interval from now.</li>
 *   <li>A failed automatic attempt: retry after the retry interval, doubling per automatic failure in a row,
 *       at most the refresh interval.</li>
 *   <li>A failed manual attempt ({@link NodeDirectory#refreshNow()}, e.g. {@code POST /nodes/refresh}): the
 *       automatic refresh already scheduled stays where it is, and the failure does not count towards the
 *       backoff. Otherwise a few failed clicks during an outage would push the automatic retries out to the
 *       full interval, when they are what brings the directory back.</li>
 * </ul>
 * So the next automatic refresh is never more than the refresh interval away, whatever anyone does. An attempt
 * that the timer started, or joined while a manual one was running, counts as automatic. Pure: the caller
 * (the directory, under its lock) does the scheduling.
 */
final class RefreshSchedule {

    private final Duration refreshInterval;
    private final Duration retryInterval;
    private long automaticFailures;

    /** {@code retryInterval} at most {@code refreshInterval}, as {@link NodeDirectoryConfig} ensures. */
    RefreshSchedule(Duration refreshInterval, Duration retryInterval) {
        this.refreshInterval = refreshInterval;
        this.retryInterval = retryInterval;
    }

    /**
     * The delay from now to the next automatic refresh after this attempt, or empty to keep the one that is
     * scheduled ({@code automaticPending}).
     */
    Optional<Duration> after(boolean failed, boolean automatic, boolean automaticPending) {
        if (!failed) {
            automaticFailures = 0;
            return Optional.of(refreshInterval);
        }
        if (automatic) {
            automaticFailures++;
            return Optional.of(retryDelay(automaticFailures));
        }
        // Manual: nothing pending only before the timer was ever started; then the first retry's delay.
        return automaticPending ? Optional.empty() : Optional.of(retryDelay(automaticFailures + 1));
    }

    /** Automatic failures in a row, the backoff's exponent. */
    long automaticFailures() {
        return automaticFailures;
    }

    /** retryInterval × 2^(n-1) for the n-th failure in a row, at most the refresh interval. */
    Duration retryDelay(long consecutive) {
        Duration d = retryInterval;
        for (long i = 1; i < consecutive && d.compareTo(refreshInterval) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(refreshInterval) > 0 ? refreshInterval : d;
    }
}
