package io.torgate.torpool.directory;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs refresh failures without flooding: the first failure of a streak (and a change of reason within it)
 * at WARN, repeats at DEBUG, and the recovery once at INFO. With retries every minute, an Onionoo outage of a
 * day is a handful of lines, not a thousand.
 */
final class FailureLog {

    private static final Logger log = LoggerFactory.getLogger(NodeDirectory.class);

    private FailureReason streakReason;
    private long streak;

    /** {@code nextIn}: until the next automatic refresh (a failed manual one leaves it where it was). */
    synchronized void failed(RefreshOutcome o, int keptRelays, String age, Duration nextIn, Throwable bug) {
        FailureReason reason = o.reason().orElseThrow();
        streak++;
        if (bug != null) {
            log.error("node directory refresh failed ({}): {}; keeping {} relays (age {}), next automatic refresh in {}",
                    reason, o.error().orElse(""), keptRelays, age, NodeDirectory.human(nextIn), bug);
        } else if (reason != streakReason) {
            log.warn("node directory refresh failed ({}): {}; keeping the last good directory ({} relays, age {}),"
                    + " next automatic refresh in {}; repeats of this failure are logged at DEBUG", reason,
                    o.error().orElse(""), keptRelays, age, NodeDirectory.human(nextIn));
        } else {
            log.debug("node directory refresh failed again ({}, {} in a row): {}", reason, streak, o.error().orElse(""));
        }
        streakReason = reason;
    }

    synchronized void succeeded(RefreshOutcome o) {
        if (streak > 0) {
            log.info("node directory refresh works again after {} failed attempts ({})", streak, o.kind());
        }
        streak = 0;
        streakReason = null;
    }
}
