package io.torgate.control.api;

/** Re-reads torgate's configuration file on {@code POST /config/reload}. */
@FunctionalInterface
public interface ConfigReloader {

    /**
     * Applies the configuration file as it is now.
     *
     * @return a short human summary of what changed
     * @throws IllegalArgumentException naming the bad key or value; the running configuration stays as it was
     */
    String reload();
}
