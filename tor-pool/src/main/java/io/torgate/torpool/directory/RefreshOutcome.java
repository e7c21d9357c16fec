package io.torgate.torpool.directory;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What one refresh attempt did.
 *
 * @param kind         refreshed (a new document was stored), unchanged (304) or failed
 * @param startedAt    when the attempt started
 * @param duration     how long the fetch and the parsing took (the SQLite commit that follows is not included)
 * @param httpStatus   the HTTP status, or 0 when there was no HTTP answer (connection refused, timeout)
 * @param relayCount   relays stored by this refresh (refreshed), or in the kept directory (unchanged, failed)
 * @param skipped      records of the document that were skipped as invalid (refreshed only; 0 otherwise)
 * @param reason       why it failed; empty unless {@code kind == FAILED}
 * @param error        a human-readable description of the failure; empty unless failed
 */
public record RefreshOutcome(Kind kind, Instant startedAt, Duration duration, int httpStatus, int relayCount,
                             int skipped, Optional<FailureReason> reason, Optional<String> error) {

    /** The three ways a refresh can end. */
    public enum Kind { REFRESHED, UNCHANGED, FAILED }

    public RefreshOutcome {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(error, "error");
        if ((kind == Kind.FAILED) != reason.isPresent()) {
            throw new IllegalArgumentException("a reason is given exactly when the refresh failed: " + kind + " " + reason);
        }
    }

    static RefreshOutcome refreshed(Instant startedAt, Duration duration, int relayCount, int skipped) {
        return new RefreshOutcome(Kind.REFRESHED, startedAt, duration, 200, relayCount, skipped, Optional.empty(),
                Optional.empty());
    }

    static RefreshOutcome unchanged(Instant startedAt, Duration duration, int relayCount) {
        return new RefreshOutcome(Kind.UNCHANGED, startedAt, duration, 304, relayCount, 0, Optional.empty(),
                Optional.empty());
    }

    static RefreshOutcome failed(Instant startedAt, Duration duration, int httpStatus, int keptRelays,
                                 FailureReason reason, String error) {
        return new RefreshOutcome(Kind.FAILED, startedAt, duration, httpStatus, keptRelays, 0, Optional.of(reason),
                Optional.of(error));
    }

    public boolean isFailure() {
        return kind == Kind.FAILED;
    }
}
