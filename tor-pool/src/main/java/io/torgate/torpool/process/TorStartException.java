package io.torgate.torpool.process;

/** tor refused to start (bad option, port in use, …); the message carries tor's own words. */
public final class TorStartException extends Exception {
    public TorStartException(String message) {
        super(message);
    }

    public TorStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
