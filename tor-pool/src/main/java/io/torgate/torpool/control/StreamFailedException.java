package io.torgate.torpool.control;

/** Tor gave up on a stream before it succeeded (FAILED / CLOSED), or forgot it (restart); says why. */
public final class StreamFailedException extends Exception {
    public StreamFailedException(String message) {
        super(message, null, false, false);
    }
}
