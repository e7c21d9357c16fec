package io.torgate.control.api;

import io.torgate.control.config.ReloadResult;
import io.torgate.control.metrics.TorgateMetrics;
import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.Router;
import io.torgate.torpool.directory.NodeDirectory;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Everything the control API operates on, for one running torgate: the main gateway, the tor pool (when the
 * upstream is tor-pool), the node directory, the session manager, the dedicated proxy ports, the metrics.
 * Made with {@link #builder()}; {@link #startApi(ApiConfig)} serves it. Closing stops the API, the proxy ports
 * and any instance still draining; the gateway, pool and directory belong to whoever made them.
 */
public final class ControlPlane implements AutoCloseable {

    private final String upstream;
    private final Gateway gateway;
    private final PoolAdmin pool;
    private final NodeDirectory directory;
    private final SessionsView sessions;
    private final Supplier<ReloadResult> reloader;
    private final TorgateMetrics metrics;
    private final ProxyManager proxies;
    private final Instant startedAt;
    private volatile ApiServer api;
    private volatile boolean closing;

    private ControlPlane(Builder b) {
        this.upstream = Objects.requireNonNull(b.upstream, "upstream");
        this.gateway = Objects.requireNonNull(b.gateway, "gateway");
        this.pool = b.pool;
        this.directory = b.directory;
        this.sessions = b.sessions;
        this.reloader = b.reloader;
        this.metrics = Objects.requireNonNull(b.metrics, "metrics");
        this.proxies = new ProxyManager(Objects.requireNonNull(b.gatewayConfig, "gatewayConfig"),
                Objects.requireNonNull(b.router, "router"), b.maxProxies);
        this.startedAt = b.startedAt;
        metrics.bindGateways(() -> {
            List<Gateway> all = new ArrayList<>();
            all.add(gateway);
            all.addAll(proxies.gateways());
            return all;
        });
        if (pool != null) {
            metrics.bindPool(pool.pool(), pool::liveTunnels, pool::drainingCount);
            metrics.bindCircuits(pool.router());
        }
        if (directory != null) {
            metrics.bindDirectory(directory);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The API's routes over this control plane. */
    public Routes routes() {
        Routes routes = new Routes();
        new StatusEndpoints(this).register(routes);
        new PoolEndpoints(pool).register(routes);
        new SessionEndpoints(sessions).register(routes);
        new NodeEndpoints(directory).register(routes);
        new ProxyEndpoints(proxies).register(routes);
        new OtherEndpoints(metrics, reloader).register(routes);
        return routes;
    }

    /** Starts serving the API; at most once. */
    public synchronized ApiServer startApi(ApiConfig config) throws ApiStartException {
        if (api != null) {
            throw new IllegalStateException("the API is already running on " + api.address());
        }
        api = ApiServer.start(config, routes(), metrics.registry());
        return api;
    }

    String upstream() {
        return upstream;
    }

    Gateway gateway() {
        return gateway;
    }

    PoolAdmin pool() {
        return pool;
    }

    NodeDirectory directory() {
        return directory;
    }

    SessionsView sessions() {
        return sessions;
    }

    Supplier<ReloadResult> reloader() {
        return reloader;
    }

    public ProxyManager proxies() {
        return proxies;
    }

    Instant startedAt() {
        return startedAt;
    }

    InetSocketAddress apiAddress() {
        ApiServer a = api;
        return a == null ? null : a.address();
    }

    boolean isClosing() {
        return closing;
    }

    @Override
    public void close() {
        closing = true;
        ApiServer a = api;
        if (a != null) {
            a.close();
        }
        proxies.close();
        if (pool != null) {
            pool.close();
        }
    }

    public static final class Builder {
        private String upstream;
        private Gateway gateway;
        private GatewayConfig gatewayConfig;
        private Router router;
        private PoolAdmin pool;
        private NodeDirectory directory;
        private SessionsView sessions;
        private Supplier<ReloadResult> reloader;
        private TorgateMetrics metrics;
        private int maxProxies = 32;
        private Instant startedAt = Instant.now();

        private Builder() {
        }

        /** How the upstream is described ({@code tor-pool}, {@code direct}, {@code socks5://…}). */
        public Builder upstream(String upstream) {
            this.upstream = upstream;
            return this;
        }

        /** The running main gateway, the config it was started with and its router (proxy ports copy both). */
        public Builder gateway(Gateway gateway, GatewayConfig config, Router router) {
            this.gateway = gateway;
            this.gatewayConfig = config;
            this.router = router;
            return this;
        }

        public Builder pool(PoolAdmin pool) {
            this.pool = pool;
            return this;
        }

        public Builder directory(NodeDirectory directory) {
            this.directory = directory;
            return this;
        }

        /** Null = not available (the session endpoints answer 501). */
        public Builder sessions(SessionsView sessions) {
            this.sessions = sessions;
            return this;
        }

        /**
         * Re-reads the config and applies it, e.g. {@code configReloader::reload}; never throws for a bad file
         * (the result says it was not applied). Null = not available ({@code POST /config/reload} answers 501).
         */
        public Builder reloader(Supplier<ReloadResult> reloader) {
            this.reloader = reloader;
            return this;
        }

        public Builder metrics(TorgateMetrics metrics) {
            this.metrics = metrics;
            return this;
        }

        public Builder maxProxies(int max) {
            this.maxProxies = max;
            return this;
        }

        /** When torgate started (for uptime); default: now. */
        public Builder startedAt(Instant startedAt) {
            this.startedAt = Objects.requireNonNull(startedAt, "startedAt");
            return this;
        }

        public ControlPlane build() {
            return new ControlPlane(this);
        }
    }
}
