package io.torgate.torpool.pool;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Which instance each sticky session (user + session id) is bound to, until the session's TTL passes without
 * use. Isolation credentials only keep a session on one circuit within one tor, so a session must keep
 * its instance too. Non-blocking; expired bindings are swept now and then, not by a thread of their own.
 */
final class SessionAffinity {

    private static final int SWEEP_EVERY = 1024;

    private record Binding(String instance, long expiresAtNanos) { }

    private final Map<String, Binding> bindings = new ConcurrentHashMap<>();
    private final AtomicLong operations = new AtomicLong();
    private final LongSupplier nanoClock;

    SessionAffinity(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** The instance bound to this session, if the binding is still alive; using it extends its life by ttl. */
    Optional<String> lookup(String key, Duration ttl) {
        long now = nanoClock.getAsLong();
        Binding b = bindings.get(key);
        if (b == null) {
            return Optional.empty();
        }
        if (now - b.expiresAtNanos > 0) {
            bindings.remove(key, b);
            return Optional.empty();
        }
        bindings.replace(key, b, new Binding(b.instance, now + ttl.toNanos()));
        return Optional.of(b.instance);
    }

    void bind(String key, String instance, Duration ttl) {
        long now = nanoClock.getAsLong();
        bindings.put(key, new Binding(instance, now + ttl.toNanos()));
        if (operations.incrementAndGet() % SWEEP_EVERY == 0) {
            bindings.entrySet().removeIf(e -> now - e.getValue().expiresAtNanos > 0);
        }
    }

    int size() {
        return bindings.size();
    }

    /** Length-prefixed, so no user/session pair can collide with another whatever characters they hold. */
    static String key(String user, String session) {
        return user.length() + ":" + user + session;
    }
}
