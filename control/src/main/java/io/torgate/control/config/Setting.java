package io.torgate.control.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.torgate.control.Upstream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * One scalar setting: its dotted key in the file, its environment variable, how its text is read and where it
 * goes in the {@link TorgateConfig.Builder}. The list is the single place a setting is declared; the file
 * reader, the environment reader and the README's table all follow it.
 *
 * @param key    dotted path in the file, e.g. {@code limits.max_tunnels}
 * @param env    the environment variable, e.g. {@code TORGATE_MAX_TUNNELS}
 * @param kind   how the value is written
 * @param get    reads the value back from a config (null when unset), for reload reports
 * @param apply  sets the value on a builder (which checks it)
 * @param secret never shown in messages (the API token)
 */
public record Setting(String key, String env, Kind kind, Function<TorgateConfig, Object> get,
                      BiConsumer<TorgateConfig.Builder, Object> apply, boolean secret) {

    /** How a value is written; file values must have the matching YAML type. */
    public enum Kind {
        DURATION("a duration such as 10s or 5m", Values::duration),
        COUNT("a whole number of 0 or more", Values::count),
        POSITIVE_COUNT("a whole number of 1 or more", s -> Values.positive(s, Values.count(s))),
        BOOLEAN("true or false", Values::bool),
        LISTEN_ADDRESS("HOST:PORT", Values::listenAddress),
        /** A listener that may be turned off; the value is an {@code Optional<InetSocketAddress>}. */
        LISTEN_ADDRESS_OR_OFF("HOST:PORT or off",
                s -> s.equals("off") ? Optional.empty() : Optional.of(Values.listenAddress(s))),
        URL("an http or https URL", Values::httpUrl),
        PATH("a path", Path::of),
        TEXT("a string", s -> s),
        UPSTREAM("tor-pool, direct or socks5://HOST:PORT", Upstream::parse);

        private final String what;
        private final Function<String, Object> parse;

        Kind(String what, Function<String, Object> parse) {
            this.what = what;
            this.parse = parse;
        }

        public String what() {
            return what;
        }

        /** From text (an environment variable, or a string in the file). @throws IllegalArgumentException */
        public Object parse(String text) {
            return parse.apply(text);
        }

        /** From a YAML node, which must have the type the kind needs. @throws IllegalArgumentException */
        Object parse(JsonNode node) {
            switch (this) {
                case COUNT, POSITIVE_COUNT -> {
                    if (!node.isIntegralNumber()) {
                        throw new IllegalArgumentException("must be " + what + ", found " + Yaml.kind(node));
                    }
                    if (!node.canConvertToInt()) {
                        throw new IllegalArgumentException(node.asText() + " is too large");
                    }
                    return parse(node.asText());
                }
                case BOOLEAN -> {
                    if (!node.isBoolean()) {
                        throw new IllegalArgumentException("must be true or false, found " + Yaml.kind(node));
                    }
                    return node.booleanValue();
                }
                default -> {
                    if (!node.isTextual()) {
                        String hint = this == DURATION && node.isNumber()
                                ? " (a duration needs a unit, e.g. " + node.asText() + "s)"
                                : (this == LISTEN_ADDRESS || this == LISTEN_ADDRESS_OR_OFF) && node.isArray() ? " (quote [IPv6]:PORT addresses)" : "";
                        throw new IllegalArgumentException("must be " + what + ", found " + Yaml.kind(node) + hint);
                    }
                    return parse(node.textValue());
                }
            }
        }
    }

    /** Every scalar setting, in the order the example file lists them. */
    public static final List<Setting> ALL = List.of(
            of("upstream", "TORGATE_UPSTREAM", Kind.UPSTREAM,
                    c -> c.upstream(), (b, v) -> b.upstream((Upstream) v)),
            of("listen.socks", "TORGATE_SOCKS", Kind.LISTEN_ADDRESS,
                    TorgateConfig::socks, (b, v) -> b.socks((InetSocketAddress) v)),
            of("listen.no_login", "TORGATE_NO_LOGIN", Kind.BOOLEAN,
                    TorgateConfig::noLogin, (b, v) -> b.noLogin((Boolean) v)),
            of("api.listen", "TORGATE_API_LISTEN", Kind.LISTEN_ADDRESS_OR_OFF,
                    c -> c.api().listen(), (b, v) -> b.apiListen(listenOrOff(v))),
            new Setting("api.token", "TORGATE_API_TOKEN", Kind.TEXT,
                    c -> c.api().token().orElse(null), (b, v) -> b.apiToken((String) v), true),
            of("pool.instances", "TORGATE_INSTANCES", Kind.POSITIVE_COUNT,
                    c -> c.pool().instances(), (b, v) -> b.instances((Integer) v)),
            of("pool.max_instances", "TORGATE_MAX_INSTANCES", Kind.POSITIVE_COUNT,
                    c -> c.pool().maxInstances(), (b, v) -> b.maxInstances((Integer) v)),
            of("pool.warm_circuits", "TORGATE_WARM_CIRCUITS", Kind.COUNT,
                    c -> c.pool().warmCircuits(), (b, v) -> b.warmCircuits((Integer) v)),
            of("pool.tor_path", "TORGATE_TOR_PATH", Kind.PATH,
                    c -> c.pool().torPath().orElse(null), (b, v) -> b.torPath((Path) v)),
            of("pool.state_dir", "TORGATE_STATE_DIR", Kind.PATH,
                    c -> c.pool().stateDir(), (b, v) -> b.stateDir((Path) v)),
            of("pool.bootstrap_timeout", "TORGATE_BOOTSTRAP_TIMEOUT", Kind.DURATION,
                    c -> c.pool().bootstrapTimeout(), (b, v) -> b.bootstrapTimeout((Duration) v)),
            of("directory.onionoo_url", "TORGATE_ONIONOO_URL", Kind.URL,
                    c -> c.directory().onionooUrl(), (b, v) -> b.onionooUrl((URI) v)),
            of("directory.refresh_interval", "TORGATE_DIRECTORY_REFRESH_INTERVAL", Kind.DURATION,
                    c -> c.directory().refreshInterval(), (b, v) -> b.directoryRefresh((Duration) v)),
            of("limits.handshake_timeout", "TORGATE_HANDSHAKE_TIMEOUT", Kind.DURATION,
                    c -> c.limits().handshakeTimeout(), (b, v) -> b.handshakeTimeout((Duration) v)),
            of("limits.connect_timeout", "TORGATE_CONNECT_TIMEOUT", Kind.DURATION,
                    c -> c.limits().connectTimeout(), (b, v) -> b.connectTimeout((Duration) v)),
            of("limits.idle_timeout", "TORGATE_IDLE_TIMEOUT", Kind.DURATION,
                    c -> c.limits().idleTimeout(), (b, v) -> b.idleTimeout((Duration) v)),
            of("limits.max_tunnels", "TORGATE_MAX_TUNNELS", Kind.COUNT,
                    c -> c.limits().maxTunnels(), (b, v) -> b.maxTunnels((Integer) v)),
            of("limits.max_tunnels_per_user", "TORGATE_MAX_TUNNELS_PER_USER", Kind.COUNT,
                    c -> c.limits().maxTunnelsPerUser(), (b, v) -> b.maxTunnelsPerUser((Integer) v)),
            of("limits.write_buffer_low", "TORGATE_WRITE_BUFFER_LOW", Kind.POSITIVE_COUNT,
                    c -> c.limits().writeBufferLow(), (b, v) -> b.writeBufferLow((Integer) v)),
            of("limits.write_buffer_high", "TORGATE_WRITE_BUFFER_HIGH", Kind.POSITIVE_COUNT,
                    c -> c.limits().writeBufferHigh(), (b, v) -> b.writeBufferHigh((Integer) v)),
            of("limits.io_threads", "TORGATE_IO_THREADS", Kind.COUNT,
                    c -> c.limits().ioThreads(), (b, v) -> b.ioThreads((Integer) v)),
            of("limits.native_transport", "TORGATE_NATIVE_TRANSPORT", Kind.BOOLEAN,
                    c -> c.limits().nativeTransport(), (b, v) -> b.nativeTransport((Boolean) v)),
            of("limits.shutdown_grace", "TORGATE_SHUTDOWN_GRACE", Kind.DURATION,
                    c -> c.limits().shutdownGrace(), (b, v) -> b.shutdownGrace((Duration) v)),
            of("limits.login_failures", "TORGATE_LOGIN_FAILURES", Kind.COUNT,
                    c -> c.limits().logins().failuresPerSource(), (b, v) -> b.loginFailures((Integer) v)),
            of("limits.login_failures_per_user", "TORGATE_LOGIN_FAILURES_PER_USER", Kind.COUNT,
                    c -> c.limits().logins().failuresPerUser(), (b, v) -> b.loginFailuresPerUser((Integer) v)),
            of("limits.login_window", "TORGATE_LOGIN_WINDOW", Kind.DURATION,
                    c -> c.limits().logins().window(), (b, v) -> b.loginWindow((Duration) v)),
            of("limits.login_cooloff", "TORGATE_LOGIN_COOLOFF", Kind.DURATION,
                    c -> c.limits().logins().cooloff(), (b, v) -> b.loginCooloff((Duration) v)),
            of("logging.debug", "TORGATE_DEBUG", Kind.BOOLEAN,
                    c -> c.logging().debug(), (b, v) -> b.debug((Boolean) v)),
            of("logging.log_destinations", "TORGATE_LOG_DESTINATIONS", Kind.BOOLEAN,
                    c -> c.logging().logDestinations(), (b, v) -> b.logDestinations((Boolean) v)));

    /** The list settings (no environment variable: a list does not fit one). */
    public static final String EXTRA_TORRC = "pool.extra_torrc";
    public static final String USERS = "users";
    /** The environment variable naming the config file (the {@code --config} flag wins over it). */
    public static final String CONFIG_ENV = "TORGATE_CONFIG";

    private static Setting of(String key, String env, Kind kind, Function<TorgateConfig, Object> get,
                              BiConsumer<TorgateConfig.Builder, Object> apply) {
        return new Setting(key, env, kind, get, apply, false);
    }

    @SuppressWarnings("unchecked")
    private static Optional<InetSocketAddress> listenOrOff(Object v) {
        return (Optional<InetSocketAddress>) v;
    }

    public static Optional<Setting> byKey(String key) {
        return ALL.stream().filter(s -> s.key.equals(key)).findFirst();
    }

    /** A value for messages: as configured, or only whether it is set for a secret. */
    String show(Object value) {
        if (value == null) {
            return "(unset)";
        }
        if (secret) {
            return "(set)";
        }
        if (value instanceof Duration d) {
            return Values.format(d);
        }
        if (value instanceof Optional<?> o) {
            return o.map(this::show).orElse("off");
        }
        if (value instanceof Upstream u) {
            return u.describe();
        }
        if (value instanceof InetSocketAddress a) {
            String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
        }
        return String.valueOf(value);
    }
}
