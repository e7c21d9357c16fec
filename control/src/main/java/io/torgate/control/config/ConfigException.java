package io.torgate.control.config;

/**
 * A configuration that cannot be used. The message names where the value came from (the file, an environment
 * variable), the key as a dotted path (e.g. {@code users.alice.allowed_countries[1]}) and why; it never quotes
 * a password or a token.
 */
public final class ConfigException extends Exception {

    public ConfigException(String message) {
        super(message, null, false, false);
    }
}
