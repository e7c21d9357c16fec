package io.torgate.torpool.pool;

import io.torgate.gateway.Tunnel;
import io.torgate.torpool.control.TorControl;
import io.torgate.torpool.instance.InstanceState;
import io.torgate.torpool.instance.TorInstance;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The router's bookkeeping for one pool instance: the exit profile its tor runs with, what uses it (live
 * tunnels, routes on their way, bound sessions) and when it was last used, for least-recently-used eviction.
 * Guarded by the router's lock; never touched elsewhere.
 */
final class Slot {

    final TorInstance instance;
    /** The profile applied on {@link #appliedOn}; a fresh tor (any restart) runs with {@link ExitProfile#ANY}. */
    ExitProfile profile = ExitProfile.ANY;
    /** The control connection the profile was set on; null when nothing was set on the current tor. */
    TorControl appliedOn;
    /**
     * Changes whenever circuits built before must not serve new connections (profile change, tor restart). It
     * is part of every isolation username routed here, so tor never attaches a new stream to an old circuit.
     */
    long generation;
    /** The profile being applied, with {@link #applying}; null when none. */
    ExitProfile target;
    CompletableFuture<Void> applying;
    final Set<Tunnel> tunnels = new HashSet<>();
    final Set<Session> bound = new HashSet<>();
    /** Routes handed out (or waiting for this slot) whose tunnel is not established or failed yet. */
    int pending;
    long lastUsedNanos;
    /** Watches a one-exit profile's circuits on {@link #appliedOn}; null for other profiles. */
    PinnedExitWatch watch;
    /** Taken out of the pool (being drained): never routed to again. */
    boolean retired;

    Slot(TorInstance instance, long nowNanos) {
        this.instance = instance;
        this.lastUsedNanos = nowNanos;
    }

    String name() {
        return instance.name();
    }

    /**
     * The profile is still the one tor runs with: the control connection it was set on is the current one
     * (a restarted tor has a new connection and none of our settings).
     */
    boolean profileCurrent() {
        return appliedOn == null || instance.control().orElse(null) == appliedOn;
    }

    /** In the pool, READY, with a SOCKS port, not being re-profiled. Resets a profile a restart has silently dropped. */
    boolean usable() {
        if (retired || instance.state() != InstanceState.READY || instance.socksAddress().isEmpty() || applying != null) {
            return false;
        }
        if (!profileCurrent()) {
            reset();
        }
        return true;
    }

    /** The tor restarted (or is about to): it runs with no exit profile and none of its circuits survive. */
    void reset() {
        detachWatch();
        profile = ExitProfile.ANY;
        appliedOn = null;
        generation++;
    }

    void detachWatch() {
        if (watch != null && appliedOn != null) {
            appliedOn.removeListener(watch);
        }
        watch = null;
    }

    @Override
    public String toString() {
        return name() + "[" + profile + ", gen " + generation + ", " + tunnels.size() + " tunnels, " + pending
                + " pending, " + bound.size() + " sessions" + (target != null ? ", becoming " + target : "") + "]";
    }
}
