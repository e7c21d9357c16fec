package io.torgate.control.api;

import io.torgate.torpool.instance.InstanceState;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.pool.TorPool;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** {@code GET /health} (can torgate serve a tunnel now?) and {@code GET /status} (what is running). */
final class StatusEndpoints {

    private final ControlPlane cp;

    StatusEndpoints(ControlPlane cp) {
        this.cp = cp;
    }

    void register(Routes routes) {
        routes.add("GET", "/health", this::health)
                .add("GET", "/status", this::status);
    }

    private ApiResponse health(ApiRequest req) {
        req.allowQuery(Set.of());
        if (cp.isClosing()) {
            throw new ApiException(503, "unavailable", "torgate is shutting down");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        if (cp.pool() != null) {
            TorPool pool = cp.pool().pool();
            List<TorInstance> instances = pool.instances();
            long ready = instances.stream().filter(i -> i.state() == InstanceState.READY).count();
            if (ready == 0) {
                throw new ApiException(503, "not_ready", "no tor instance can carry a tunnel: " + instances.stream()
                        .map(i -> i.name() + " " + i.state() + (i.state() == InstanceState.BOOTSTRAPPING
                                ? " (bootstrap " + i.bootstrap().progress() + "%)" : ""))
                        .collect(Collectors.joining(", ")));
            }
            body.put("status", "ok");
            body.put("ready_instances", ready);
            body.put("instances", instances.size());
        } else {
            body.put("status", "ok");
        }
        return ApiResponse.ok(body);
    }

    private ApiResponse status(ApiRequest req) {
        req.allowQuery(Set.of());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", Version.get());
        body.put("started_at", cp.startedAt().toString());
        body.put("uptime_seconds", Durations.seconds(Duration.between(cp.startedAt(), Instant.now())));
        body.put("upstream", cp.upstream());

        Map<String, Object> listeners = new LinkedHashMap<>();
        listeners.put("gateway", ApiConfig.hostPort(cp.gateway().address()));
        listeners.put("api", cp.apiAddress() == null ? null : ApiConfig.hostPort(cp.apiAddress()));
        listeners.put("proxies", cp.proxies().list().stream().map(p -> ApiConfig.hostPort(p.address())).toList());
        body.put("listeners", listeners);

        Map<String, Object> tunnels = new LinkedHashMap<>();
        tunnels.put("active", cp.gateway().activeTunnels()
                + cp.proxies().gateways().stream().mapToInt(g -> g.activeTunnels()).sum());
        tunnels.put("direct_memory_bytes", cp.gateway().usedDirectMemory());
        body.put("tunnels", tunnels);

        if (cp.pool() != null) {
            List<TorInstance> instances = cp.pool().pool().instances();
            Map<String, Long> byState = new LinkedHashMap<>();
            for (InstanceState s : InstanceState.values()) {
                long n = instances.stream().filter(i -> i.state() == s).count();
                if (n > 0) {
                    byState.put(s.name(), n);
                }
            }
            Map<String, Object> pool = new LinkedHashMap<>();
            pool.put("instances", instances.size());
            pool.put("ready", instances.stream().filter(i -> i.state() == InstanceState.READY).count());
            pool.put("by_state", byState);
            pool.put("draining", cp.pool().drainingCount());
            body.put("pool", pool);
        } else {
            body.put("pool", null);
        }
        if (cp.directory() != null) {
            Map<String, Object> dir = new LinkedHashMap<>();
            dir.put("relays", cp.directory().size());
            dir.put("age_seconds", cp.directory().age().map(Durations::seconds).orElse(null));
            dir.put("last_refresh", cp.directory().lastOutcome()
                    .map(o -> o.kind().name().toLowerCase(java.util.Locale.ROOT)).orElse(null));
            body.put("directory", dir);
        } else {
            body.put("directory", null);
        }
        List<String> features = new ArrayList<>();
        features.add(cp.sessions() != null ? "sessions" : "sessions:unavailable");
        features.add(cp.reloader() != null ? "config_reload" : "config_reload:unavailable");
        body.put("features", features);
        return ApiResponse.ok(body);
    }
}
