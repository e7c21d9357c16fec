package io.torgate.torpool.control;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Which circuit and exit carried one SOCKS connection, matched by the connection's local port.
 *
 * @param streamId      tor's stream id
 * @param circuitId     the circuit it succeeded on
 * @param sourcePort    the local port of the SOCKS client's socket (tor's SOURCE_ADDR)
 * @param path          the circuit's hops, empty if tor never told us the circuit's path
 * @param socksUsername the isolation username of the stream, if any
 */
public record StreamExit(String streamId, String circuitId, int sourcePort, List<Hop> path,
                         Optional<String> socksUsername) {

    public StreamExit {
        Objects.requireNonNull(streamId, "streamId");
        Objects.requireNonNull(circuitId, "circuitId");
        path = List.copyOf(path);
        Objects.requireNonNull(socksUsername, "socksUsername");
    }

    /** The exit relay: the circuit's last hop. */
    public Optional<Hop> exit() {
        return path.isEmpty() ? Optional.empty() : Optional.of(path.get(path.size() - 1));
    }
}
