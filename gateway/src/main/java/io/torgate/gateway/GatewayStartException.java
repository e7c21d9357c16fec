package io.torgate.gateway;

/** The gateway refused to start; the message says why in words an operator can act on. */
public final class GatewayStartException extends Exception {
    public GatewayStartException(String message) {
        super(message);
    }

    public GatewayStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
