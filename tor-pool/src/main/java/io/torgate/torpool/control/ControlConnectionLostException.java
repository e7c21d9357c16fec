package io.torgate.torpool.control;

/** The control connection is gone (tor exited, the socket broke, tor stopped answering, or we closed it). */
public final class ControlConnectionLostException extends TorControlException {
    public ControlConnectionLostException(String message) {
        super(message);
    }

    public ControlConnectionLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
