package io.torgate.control.cli;

/** A configuration the operator has to fix (bad users file, refused listener): exit status 2. */
final class ConfigException extends RuntimeException {
    ConfigException(String message) {
        super(message, null, false, false);
    }
}
