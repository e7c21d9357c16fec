package io.torgate.gateway;

import java.util.Objects;

/**
 * Where a client asked to go, exactly as it asked. A {@link Kind#DOMAIN} host is never resolved by
 * torgate: it travels upstream as a name (socks5h semantics), so DNS happens at the Tor exit.
 */
public record Destination(String host, int port, Kind kind) {

    public enum Kind { IPV4, IPV6, DOMAIN }

    public Destination {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(kind, "kind");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /** host:port, with IPv6 literals bracketed. Contains the destination: redact before logging. */
    @Override
    public String toString() {
        return kind == Kind.IPV6 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
