package io.torgate.control.config;

import io.torgate.control.Upstream;
import io.torgate.control.policy.Policies;
import io.torgate.control.users.Users;
import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.LoginLimits;
import io.torgate.torpool.pool.TorPoolRouter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything torgate runs with, from defaults, the config file, environment variables and flags (see
 * {@link ConfigLoader}). Immutable; made with {@link #builder()}, whose setters check each value and whose
 * {@link Builder#build()} checks values that depend on each other.
 */
public final class TorgateConfig {

    /** Defaults shared with the command line's help (a test keeps the two equal). */
    public static final String DEFAULT_SOCKS = "127.0.0.1:1080";
    /** The control API's default listener; {@code off} (api.listen, TORGATE_API_LISTEN or --api) turns it off. */
    public static final String DEFAULT_API = "127.0.0.1:8080";
    public static final int DEFAULT_INSTANCES = 2;
    public static final int DEFAULT_MAX_INSTANCES = 32;
    public static final Duration DEFAULT_BOOTSTRAP_TIMEOUT = Duration.ofSeconds(90);
    public static final URI DEFAULT_ONIONOO_URL = URI.create("https://onionoo.torproject.org");
    public static final Duration DEFAULT_DIRECTORY_REFRESH = Duration.ofMinutes(30);
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(5);
    /** Shortest API token accepted: guessing one must be hopeless. */
    static final int MIN_TOKEN_LENGTH = 16;

    private final Upstream upstream;
    private final InetSocketAddress socks;
    private final boolean noLogin;
    private final ApiSettings api;
    private final Users users;
    private final Policies policies;
    private final PoolSettings pool;
    private final DirectorySettings directory;
    private final LimitSettings limits;
    private final LoggingSettings logging;

    private TorgateConfig(Builder b) {
        this.upstream = b.upstream;
        this.socks = b.socks;
        this.noLogin = b.noLogin;
        this.api = new ApiSettings(b.apiListen, Optional.ofNullable(b.apiToken));
        this.users = b.users;
        this.policies = b.policies;
        this.pool = new PoolSettings(b.instances, b.maxInstances, Optional.ofNullable(b.torPath),
                Objects.requireNonNull(b.stateDir, "stateDir"), b.bootstrapTimeout, b.extraTorrc, b.warmCircuits);
        this.directory = new DirectorySettings(b.onionooUrl, b.directoryRefresh);
        this.limits = new LimitSettings(b.handshakeTimeout, b.connectTimeout, b.idleTimeout, b.maxTunnels,
                b.maxTunnelsPerUser, b.writeBufferLow, b.writeBufferHigh, b.ioThreads, b.nativeTransport,
                b.shutdownGrace, new LoginLimits(b.loginFailures, b.loginFailuresPerUser, b.loginWindow,
                b.loginCooloff));
        this.logging = new LoggingSettings(b.debug, b.logDestinations);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Upstream upstream() { return upstream; }
    /** The SOCKS5 + HTTP CONNECT listener. */
    public InetSocketAddress socks() { return socks; }
    /**
     * Serving without login is meant ({@code listen.no_login: true}). Without it a reload may never take the
     * users away: a file that lost its users section is more likely empty or half-written than meant.
     */
    public boolean noLogin() { return noLogin; }
    public ApiSettings api() { return api; }
    /** Who may log in (empty: no login, loopback only). */
    public Users users() { return users; }
    /** What each user may do. */
    public Policies policies() { return policies; }
    public PoolSettings pool() { return pool; }
    public DirectorySettings directory() { return directory; }
    public LimitSettings limits() { return limits; }
    public LoggingSettings logging() { return logging; }

    @Override
    public String toString() {
        return "TorgateConfig[upstream=" + upstream.describe() + ", socks=" + socks + ", " + api + ", users="
                + users.names() + ", " + pool + ", " + directory + ", " + limits + ", " + logging + "]";
    }

    /**
     * Setters check their value and throw {@link IllegalArgumentException} naming it; the caller adds where it
     * came from. Starts from the defaults; the state directory has no default here (it depends on the
     * environment, see {@link ConfigLoader}).
     */
    public static final class Builder {
        private Upstream upstream = new Upstream.TorPool();
        private InetSocketAddress socks = Values.listenAddress(DEFAULT_SOCKS);
        private boolean noLogin;
        private Optional<InetSocketAddress> apiListen = Optional.of(Values.listenAddress(DEFAULT_API));
        private String apiToken;
        private Users users = Users.NONE;
        private Policies policies = Policies.NONE;
        private int instances = DEFAULT_INSTANCES;
        private int maxInstances = DEFAULT_MAX_INSTANCES;
        private int warmCircuits = TorPoolRouter.DEFAULT_WARM_CIRCUITS;
        private Path torPath;
        private Path stateDir;
        private Duration bootstrapTimeout = DEFAULT_BOOTSTRAP_TIMEOUT;
        private List<String> extraTorrc = List.of();
        private URI onionooUrl = DEFAULT_ONIONOO_URL;
        private Duration directoryRefresh = DEFAULT_DIRECTORY_REFRESH;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration connectTimeout = Duration.ofSeconds(60);
        private Duration idleTimeout = Duration.ofMinutes(5);
        private int maxTunnels = 20_000;
        private int maxTunnelsPerUser = 0;
        private int writeBufferLow = GatewayConfig.DEFAULT_WRITE_BUFFER_LOW;
        private int writeBufferHigh = GatewayConfig.DEFAULT_WRITE_BUFFER_HIGH;
        private int ioThreads = 0;
        private boolean nativeTransport = true;
        private Duration shutdownGrace = DEFAULT_SHUTDOWN_GRACE;
        private int loginFailures = LoginLimits.DEFAULT.failuresPerSource();
        private int loginFailuresPerUser = LoginLimits.DEFAULT.failuresPerUser();
        private Duration loginWindow = LoginLimits.DEFAULT.window();
        private Duration loginCooloff = LoginLimits.DEFAULT.cooloff();
        private boolean debug;
        private boolean logDestinations;

        private Builder() {
        }

        public Builder upstream(Upstream u) { this.upstream = Objects.requireNonNull(u, "upstream"); return this; }
        public Builder socks(InetSocketAddress a) { this.socks = Objects.requireNonNull(a, "socks"); return this; }
        public Builder noLogin(boolean on) { this.noLogin = on; return this; }
        /** Where the API listens; empty = no API ({@code off}). */
        public Builder apiListen(Optional<InetSocketAddress> a) {
            this.apiListen = Objects.requireNonNull(a, "apiListen");
            return this;
        }

        public Builder apiToken(String token) {
            Objects.requireNonNull(token, "apiToken");
            if (token.length() < MIN_TOKEN_LENGTH) {
                throw new IllegalArgumentException("the token is " + token.length() + " characters; at least "
                        + MIN_TOKEN_LENGTH + " characters are needed (e.g. openssl rand -hex 32)");
            }
            for (int i = 0; i < token.length(); i++) {
                char c = token.charAt(i);
                if (c <= 0x20 || c >= 0x7f) {
                    throw new IllegalArgumentException("the token may only hold visible ASCII characters (it goes"
                            + " in an HTTP header)");
                }
            }
            this.apiToken = token;
            return this;
        }

        /** The users and their policies, from the same {@code users:} section. */
        public Builder users(Users u, Policies p) {
            this.users = Objects.requireNonNull(u, "users");
            this.policies = Objects.requireNonNull(p, "policies");
            return this;
        }

        public Builder instances(int n) { this.instances = Values.positive(String.valueOf(n), n); return this; }
        /** Built, unused circuits per instance and exit group (0..{@value TorPoolRouter#MAX_WARM_CIRCUITS}). */
        public Builder warmCircuits(int n) {
            if (n < 0 || n > TorPoolRouter.MAX_WARM_CIRCUITS) {
                throw new IllegalArgumentException("'" + n + "' must be 0 to " + TorPoolRouter.MAX_WARM_CIRCUITS
                        + " (built, unused circuits per instance and exit group)");
            }
            this.warmCircuits = n;
            return this;
        }

        public Builder maxInstances(int n) { this.maxInstances = Values.positive(String.valueOf(n), n); return this; }
        public Builder torPath(Path p) { this.torPath = Objects.requireNonNull(p, "torPath"); return this; }
        public Builder stateDir(Path p) { this.stateDir = Objects.requireNonNull(p, "stateDir").toAbsolutePath(); return this; }
        public Builder bootstrapTimeout(Duration d) { this.bootstrapTimeout = positive(d); return this; }

        public Builder extraTorrc(List<String> lines) {
            for (String line : lines) {
                TorrcLines.split(line);
            }
            this.extraTorrc = List.copyOf(lines);
            return this;
        }

        public Builder onionooUrl(URI url) { this.onionooUrl = Values.httpUrl(url.toString()); return this; }

        public Builder directoryRefresh(Duration d) {
            if (positive(d).compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("'" + Values.format(d) + "' is shorter than 1s");
            }
            this.directoryRefresh = d;
            return this;
        }

        public Builder handshakeTimeout(Duration d) { this.handshakeTimeout = positive(d); return this; }
        public Builder connectTimeout(Duration d) { this.connectTimeout = positive(d); return this; }
        public Builder idleTimeout(Duration d) { this.idleTimeout = positive(d); return this; }
        public Builder maxTunnels(int n) { this.maxTunnels = Values.nonNegative(String.valueOf(n), n); return this; }
        public Builder maxTunnelsPerUser(int n) { this.maxTunnelsPerUser = Values.nonNegative(String.valueOf(n), n); return this; }
        public Builder writeBufferLow(int n) { this.writeBufferLow = Values.positive(String.valueOf(n), n); return this; }
        public Builder writeBufferHigh(int n) { this.writeBufferHigh = Values.positive(String.valueOf(n), n); return this; }
        public Builder ioThreads(int n) { this.ioThreads = Values.nonNegative(String.valueOf(n), n); return this; }
        public Builder nativeTransport(boolean on) { this.nativeTransport = on; return this; }
        public Builder shutdownGrace(Duration d) { this.shutdownGrace = positive(d); return this; }
        public Builder loginFailures(int n) { this.loginFailures = Values.nonNegative(String.valueOf(n), n); return this; }
        public Builder loginFailuresPerUser(int n) { this.loginFailuresPerUser = Values.nonNegative(String.valueOf(n), n); return this; }
        public Builder loginWindow(Duration d) { this.loginWindow = positive(d); return this; }
        public Builder loginCooloff(Duration d) { this.loginCooloff = positive(d); return this; }
        public Builder debug(boolean on) { this.debug = on; return this; }
        public Builder logDestinations(boolean on) { this.logDestinations = on; return this; }

        /**
         * @throws IllegalArgumentException when settings contradict each other; the message starts with the
         *                                  dotted key at fault
         */
        public TorgateConfig build() {
            if (stateDir == null) {
                throw new IllegalArgumentException("pool.state_dir: not set");
            }
            if (writeBufferLow > writeBufferHigh) {
                throw new IllegalArgumentException("limits.write_buffer_low: " + writeBufferLow
                        + " is above limits.write_buffer_high " + writeBufferHigh + "; need low <= high");
            }
            if (noLogin && users.usersConfigured()) {
                throw new IllegalArgumentException("listen.no_login: true, but users are defined ("
                        + String.join(", ", users.names()) + "); remove the users or the setting");
            }
            if (instances > maxInstances) {
                throw new IllegalArgumentException("pool.instances: " + instances + " is above pool.max_instances "
                        + maxInstances);
            }
            if (apiListen.isPresent() && !apiListen.get().getAddress().isLoopbackAddress() && apiToken == null) {
                InetSocketAddress a = apiListen.get();
                throw new IllegalArgumentException("api.token: required when api.listen ("
                        + a.getAddress().getHostAddress() + ":" + a.getPort() + ") is not a loopback address:"
                        + " anyone who can reach it could scale the pool and open proxies; set TORGATE_API_TOKEN"
                        + " (or --api-token), or listen on a loopback address such as 127.0.0.1");
            }
            return new TorgateConfig(this);
        }

        private static Duration positive(Duration d) {
            Objects.requireNonNull(d, "duration");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("'" + d + "' must be more than zero");
            }
            return d;
        }
    }
}
