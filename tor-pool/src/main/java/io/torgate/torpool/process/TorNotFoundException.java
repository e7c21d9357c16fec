package io.torgate.torpool.process;

/** The tor binary is missing or not runnable; the message says how to fix it. */
public final class TorNotFoundException extends Exception {
    public TorNotFoundException(String message) {
        super(message);
    }
}
