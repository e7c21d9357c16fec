package io.torgate.control.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Log levels chosen on the command line (the format and INFO default live in logback.xml). */
final class Logging {

    private Logging() {
    }

    /** {@code --debug}: torgate's own loggers to DEBUG; libraries stay at INFO so the output stays readable. */
    static void enableDebug() {
        if (LoggerFactory.getLogger("io.torgate") instanceof Logger torgate) {
            torgate.setLevel(Level.DEBUG);
        }
    }
}
