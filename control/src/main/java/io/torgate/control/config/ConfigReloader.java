package io.torgate.control.config;

import io.torgate.control.policy.PolicyRouter;
import io.torgate.control.policy.UserPolicy;
import io.torgate.control.users.LiveUsers;
import io.torgate.control.users.Password;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads the configuration (on SIGHUP, or {@code POST /config/reload} through {@link #reload()}) and applies
 * what can change while running, without touching live tunnels: users and their policies, the tunnel limits,
 * the pool size and debug logging. A file that does not load keeps the running config; the result says why.
 * Settings that need a restart (listen addresses, timeouts, the tor path, …) are reported, not applied.
 * One reload at a time.
 */
public final class ConfigReloader {

    private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);

    /** Settings applied live; every other setting needs a restart. */
    static final Set<String> LIVE = Set.of("limits.max_tunnels", "limits.max_tunnels_per_user", "pool.instances",
            "pool.max_instances", "logging.debug", "listen.no_login");

    /** Sets the gateway's tunnel limits: total, per user. */
    @FunctionalInterface
    public interface LimitsTarget {
        void updateLimits(int maxTunnels, int maxTunnelsPerUser);
    }

    private final ConfigLoader loader;
    private final TorgateConfig started;
    private final LiveUsers users;
    private final PolicyRouter policies;
    private final LimitsTarget limits;
    private final PoolResizer pool;
    private final Consumer<Boolean> debugLogging;
    private final Clock clock;
    private TorgateConfig current;
    private ReloadResult last;

    private ConfigReloader(Builder b) {
        this.loader = Objects.requireNonNull(b.loader, "loader");
        this.started = Objects.requireNonNull(b.started, "started");
        this.users = Objects.requireNonNull(b.users, "users");
        this.policies = Objects.requireNonNull(b.policies, "policies");
        this.limits = Objects.requireNonNull(b.limits, "limits");
        this.pool = b.pool;
        this.debugLogging = b.debugLogging;
        this.clock = b.clock;
        this.current = started;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The config whose live parts are in effect (the last one loaded successfully). */
    public synchronized TorgateConfig current() {
        return current;
    }

    /** The last reload's result, if there was one. */
    public synchronized Optional<ReloadResult> lastResult() {
        return Optional.ofNullable(last);
    }

    /** Re-reads the sources and applies the live settings; never throws for a bad config. */
    public synchronized ReloadResult reload() {
        TorgateConfig next;
        try {
            next = loader.loadSettled();
        } catch (ConfigException e) {
            return fail(e.getMessage());
        }
        Optional<String> weaker = weakensLogin(started, current, next);
        if (weaker.isPresent()) {
            return fail(where() + ": " + weaker.get());
        }

        List<String> changes = new ArrayList<>(userChanges(current, next));
        List<String> restart = new ArrayList<>();
        for (Setting s : Setting.ALL) {
            Object now = s.get().apply(current);
            Object then = s.get().apply(next);
            if (LIVE.contains(s.key())) {
                if (!Objects.equals(now, then)) {
                    changes.add(s.key() + ": " + s.show(now) + " -> " + s.show(then));
                }
            } else if (!Objects.equals(s.get().apply(started), then)) {
                restart.add(s.key());
            }
        }
        if (!started.pool().extraTorrc().equals(next.pool().extraTorrc())) {
            restart.add(Setting.EXTRA_TORRC);
        }

        // Policies before users: a user added now finds its policy when it first logs in.
        policies.update(next.policies());
        users.update(next.users());
        if (next.limits().maxTunnels() != current.limits().maxTunnels()
                || next.limits().maxTunnelsPerUser() != current.limits().maxTunnelsPerUser()) {
            limits.updateLimits(next.limits().maxTunnels(), next.limits().maxTunnelsPerUser());
        }
        if (next.pool().instances() != current.pool().instances()) {
            changes.add(pool.resize(current.pool().instances(), next.pool().instances()));
        }
        if (next.logging().debug() != current.logging().debug()) {
            debugLogging.accept(next.logging().debug());
        }
        current = next;

        String message = "reloaded from " + where() + ": "
                + (changes.isEmpty() ? "no live changes" : changes.size() + " change(s)")
                + (restart.isEmpty() ? "" : "; needs a restart to apply: " + String.join(", ", restart));
        last = new ReloadResult(true, clock.instant(), message, changes, restart);
        log.info("{}{}", message, changes.isEmpty() ? "" : " " + changes);
        return last;
    }

    /**
     * Why {@code next} would weaken access control, if it would: a reload never opens the proxy by accident.
     * A listener that asks for a login keeps asking unless the new config says {@code listen.no_login: true};
     * a file that merely lost its users (empty, half-written) is refused. And a config that would be refused
     * at start (no users with a non-loopback listener) is refused here too, even though the listen address
     * itself only changes on a restart.
     */
    static Optional<String> weakensLogin(TorgateConfig started, TorgateConfig current, TorgateConfig next) {
        if (next.users().usersConfigured()) {
            return Optional.empty();
        }
        for (TorgateConfig c : List.of(started, next)) {
            if (!c.socks().getAddress().isLoopbackAddress()) {
                return Optional.of("users: the new config has no users, but listen.socks "
                        + Setting.byKey("listen.socks").orElseThrow().show(c.socks())
                        + " is not a loopback address: anyone who can reach it could use the proxy");
            }
        }
        if (current.users().usersConfigured() && !next.noLogin()) {
            return Optional.of("users: the new config has no users (is the file empty or half-written?), which"
                    + " would stop asking for a login; to serve without login on purpose, set users: {} and"
                    + " listen.no_login: true");
        }
        return Optional.empty();
    }

    /** The file a reload reads, for messages. */
    private String where() {
        return loader.configFile().or(loader::usersFile).map(Path::toString).orElse("the environment and flags");
    }

    private ReloadResult fail(String why) {
        String message = "reload failed, keeping the running config: " + why;
        log.warn(message);
        last = new ReloadResult(false, clock.instant(), message, List.of(), List.of());
        return last;
    }

    /** users.NAME: added / removed / password changed / policy changed. Never shows a password. */
    static List<String> userChanges(TorgateConfig before, TorgateConfig after) {
        List<String> out = new ArrayList<>();
        for (String name : before.users().names()) {
            if (!after.users().names().contains(name)) {
                out.add("users." + name + ": removed");
            }
        }
        for (String name : after.users().names()) {
            Optional<Password> was = before.users().password(name);
            if (was.isEmpty()) {
                out.add("users." + name + ": added");
                continue;
            }
            if (!was.get().sameAs(after.users().password(name).orElseThrow())) {
                out.add("users." + name + ".password: changed");
            }
            Optional<UserPolicy> p0 = before.policies().forUser(name);
            Optional<UserPolicy> p1 = after.policies().forUser(name);
            if (!p0.equals(p1)) {
                out.add("users." + name + ": policy changed");
            }
        }
        return out;
    }

    public static final class Builder {
        private ConfigLoader loader;
        private TorgateConfig started;
        private LiveUsers users;
        private PolicyRouter policies;
        private LimitsTarget limits;
        private PoolResizer pool = PoolResizer.UNSUPPORTED;
        private Consumer<Boolean> debugLogging = on -> { };
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** Where the config comes from, and the config running now (loaded by the same loader). */
        public Builder loader(ConfigLoader loader, TorgateConfig started) {
            this.loader = loader;
            this.started = started;
            return this;
        }

        /** The gateway's authenticator and the policy router, which swap in the new users and policies. */
        public Builder targets(LiveUsers users, PolicyRouter policies) {
            this.users = users;
            this.policies = policies;
            return this;
        }

        /** The gateway's tunnel limits, e.g. {@code gateway::updateLimits}. */
        public Builder limits(LimitsTarget limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        public Builder pool(PoolResizer pool) {
            this.pool = Objects.requireNonNull(pool, "pool");
            return this;
        }

        public Builder debugLogging(Consumer<Boolean> debugLogging) {
            this.debugLogging = Objects.requireNonNull(debugLogging, "debugLogging");
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public ConfigReloader build() {
            return new ConfigReloader(this);
        }
    }
}
