package io.torgate.control.cli;

/**
 * What the process exit status means. Config errors (2) are the operator's to fix before a retry; runtime
 * failures (1) may pass on their own (a port in use), so a supervisor may retry those.
 */
public final class ExitCodes {
    /** Clean stop (SIGTERM / SIGINT) or help printed. */
    public static final int OK = 0;
    /** The gateway failed at runtime, e.g. the listen address could not be bound. */
    public static final int RUNTIME_FAILURE = 1;
    /** Bad flag, bad users file, or a configuration the gateway refuses (e.g. public listener, no users). */
    public static final int CONFIG_ERROR = 2;

    private ExitCodes() {
    }
}
