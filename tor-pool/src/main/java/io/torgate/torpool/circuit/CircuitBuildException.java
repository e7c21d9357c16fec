package io.torgate.torpool.circuit;

/** A circuit could not be built: no path fits, or every attempt failed (the message names the last reason). */
public final class CircuitBuildException extends Exception {

    private final String reason;

    public CircuitBuildException(String reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    /** A label from a small set, for metrics: a {@link NoPathException.Reason} label, tor's REASON, or timeout. */
    public String reason() {
        return reason;
    }
}
