package io.torgate.torpool.instance;

/** An instance could not become ready: it FAILED (the message says why) or was stopped first. */
public final class TorInstanceException extends Exception {
    public TorInstanceException(String message, Throwable cause) {
        super(message, cause);
    }
}
