package io.torgate.gateway;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts tunnel slots against the total and per-user limits, and knows the live tunnels so shutdown can wait
 * for them and close the rest.
 * <p>
 * A slot is taken when a CONNECT request arrives (before routing) and given back when the attempt fails or the
 * tunnel ends, so a flood of slow connects cannot get around the limits. Called from every event loop; the
 * counters are guarded by this object's monitor, which is held only for a few arithmetic operations.
 */
final class TunnelRegistry {

    static final String LIMIT_TOTAL = "total";
    static final String LIMIT_PER_USER = "per_user";

    private int maxTotal;
    private int maxPerUser;
    private final Map<String, Integer> perUser = new HashMap<>();
    private final Set<RelayTunnel> live = ConcurrentHashMap.newKeySet();
    private int total;

    TunnelRegistry(int maxTotal, int maxPerUser) {
        this.maxTotal = maxTotal;
        this.maxPerUser = maxPerUser;
    }

    /**
     * New limits for slots taken from now on (a reload). Slots already held are kept even when they exceed the
     * new limits: lowering a limit refuses new tunnels, it never cuts live ones.
     */
    synchronized void updateLimits(int maxTotal, int maxPerUser) {
        if (maxTotal < 0 || maxPerUser < 0) {
            throw new IllegalArgumentException("tunnel limits must be >= 0, got " + maxTotal + "/" + maxPerUser);
        }
        this.maxTotal = maxTotal;
        this.maxPerUser = maxPerUser;
    }

    /** Takes a slot for the user; returns null on success, else the limit that refused ({@code total}/{@code per_user}). */
    synchronized String tryAcquire(String user) {
        if (maxTotal > 0 && total >= maxTotal) {
            return LIMIT_TOTAL;
        }
        int mine = perUser.getOrDefault(user, 0);
        if (maxPerUser > 0 && mine >= maxPerUser) {
            return LIMIT_PER_USER;
        }
        total++;
        perUser.put(user, mine + 1);
        return null;
    }

    synchronized void release(String user) {
        Integer mine = perUser.get(user);
        if (mine == null || total == 0) {
            throw new IllegalStateException("tunnel slot released twice");
        }
        if (mine == 1) {
            perUser.remove(user);
        } else {
            perUser.put(user, mine - 1);
        }
        total--;
        if (total == 0) {
            notifyAll();
        }
    }

    /** Slots in use: tunnels being connected plus established ones. */
    synchronized int active() {
        return total;
    }

    /** Blocks the calling (non event loop) thread until no slot is in use or the grace period ends. */
    synchronized boolean awaitIdle(Duration grace) throws InterruptedException {
        long deadline = System.nanoTime() + grace.toNanos();
        while (total > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            long millis = Math.max(1, left / 1_000_000);
            wait(millis);
        }
        return true;
    }

    void register(RelayTunnel tunnel) {
        live.add(tunnel);
    }

    void unregister(RelayTunnel tunnel) {
        live.remove(tunnel);
    }

    List<RelayTunnel> liveTunnels() {
        return List.copyOf(live);
    }
}
