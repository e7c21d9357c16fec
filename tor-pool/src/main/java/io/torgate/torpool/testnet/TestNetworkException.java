package io.torgate.torpool.testnet;

/** The test network could not be set up or did not come up in time; the message says which relay and why. */
public final class TestNetworkException extends Exception {
    public TestNetworkException(String message) {
        super(message);
    }

    public TestNetworkException(String message, Throwable cause) {
        super(message, cause);
    }
}
