package io.torgate.control.config;

/**
 * A setting's value and where it came from, so any later complaint about it can say where to fix it.
 *
 * @param value  the parsed value
 * @param source the source alone, e.g. {@code config file /etc/torgate.yaml}
 * @param where  the source and key, e.g. {@code config file /etc/torgate.yaml: limits.max_tunnels}
 */
public record Sourced(Object value, String source, String where) {

    /** A value given on the command line as {@code flag}. */
    public static Sourced flag(Object value, String flag) {
        return new Sourced(value, "option " + flag, "option " + flag);
    }
}
