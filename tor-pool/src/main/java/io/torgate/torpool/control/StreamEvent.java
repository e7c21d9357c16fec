package io.torgate.torpool.control;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A stream's status, from a {@code STREAM} event or a line of {@code GETINFO stream-status}:
 * {@code 12 SUCCEEDED 7 10.0.0.1:80 SOURCE_ADDR=127.0.0.1:45678 PURPOSE=USER SOCKS_USERNAME="u" …}.
 * The target is kept for bookkeeping but left out of {@link #toString()} so it cannot reach a log by
 * accident; the SOCKS password is not kept at all.
 *
 * @param id            tor's stream id
 * @param status        what happened
 * @param circuitId     the circuit carrying it; "0" until tor attaches it (SENTCONNECT / SUCCEEDED)
 * @param target        where it goes, as tor wrote it ({@code host:port})
 * @param sourceAddress the SOCKS client's address ({@code SOURCE_ADDR}), e.g. {@code 127.0.0.1:45678}
 * @param purpose       e.g. USER, DIR_FETCH; empty when tor did not say
 * @param socksUsername the isolation username, if any
 * @param reason        why it FAILED, CLOSED or was DETACHED, if given ({@code END} when the exit ended it)
 * @param remoteReason  the exit's own reason when {@code reason} is {@code END}, e.g. {@code RESOLVEFAILED}
 */
public record StreamEvent(
        String id,
        Status status,
        String circuitId,
        String target,
        Optional<String> sourceAddress,
        String purpose,
        Optional<String> socksUsername,
        Optional<String> reason,
        Optional<String> remoteReason) {

    public enum Status { NEW, NEWRESOLVE, REMAP, SENTCONNECT, SENTRESOLVE, SUCCEEDED, FAILED, CLOSED, DETACHED,
        CONTROLLER_WAIT, XOFF_SENT, XOFF_RECV, XON_SENT, XON_RECV, UNKNOWN;

        static Status of(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return UNKNOWN;
            }
        }
    }

    public StreamEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(circuitId, "circuitId");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(sourceAddress, "sourceAddress");
        Objects.requireNonNull(purpose, "purpose");
        Objects.requireNonNull(socksUsername, "socksUsername");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(remoteReason, "remoteReason");
    }

    /**
     * Parses the part after {@code STREAM }.
     *
     * @throws IllegalArgumentException when the line lacks id, status, circuit and target
     */
    public static StreamEvent parse(String line) {
        ControlLine l = ControlLine.parse(line);
        if (l.args().size() < 4) {
            throw new IllegalArgumentException("not a stream status line: '" + line + "'");
        }
        return new StreamEvent(l.args().get(0), Status.of(l.args().get(1)), l.args().get(2), l.args().get(3),
                l.keyword("SOURCE_ADDR"), l.keyword("PURPOSE").orElse(""), l.keyword("SOCKS_USERNAME"),
                l.keyword("REASON"), l.keyword("REMOTE_REASON"));
    }

    /** The port of {@code SOURCE_ADDR}: the local port of the SOCKS client's socket. */
    public OptionalInt sourcePort() {
        if (sourceAddress.isEmpty()) {
            return OptionalInt.empty();
        }
        String a = sourceAddress.get();
        int colon = a.lastIndexOf(':');
        try {
            return colon < 0 ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(a.substring(colon + 1)));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /** Whether tor has attached the stream to a circuit. */
    public boolean isAttached() {
        return !circuitId.isEmpty() && !"0".equals(circuitId);
    }

    @Override
    public String toString() {
        return "StreamEvent[id=" + id + ", status=" + status + ", circuit=" + circuitId
                + ", source=" + sourceAddress.orElse("?") + ", purpose=" + purpose
                + reason.map(r -> ", reason=" + r).orElse("")
                + remoteReason.map(r -> ", remoteReason=" + r).orElse("") + "]";
    }
}
