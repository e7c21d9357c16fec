package io.torgate.torpool.directory;

import java.util.Objects;

/** A refresh step failed for a known {@link FailureReason}; the message says what exactly, for the log. */
final class FetchException extends Exception {

    private final FailureReason reason;
    private final int httpStatus;

    FetchException(FailureReason reason, int httpStatus, String message) {
        this(reason, httpStatus, message, null);
    }

    FetchException(FailureReason reason, int httpStatus, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.httpStatus = httpStatus;
    }

    FailureReason reason() {
        return reason;
    }

    /** The HTTP status of the answer, 0 when there was none. */
    int httpStatus() {
        return httpStatus;
    }
}
