package io.torgate.gateway;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One client's CONNECT, handed to the {@link Router}.
 *
 * @param route       the parsed username options
 * @param destination where to go, unresolved
 * @param client      the client's address (for logs and limits, never sent upstream)
 * @param protocol    which front door it came through
 */
public record ConnectRequest(RouteRequest route, Destination destination, InetSocketAddress client, Protocol protocol) {

    public enum Protocol { SOCKS5, HTTP_CONNECT }

    public ConnectRequest {
        Objects.requireNonNull(route, "route");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(protocol, "protocol");
    }
}
