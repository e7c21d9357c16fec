package io.torgate.torpool.pool;

import io.torgate.gateway.Mode;
import io.torgate.gateway.RouteRequest;
import io.torgate.gateway.Tunnel;
import io.torgate.torpool.circuit.BuiltCircuit;
import io.torgate.torpool.session.CircuitInfo;
import io.torgate.torpool.session.ExitInfo;
import io.torgate.torpool.session.SessionInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One sticky session: what it asked for, the instance and circuit it rides, which exit that circuit leaves
 * through. Guarded by the router's lock.
 * <p>
 * Its connections go down one circuit torgate built for it alone (its {@link #circuitKey()}). A strict session is
 * <em>pinned</em> to one exit: every circuit it ever gets leaves there, and it fails rather than move. A flexible
 * one keeps the exit of its first circuit while that exit runs, and only then moves within its group.
 */
final class Session {

    final String key;
    final String user;
    final String id;
    final ExitDemand demand;
    final Mode mode;
    /** The stable part of the isolation username (HMAC of user, session and options). */
    final String credentialUser;
    final String credentialPassword;
    final Instant created;
    Duration ttl;

    /** The exit a strict session keeps (set on its first connection, moved only by rotation); null if flexible. */
    String pin;
    /** The instance its circuit lives on; null until routed, and again when that instance leaves service. */
    String instance;
    /** Bumped whenever the session must get a new circuit through another exit (rotation, move). */
    int epoch;

    /** The exit of its current circuit (what its connections use). */
    ExitInfo exit;
    /** Its current circuit, as built (hops, age, build time). */
    BuiltCircuit circuit;
    /** Exits its next circuit must avoid (the one it just moved away from). */
    Set<String> avoid = Set.of();
    /** The destination port of its latest connection: a rotation's new circuit is built towards it. */
    int lastPort = 443;

    long lastUsedNanos;
    Instant lastUsed;
    final Set<Tunnel> tunnels = new HashSet<>();
    int pending;
    long connections;
    int rotations;
    int exitChanges;
    String lastExitChange;
    /** Why the next exit change happens (set by rotation or a move), recorded when it is seen. */
    String expectedChange;
    String problem;

    Session(String key, RouteRequest r, String credentialUser, String credentialPassword, long nowNanos, Instant now) {
        this.key = key;
        this.user = r.user();
        this.id = r.session().orElseThrow();
        this.demand = ExitDemand.of(r);
        this.mode = r.exitFingerprint().isPresent() ? Mode.STRICT : r.mode();
        this.credentialUser = credentialUser;
        this.credentialPassword = credentialPassword;
        this.created = now;
        this.ttl = r.ttl();
        touch(nowNanos, now);
    }

    /** Length-prefixed, so no user/session pair can collide with another whatever characters they hold. */
    static String key(String user, String session) {
        return user.length() + ":" + user + session;
    }

    boolean sameOptions(RouteRequest r) {
        Mode m = r.exitFingerprint().isPresent() ? Mode.STRICT : r.mode();
        return demand.equals(ExitDemand.of(r)) && mode == m;
    }

    /**
     * The isolation key of its circuit: the SOCKS username its connections give the instance, which the attacher
     * maps to the circuit. A new epoch is a new key, hence a new circuit.
     */
    String circuitKey() {
        return credentialUser + "-e" + epoch;
    }

    /** The exit its next circuit must keep: the pin (strict), else the current exit (flexible), else none yet. */
    String heldExit() {
        return pin != null ? pin : exit == null ? null : exit.fingerprint();
    }

    boolean strict() {
        return mode == Mode.STRICT;
    }

    void touch(long nowNanos, Instant now) {
        lastUsedNanos = nowNanos;
        lastUsed = now;
    }

    /** Its ttl has passed since its last use, and nothing of it is open or on its way. */
    boolean expired(long nowNanos) {
        return tunnels.isEmpty() && pending == 0 && nowNanos - lastUsedNanos > ttl.toNanos();
    }

    SessionInfo snapshot() {
        return new SessionInfo(user, id, mode, demand.countries(), demand.excluded(), Optional.ofNullable(pin),
                Optional.ofNullable(instance), Optional.ofNullable(exit), Optional.ofNullable(circuit).map(Session::info), created, lastUsed, ttl,
                tunnels.isEmpty() && pending == 0 ? Optional.of(lastUsed.plus(ttl)) : Optional.empty(),
                tunnels.size(), connections, rotations, exitChanges, Optional.ofNullable(lastExitChange),
                Optional.ofNullable(problem));
    }

    private static CircuitInfo info(BuiltCircuit c) {
        List<CircuitInfo.Hop> hops = c.path().hops().stream()
                .map(n -> new CircuitInfo.Hop(n.fingerprint(), n.nickname())).toList();
        return new CircuitInfo(c.id(), hops, c.builtAt(), c.buildTime());
    }

    @Override
    public String toString() {
        return "session " + id + " of " + user;
    }
}
