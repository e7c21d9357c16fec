package io.torgate.control.config;

/**
 * Logging.
 *
 * @param debug           torgate's loggers at DEBUG (changes live on reload)
 * @param logDestinations destinations (host:port) appear in logs; otherwise redacted (needs a restart)
 */
public record LoggingSettings(boolean debug, boolean logDestinations) {
}
