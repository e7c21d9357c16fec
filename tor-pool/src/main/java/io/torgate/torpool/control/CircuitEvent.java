package io.torgate.torpool.control;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A circuit's status, from a {@code CIRC} event or a line of {@code GETINFO circuit-status} (same syntax):
 * {@code 5 BUILT $FP~a0,$FP~m1,$FP~e0 BUILD_FLAGS=NEED_CAPACITY PURPOSE=GENERAL SOCKS_USERNAME="u" …}.
 * The SOCKS password is deliberately not kept.
 *
 * @param id            tor's circuit id (a decimal string, unique within one tor run)
 * @param status        what happened
 * @param path          hops in order, the last is the exit for a general-purpose circuit; may be empty
 *                      (LAUNCHED) or partial (EXTENDED)
 * @param buildFlags    e.g. NEED_CAPACITY, IS_INTERNAL, ONEHOP_TUNNEL
 * @param purpose       e.g. GENERAL, HS_CLIENT_REND; empty when tor did not say
 * @param socksUsername the isolation username the circuit was built for, if any
 * @param reason        why it FAILED or CLOSED, if given
 * @param remoteReason  the reason a relay further on gave when it destroyed the circuit ({@code REMOTE_REASON}), if
 *                      one did
 */
public record CircuitEvent(
        String id,
        Status status,
        List<Hop> path,
        Set<String> buildFlags,
        String purpose,
        Optional<String> socksUsername,
        Optional<String> reason,
        Optional<String> remoteReason) {

    public enum Status { LAUNCHED, BUILT, GUARD_WAIT, EXTENDED, FAILED, CLOSED, UNKNOWN;

        static Status of(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return UNKNOWN;
            }
        }
    }

    public CircuitEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        path = List.copyOf(path);
        buildFlags = Set.copyOf(buildFlags);
        Objects.requireNonNull(purpose, "purpose");
        Objects.requireNonNull(socksUsername, "socksUsername");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(remoteReason, "remoteReason");
    }

    /**
     * Parses the part after {@code CIRC }.
     *
     * @throws IllegalArgumentException when the line lacks an id and a status
     */
    public static CircuitEvent parse(String line) {
        ControlLine l = ControlLine.parse(line);
        if (l.args().size() < 2) {
            throw new IllegalArgumentException("not a circuit status line: '" + line + "'");
        }
        List<Hop> path = l.arg(2).map(Hop::parsePath).orElse(List.of());
        Set<String> flags = l.keyword("BUILD_FLAGS")
                .map(f -> Set.of(f.split(",")))
                .orElse(Set.of());
        return new CircuitEvent(l.args().get(0), Status.of(l.args().get(1)), path, flags,
                l.keyword("PURPOSE").orElse(""), l.keyword("SOCKS_USERNAME"), l.keyword("REASON"),
                l.keyword("REMOTE_REASON"));
    }

    /** The last hop: the exit of a general-purpose circuit. */
    public Optional<Hop> lastHop() {
        return path.isEmpty() ? Optional.empty() : Optional.of(path.get(path.size() - 1));
    }

    /**
     * True for circuits that can carry user streams to the outside (not internal, not one-hop dir fetches).
     * Since tor 0.4.8 many of them are conflux legs (PURPOSE=CONFLUX_UNLINKED / CONFLUX_LINKED); the legs of a
     * set share their exit, so the last hop still names the exit.
     */
    public boolean isGeneralExitCircuit() {
        return ("GENERAL".equals(purpose) || purpose.isEmpty() || purpose.startsWith("CONFLUX_"))
                && !buildFlags.contains("IS_INTERNAL") && !buildFlags.contains("ONEHOP_TUNNEL");
    }

    /** Reasons a circuit ends unbuilt that say nothing about the network's health. */
    private static final Set<String> BENIGN_FAILURE_REASONS = Set.of(
            "FINISHED",            // a NEWNYM (ours or anyone's) discarded circuits still being built
            "REQUESTED",           // a controller closed it
            "MEASUREMENT_EXPIRED", // tor's own build-time measurement circuits
            "IP_NOW_REDUNDANT");   // onion-service introduction point no longer needed

    /**
     * A FAILED circuit whose reason points at the network or a relay (NOPATH, DESTROYED, TIMEOUT,
     * CHANNEL_CLOSED, …) rather than at a deliberate discard: what a health check should count.
     */
    public boolean isHealthFailure() {
        return status == Status.FAILED && !reason.map(BENIGN_FAILURE_REASONS::contains).orElse(false);
    }

    /**
     * A health failure that points at this tor itself (its guard link, its network), not at a relay further on. A
     * failure a relay reported ({@code REMOTE_REASON}, e.g. a middle that could not reach a dead exit) says nothing
     * about the instance when torgate chose the path (it builds circuits through exits users name, dead or not).
     */
    public boolean blamesThisTor() {
        return isHealthFailure() && remoteReason.isEmpty();
    }

    /** BUILT, FAILED and CLOSED end or settle a circuit; the others are steps on the way. */
    public boolean isTerminal() {
        return status == Status.FAILED || status == Status.CLOSED;
    }
}
