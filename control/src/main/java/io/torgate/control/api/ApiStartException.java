package io.torgate.control.api;

/** The control API did not start: an unsafe configuration (see {@link #isConfigError()}) or a bind failure. */
public final class ApiStartException extends Exception {

    private final boolean configError;

    ApiStartException(String message, boolean configError, Throwable cause) {
        super(message, cause);
        this.configError = configError;
    }

    /** True when the operator must change the configuration (exit 2); false for a bind failure (exit 1). */
    public boolean isConfigError() {
        return configError;
    }
}
