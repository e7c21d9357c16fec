package io.torgate.control.api;

import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.GatewayStartException;
import io.torgate.gateway.Router;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dedicated proxy ports (tor-socks-proxy's "proxies"): each is a second {@link Gateway} on 127.0.0.1 with a free
 * port, the main gateway's settings (users, limits, timeouts, metrics listener) and a router that forces the
 * port's {@link GeoPolicy} onto every request.
 */
public final class ProxyManager implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProxyManager.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";

    private final GatewayConfig template;
    private final Router mainRouter;
    private final int maxProxies;
    private final Map<Integer, Proxy> proxies = new TreeMap<>();
    private boolean closed;

    /** One open proxy port. */
    public record Proxy(int port, GeoPolicy policy, String session, Instant createdAt, Gateway gateway) {
        public InetSocketAddress address() {
            return gateway.address();
        }
    }

    /**
     * @param template   the main gateway's config: proxies copy everything but the address and the router
     * @param mainRouter the router proxies delegate to after forcing their policy
     */
    public ProxyManager(GatewayConfig template, Router mainRouter, int maxProxies) {
        this.template = Objects.requireNonNull(template, "template");
        this.mainRouter = Objects.requireNonNull(mainRouter, "mainRouter");
        if (maxProxies < 0) {
            throw new IllegalArgumentException("maxProxies must be >= 0, got " + maxProxies);
        }
        this.maxProxies = maxProxies;
    }

    /** Opens a new port with this policy. */
    public Proxy open(GeoPolicy policy) {
        synchronized (this) {
            if (closed) {
                throw new ApiException(503, "unavailable", "torgate is shutting down");
            }
            if (proxies.size() >= maxProxies) {
                throw ApiException.conflict("too_many_proxies", "already " + proxies.size()
                        + " proxy ports open, the limit is " + maxProxies + "; delete one first");
            }
        }
        String session = "px" + randomId(10);
        GatewayConfig config = template.toBuilder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .router(new ForcedPolicyRouter(mainRouter, policy, session))
                .build();
        Gateway gw;
        try {
            gw = Gateway.start(config);
        } catch (GatewayStartException e) {
            throw new ApiException(503, "unavailable", "cannot open a proxy port: " + e.getMessage());
        }
        Proxy p = new Proxy(gw.address().getPort(), policy, session, Instant.now(), gw);
        synchronized (this) {
            if (closed) {
                gw.close();
                throw new ApiException(503, "unavailable", "torgate is shutting down");
            }
            proxies.put(p.port(), p);
        }
        log.info("proxy port 127.0.0.1:{} opened: {} {}", p.port(), policy.category(), policy.modeName());
        return p;
    }

    public synchronized List<Proxy> list() {
        return List.copyOf(proxies.values());
    }

    public synchronized List<Gateway> gateways() {
        return proxies.values().stream().map(Proxy::gateway).toList();
    }

    /** Closes the port and its live tunnels; false when no proxy has that port. */
    public boolean close(int port) {
        Proxy p;
        synchronized (this) {
            p = proxies.remove(port);
        }
        if (p == null) {
            return false;
        }
        p.gateway().shutdown(Duration.ZERO);
        log.info("proxy port 127.0.0.1:{} closed", port);
        return true;
    }

    private static String randomId(int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(ALNUM.charAt(RANDOM.nextInt(ALNUM.length())));
        }
        return sb.toString();
    }

    @Override
    public void close() {
        List<Proxy> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(proxies.values());
            proxies.clear();
        }
        all.forEach(p -> p.gateway().shutdown(Duration.ZERO));
    }
}
