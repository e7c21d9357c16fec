package io.torgate.torpool.pool;

import io.torgate.gateway.Mode;
import io.torgate.gateway.RouteRequest;
import io.torgate.gateway.Tunnel;
import io.torgate.torpool.session.ExitInfo;
import io.torgate.torpool.session.SessionInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * One sticky session: what it asked for, where it is bound, which exit it used. Guarded by the router's lock.
 * <p>
 * A session is either <em>pinned</em> to one exit (always when strict; a flexible one after a rotation or a
 * move), and then only goes to instances whose profile is exactly that exit, or it is an unpinned flexible
 * session that rides its isolation credential's circuit on a group instance, as long as that circuit lives.
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

    String pin;
    Slot slot;
    long slotGeneration;
    /** Bumped whenever the session must get a new circuit (rotation, move, re-binding); part of its username. */
    int epoch;

    ExitInfo exit;
    String circuitId;
    long circuitSinceNanos;

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
                Optional.ofNullable(slot).map(Slot::name), Optional.ofNullable(exit), created, lastUsed, ttl,
                tunnels.isEmpty() && pending == 0 ? Optional.of(lastUsed.plus(ttl)) : Optional.empty(),
                tunnels.size(), connections, rotations, exitChanges, Optional.ofNullable(lastExitChange),
                Optional.ofNullable(problem));
    }

    @Override
    public String toString() {
        return "session " + id + " of " + user;
    }
}
