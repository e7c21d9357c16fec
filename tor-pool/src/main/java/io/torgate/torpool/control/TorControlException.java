package io.torgate.torpool.control;

import java.io.IOException;

/** Tor refused a control command (a 5xx reply); the message names the command and carries tor's words. */
public class TorControlException extends IOException {
    public TorControlException(String message) {
        super(message);
    }

    public TorControlException(String message, Throwable cause) {
        super(message, cause);
    }
}
