package io.torgate.gateway;

import java.util.Objects;

/** A username whose routing options break the grammar. The message is the reason, safe to show the client. */
public final class RouteRequestException extends Exception {

    /** Bounded set of rejection reasons (metric label values). */
    public enum Reason {
        EMPTY_USER("empty_user"),
        UNKNOWN_KEY("unknown_key"),
        MISSING_VALUE("missing_value"),
        BAD_VALUE("bad_value"),
        DUPLICATE_KEY("duplicate_key"),
        INVALID_COMBINATION("invalid_combination");

        private final String label;

        Reason(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final Reason reason;

    public RouteRequestException(Reason reason, String message) {
        super(Objects.requireNonNull(message, "message"), null, false, false);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
