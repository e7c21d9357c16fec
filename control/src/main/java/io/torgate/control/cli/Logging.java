package io.torgate.control.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Log levels chosen by configuration (the format and INFO default live in logback.xml). */
final class Logging {

    private Logging() {
    }

    /** {@code --debug}: torgate's own loggers to DEBUG; libraries stay at INFO so the output stays readable. */
    static void enableDebug() {
        debug(true);
    }

    /** Turns torgate's DEBUG logging on or off (a reload may change {@code logging.debug}). */
    static void debug(boolean on) {
        if (LoggerFactory.getLogger("io.torgate") instanceof Logger torgate) {
            torgate.setLevel(on ? Level.DEBUG : null); // null: inherit the root level again
        }
    }
}
