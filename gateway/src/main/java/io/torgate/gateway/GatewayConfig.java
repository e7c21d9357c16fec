package io.torgate.gateway;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Immutable gateway settings, made with {@link #builder()}. Durations and limits are validated when set.
 */
public final class GatewayConfig {

    /**
     * Default low water mark of a tunnel side's pending writes: reading the other side resumes below it.
     */
    public static final int DEFAULT_WRITE_BUFFER_LOW = 64 * 1024;
    /**
     * Default high water mark: reading the other side pauses above it. It must stay well above one read (Netty reads
     * up to 64 KiB at a time): with Netty's own 64 KiB, every full read crossed it, so the relay turned the other
     * side's reading off and on again for every read, two {@code epoll_ctl} calls per 64 KiB (strace: 33,561
     * {@code epoll_ctl} for 18,482 reads in a 16-stream download; bench/README.md has the before/after figures).
     */
    public static final int DEFAULT_WRITE_BUFFER_HIGH = 256 * 1024;

    private final InetSocketAddress listen;
    private final Router router;
    private final Authenticator authenticator;
    private final GatewayListener listener;
    private final Duration handshakeTimeout;
    private final Duration connectTimeout;
    private final Duration idleTimeout;
    private final int maxTunnels;
    private final int maxTunnelsPerUser;
    private final int writeBufferLowWaterMark;
    private final int writeBufferHighWaterMark;
    private final int ioThreads;
    private final boolean nativeTransport;
    private final boolean acceptOnEveryLoop;
    private final boolean logDestinations;
    private final LoginLimits loginLimits;

    private GatewayConfig(Builder b) {
        this.listen = b.listen;
        this.router = Objects.requireNonNull(b.router, "router");
        this.authenticator = b.authenticator;
        this.listener = b.listener;
        this.handshakeTimeout = b.handshakeTimeout;
        this.connectTimeout = b.connectTimeout;
        this.idleTimeout = b.idleTimeout;
        this.maxTunnels = b.maxTunnels;
        this.maxTunnelsPerUser = b.maxTunnelsPerUser;
        this.writeBufferLowWaterMark = b.writeBufferLowWaterMark;
        this.writeBufferHighWaterMark = b.writeBufferHighWaterMark;
        this.ioThreads = b.ioThreads;
        this.nativeTransport = b.nativeTransport;
        this.acceptOnEveryLoop = b.acceptOnEveryLoop;
        this.logDestinations = b.logDestinations;
        this.loginLimits = b.loginLimits;
        if (writeBufferLowWaterMark > writeBufferHighWaterMark) {
            throw new IllegalArgumentException("write buffer low water mark " + writeBufferLowWaterMark
                    + " is above the high water mark " + writeBufferHighWaterMark);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.listen = listen;
        b.router = router;
        b.authenticator = authenticator;
        b.listener = listener;
        b.handshakeTimeout = handshakeTimeout;
        b.connectTimeout = connectTimeout;
        b.idleTimeout = idleTimeout;
        b.maxTunnels = maxTunnels;
        b.maxTunnelsPerUser = maxTunnelsPerUser;
        b.writeBufferLowWaterMark = writeBufferLowWaterMark;
        b.writeBufferHighWaterMark = writeBufferHighWaterMark;
        b.ioThreads = ioThreads;
        b.nativeTransport = nativeTransport;
        b.acceptOnEveryLoop = acceptOnEveryLoop;
        b.logDestinations = logDestinations;
        b.loginLimits = loginLimits;
        return b;
    }

    public InetSocketAddress listen() { return listen; }
    public Router router() { return router; }
    public Authenticator authenticator() { return authenticator; }
    public GatewayListener listener() { return listener; }
    /** Client connects and must finish its handshake (up to the CONNECT request) within this. */
    public Duration handshakeTimeout() { return handshakeTimeout; }
    /** Routing plus the upstream connect must complete within this. */
    public Duration connectTimeout() { return connectTimeout; }
    /** A tunnel with no traffic either way for this long is closed. */
    public Duration idleTimeout() { return idleTimeout; }
    /** Live tunnels in total; 0 = unlimited. */
    public int maxTunnels() { return maxTunnels; }
    /** Live tunnels per user; 0 = unlimited. */
    public int maxTunnelsPerUser() { return maxTunnelsPerUser; }
    public int writeBufferLowWaterMark() { return writeBufferLowWaterMark; }
    public int writeBufferHighWaterMark() { return writeBufferHighWaterMark; }
    /** Event loop threads; 0 = Netty's default (2 × cores). */
    public int ioThreads() { return ioThreads; }
    /** Use epoll when available (Linux); NIO otherwise. */
    public boolean nativeTransport() { return nativeTransport; }
    /**
     * With epoll, every event loop accepts its own connections on a listener of its own (SO_REUSEPORT, all on
     * one port), so a connection never changes threads; otherwise (or with NIO) one accept thread hands each
     * connection to an event loop.
     */
    public boolean acceptOnEveryLoop() { return acceptOnEveryLoop; }
    /** Destinations appear in logs only when true (debug); otherwise they are redacted. */
    public boolean logDestinations() { return logDestinations; }
    /** When password guessing is refused before any check. */
    public LoginLimits loginLimits() { return loginLimits; }

    public static final class Builder {
        private InetSocketAddress listen = new InetSocketAddress("127.0.0.1", 1080);
        private Router router;
        private Authenticator authenticator = Authenticator.NONE;
        private GatewayListener listener = GatewayListener.NONE;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration connectTimeout = Duration.ofSeconds(60);
        private Duration idleTimeout = Duration.ofMinutes(5);
        private int maxTunnels = 20_000;
        private int maxTunnelsPerUser = 0;
        private int writeBufferLowWaterMark = DEFAULT_WRITE_BUFFER_LOW;
        private int writeBufferHighWaterMark = DEFAULT_WRITE_BUFFER_HIGH;
        private int ioThreads = 0;
        private boolean nativeTransport = true;
        private boolean acceptOnEveryLoop = true;
        private boolean logDestinations = false;
        private LoginLimits loginLimits = LoginLimits.DEFAULT;

        private Builder() {
        }

        public Builder listen(InetSocketAddress listen) {
            this.listen = Objects.requireNonNull(listen, "listen");
            return this;
        }

        public Builder router(Router router) {
            this.router = Objects.requireNonNull(router, "router");
            return this;
        }

        public Builder authenticator(Authenticator authenticator) {
            this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
            return this;
        }

        public Builder listener(GatewayListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        public Builder handshakeTimeout(Duration d) {
            this.handshakeTimeout = positive("handshakeTimeout", d);
            return this;
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = positive("connectTimeout", d);
            return this;
        }

        public Builder idleTimeout(Duration d) {
            this.idleTimeout = positive("idleTimeout", d);
            return this;
        }

        public Builder maxTunnels(int n) {
            this.maxTunnels = nonNegative("maxTunnels", n);
            return this;
        }

        public Builder maxTunnelsPerUser(int n) {
            this.maxTunnelsPerUser = nonNegative("maxTunnelsPerUser", n);
            return this;
        }

        public Builder writeBufferWaterMark(int low, int high) {
            if (low <= 0 || high <= 0 || low > high) {
                throw new IllegalArgumentException("write buffer water marks need 0 < low <= high, got "
                        + low + "/" + high);
            }
            this.writeBufferLowWaterMark = low;
            this.writeBufferHighWaterMark = high;
            return this;
        }

        public Builder ioThreads(int n) {
            this.ioThreads = nonNegative("ioThreads", n);
            return this;
        }

        public Builder nativeTransport(boolean enabled) {
            this.nativeTransport = enabled;
            return this;
        }

        public Builder acceptOnEveryLoop(boolean enabled) {
            this.acceptOnEveryLoop = enabled;
            return this;
        }

        public Builder logDestinations(boolean enabled) {
            this.logDestinations = enabled;
            return this;
        }

        public Builder loginLimits(LoginLimits limits) {
            this.loginLimits = Objects.requireNonNull(limits, "loginLimits");
            return this;
        }

        public GatewayConfig build() {
            return new GatewayConfig(this);
        }

        private static Duration positive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + d);
            }
            return d;
        }

        private static int nonNegative(String name, int n) {
            if (n < 0) {
                throw new IllegalArgumentException(name + " must be >= 0, got " + n);
            }
            return n;
        }
    }
}
