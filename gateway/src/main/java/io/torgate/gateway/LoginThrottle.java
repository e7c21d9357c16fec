package io.torgate.gateway;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Counts failed logins per client address and per user, and says when to refuse a login before its password is
 * checked ({@link LoginLimits}). A refused login is not counted: it checked nothing. Successful logins are never
 * slowed and do not reset the counts (an attacker with one valid account must not be able to wipe them).
 * Decisions only, no I/O, on an injected clock; thread-safe, called from every event loop and the login thread.
 * Memory is bounded: at most {@link #MAX_TRACKED} entries of each kind; expired ones are dropped first.
 */
final class LoginThrottle {

    /** Entries per map beyond which expired entries are purged (and, if still full, idle counters dropped). */
    static final int MAX_TRACKED = 50_000;
    /** How long a successful login keeps an address trusted for its user while that user is throttled. */
    static final Duration TRUST = Duration.ofHours(1);

    /** What is throttled. */
    enum Scope {
        SOURCE("too many failed logins from this address"),
        USER("too many failed logins for this user");

        private final String why;

        Scope(String why) {
            this.why = why;
        }

        /** For metrics: {@code source} or {@code user}. */
        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** For the client: why, never who. */
        String why() {
            return why;
        }
    }

    /** Refuse this login, for this long still. */
    record Refusal(Scope scope, Duration retryAfter) {
    }

    /** A failure that started a cool-off: the one moment worth a log line. */
    record CoolOff(Scope scope, int failures) {
    }

    private final LoginLimits limits;
    private final LongSupplier nanos;
    private final Map<Key, Counter> sources = new ConcurrentHashMap<>();
    private final Map<String, Counter> users = new ConcurrentHashMap<>();
    /** (user, address) → when it last logged in. */
    private final Map<Trust, Long> trusted = new ConcurrentHashMap<>();

    LoginThrottle(LoginLimits limits, LongSupplier nanos) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.nanos = Objects.requireNonNull(nanos, "nanos");
    }

    LoginLimits limits() {
        return limits;
    }

    /** Whether to refuse this login before checking it. {@code source} null: not an IP client; never refused. */
    Optional<Refusal> refusal(InetAddress source, String user) {
        if (source == null) {
            return Optional.empty();
        }
        long now = nanos.getAsLong();
        Counter s = limits.failuresPerSource() > 0 ? sources.get(Key.of(source)) : null;
        if (s != null && s.blocked(now)) {
            return Optional.of(new Refusal(Scope.SOURCE, s.remaining(now)));
        }
        Counter u = limits.failuresPerUser() > 0 && user != null ? users.get(user) : null;
        if (u != null && u.blocked(now) && !isTrusted(user, source, now)) {
            return Optional.of(new Refusal(Scope.USER, u.remaining(now)));
        }
        return Optional.empty();
    }

    /** A login failed its check; says so when this failure starts a cool-off. */
    Optional<CoolOff> failed(InetAddress source, String user) {
        if (source == null) {
            return Optional.empty();
        }
        long now = nanos.getAsLong();
        Optional<CoolOff> started = Optional.empty();
        if (limits.failuresPerSource() > 0) {
            started = count(sources, Key.of(source), limits.failuresPerSource(), now, Scope.SOURCE);
        }
        if (limits.failuresPerUser() > 0 && user != null) {
            Optional<CoolOff> u = count(users, user, limits.failuresPerUser(), now, Scope.USER);
            if (started.isEmpty()) {
                started = u;
            }
        }
        return started;
    }

    /** A login succeeded: its address stays trusted for its user (see {@link LoginLimits}). */
    void succeeded(InetAddress source, String user) {
        if (source == null || user == null || limits.failuresPerUser() == 0) {
            return;
        }
        trusted.put(new Trust(user, Key.of(source)), nanos.getAsLong());
        bound(trusted, nanos.getAsLong());
    }

    /** For tests: how many addresses are being counted. */
    int trackedSources() {
        return sources.size();
    }

    private boolean isTrusted(String user, InetAddress source, long now) {
        Long at = trusted.get(new Trust(user, Key.of(source)));
        return at != null && now - at < TRUST.toNanos();
    }

    private <K> Optional<CoolOff> count(Map<K, Counter> map, K key, int limit, long now, Scope scope) {
        Counter c = map.computeIfAbsent(key, k -> new Counter(now));
        Optional<CoolOff> started = c.fail(now, limit, limits) ? Optional.of(new CoolOff(scope, limit))
                : Optional.empty();
        bound(map, now);
        return started;
    }

    /** Keeps a map within {@link #MAX_TRACKED}: expired entries go first, then anything not blocked. */
    private <K, V> void bound(Map<K, V> map, long now) {
        if (map.size() <= MAX_TRACKED) {
            return;
        }
        map.values().removeIf(v -> v instanceof Counter c ? c.expired(now, limits)
                : now - (Long) v >= TRUST.toNanos());
        if (map.size() > MAX_TRACKED) {
            map.values().removeIf(v -> !(v instanceof Counter c) || !c.blocked(now));
        }
    }

    /** Failures in the current window, and the end of a cool-off; its own monitor guards it. */
    private static final class Counter {
        private long windowStart;
        private int failures;
        private long blockedUntil;
        private boolean blocking;

        Counter(long now) {
            this.windowStart = now;
        }

        /** Counts a failure; true when it starts a cool-off. */
        synchronized boolean fail(long now, int limit, LoginLimits limits) {
            if (blocked(now)) {
                return false; // a check that raced the cool-off's start: already counted enough
            }
            if (blocking || now - windowStart >= limits.window().toNanos()) {
                windowStart = now;
                failures = 0;
                blocking = false;
            }
            failures++;
            if (failures >= limit) {
                blocking = true;
                blockedUntil = now + limits.cooloff().toNanos();
                return true;
            }
            return false;
        }

        synchronized boolean blocked(long now) {
            return blocking && now - blockedUntil < 0;
        }

        synchronized Duration remaining(long now) {
            return Duration.ofNanos(Math.max(0, blockedUntil - now));
        }

        synchronized boolean expired(long now, LoginLimits limits) {
            return blocking ? now - blockedUntil >= 0 : now - windowStart >= limits.window().toNanos();
        }
    }

    /** An address as throttling counts it: IPv4 whole, IPv6 by its /64 (one host usually holds a whole /64). */
    private record Key(byte[] bytes) {
        static Key of(InetAddress a) {
            byte[] b = a.getAddress();
            return new Key(a instanceof Inet6Address ? Arrays.copyOf(b, 8) : b);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return Arrays.toString(bytes);
        }
    }

    private record Trust(String user, Key source) {
    }
}
