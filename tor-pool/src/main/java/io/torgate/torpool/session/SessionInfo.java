package io.torgate.torpool.session;

import io.torgate.gateway.Mode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of one sticky session.
 *
 * @param user          the account
 * @param session       the session id
 * @param mode          strict (exactly one exit, never switched silently) or flexible (moves within its group
 *                      when its exit goes)
 * @param countries     the exit countries asked for; empty = any
 * @param excluded      the countries excluded
 * @param pinnedExit    the exit a strict session keeps (every circuit it gets leaves there); empty for flexible
 *                      sessions, which keep their current exit while it runs
 * @param instance      the tor instance its circuit lives on, if it has one right now
 * @param exit          the exit of its circuit (what its connections use)
 * @param circuit       the circuit torgate built for it: hops, when it was built and how long that took
 * @param created       when its first connection arrived
 * @param lastUsed      when it was last used (a connection routed or closed)
 * @param ttl           how long it lives after its last use
 * @param expiresAt     when it expires unless used again; empty while tunnels are live (they keep it alive)
 * @param liveTunnels   its connections open right now
 * @param connections   connections routed so far
 * @param rotations     rotations so far
 * @param exitChanges   times a connection used a different exit from the one before
 * @param lastExitChange why the exit last changed (rotation, exit gone, instance restarted…), if it did
 * @param problem       why the session fails right now (its strict exit is gone, no instance free…), if it does
 */
public record SessionInfo(String user, String session, Mode mode, List<String> countries, List<String> excluded,
                          Optional<String> pinnedExit, Optional<String> instance, Optional<ExitInfo> exit,
                          Optional<CircuitInfo> circuit,
                          Instant created, Instant lastUsed, Duration ttl, Optional<Instant> expiresAt,
                          int liveTunnels, long connections, int rotations, int exitChanges,
                          Optional<String> lastExitChange, Optional<String> problem) {

    public SessionInfo {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(mode, "mode");
        countries = List.copyOf(countries);
        excluded = List.copyOf(excluded);
        Objects.requireNonNull(pinnedExit, "pinnedExit");
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(exit, "exit");
        Objects.requireNonNull(circuit, "circuit");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(lastUsed, "lastUsed");
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(lastExitChange, "lastExitChange");
        Objects.requireNonNull(problem, "problem");
    }
}
