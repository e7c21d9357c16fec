package io.torgate.control.policy;

import java.util.concurrent.ConcurrentHashMap;

/** Live tunnels per user (connecting or established), for {@code max_tunnels}. Lock-free per user. */
final class LiveTunnels {

    private final ConcurrentHashMap<String, Integer> byUser = new ConcurrentHashMap<>();

    /** Takes a slot unless the user already has {@code max} (0 = unlimited); atomic per user. */
    boolean tryAcquire(String user, int max) {
        boolean[] taken = new boolean[1];
        byUser.compute(user, (u, n) -> {
            int now = n == null ? 0 : n;
            if (max > 0 && now >= max) {
                return n;
            }
            taken[0] = true;
            return now + 1;
        });
        return taken[0];
    }

    void release(String user) {
        byUser.computeIfPresent(user, (u, n) -> n <= 1 ? null : n - 1);
    }

    int live(String user) {
        return byUser.getOrDefault(user, 0);
    }
}
