package io.torgate.control;

import io.torgate.gateway.DirectRouter;
import io.torgate.gateway.Router;
import io.torgate.gateway.Socks5ChainRouter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;

/**
 * Where the gateway sends its tunnels: a pool of tor processes torgate manages (the default), straight to
 * the destination, or through one SOCKS5 server.
 */
public sealed interface Upstream {

    /** How the upstream is written on the command line and in the start-up line. */
    String describe();

    /** A pool of local tor instances that torgate launches and supervises ({@code --instances N}). */
    record TorPool() implements Upstream {
        @Override
        public String describe() {
            return "tor-pool";
        }
    }

    /** Dial every destination directly (no anonymity: for tests and development). */
    record Direct() implements Upstream {
        @Override
        public String describe() {
            return "direct";
        }

        /** The gateway router that dials each destination itself. */
        public Router router() {
            return new DirectRouter();
        }
    }

    /** Chain every tunnel through one SOCKS5 server, e.g. a Tor SocksPort. The host is resolved when used. */
    record Socks5(String host, int port) implements Upstream {
        public Socks5 {
            Objects.requireNonNull(host, "host");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
        }

        /**
         * The proxy's address, resolved now (it is operator configuration, not a client's destination).
         *
         * @throws IllegalArgumentException when the host does not resolve
         */
        public InetSocketAddress address() {
            InetSocketAddress address = new InetSocketAddress(host, port);
            if (address.isUnresolved()) {
                throw new IllegalArgumentException("upstream " + describe() + ": unknown host '" + host + "'");
            }
            return address;
        }

        @Override
        public String describe() {
            return "socks5://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }

        /**
         * The gateway router that chains every tunnel through this server.
         *
         * @throws IllegalArgumentException when the host does not resolve
         */
        public Router router() {
            return new Socks5ChainRouter(address());
        }
    }

    /**
     * Parses {@code tor-pool}, {@code direct} or {@code socks5://HOST:PORT}.
     *
     * @throws IllegalArgumentException naming the value and what is accepted
     */
    static Upstream parse(String value) {
        Objects.requireNonNull(value, "value");
        if (value.equals("direct")) {
            return new Direct();
        }
        if (value.equals("tor-pool")) {
            return new TorPool();
        }
        String accepted = "use tor-pool, direct or socks5://HOST:PORT";
        if (!value.startsWith("socks5://")) {
            throw new IllegalArgumentException("'" + value + "' is not an upstream; " + accepted);
        }
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + value + "' is not a valid socks5 URI (" + e.getReason() + "); "
                    + accepted);
        }
        if (uri.getHost() == null || uri.getPort() == -1) {
            throw new IllegalArgumentException("'" + value + "' needs a host and a port; " + accepted);
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("'" + value + "' carries user info, which is not supported; "
                    + accepted);
        }
        if ((uri.getRawPath() != null && !uri.getRawPath().isEmpty()) || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("'" + value + "' has a path, query or fragment; " + accepted);
        }
        if (uri.getPort() < 1 || uri.getPort() > 65535) {
            throw new IllegalArgumentException("'" + value + "' has port " + uri.getPort()
                    + ", outside 1-65535");
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new Socks5(host, uri.getPort());
    }
}
