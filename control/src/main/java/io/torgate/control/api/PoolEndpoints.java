package io.torgate.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.torgate.torpool.instance.InstanceState;
import io.torgate.torpool.instance.TorInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code /pool}: the tor instances and their state; scale ({@code {"count": N}} or {@code {"add": k}}), drain
 * one ({@code DELETE}), NEWNYM, restart. Scaling and draining answer 202 at once: instances start and stop in
 * the background, {@code GET /pool} shows how far they are.
 */
final class PoolEndpoints {

    /** Longest drain the API accepts. */
    private static final Duration MAX_GRACE = Duration.ofHours(1);

    private final PoolAdmin admin;

    PoolEndpoints(PoolAdmin admin) {
        this.admin = admin;
    }

    void register(Routes routes) {
        routes.add("GET", "/pool", this::pool)
                .add("POST", "/pool/instances", this::scale)
                .add("GET", "/pool/instances/{id}", this::instance)
                .add("DELETE", "/pool/instances/{id}", this::drain)
                .add("POST", "/pool/instances/{id}/newnym", this::newnym)
                .add("POST", "/pool/instances/{id}/restart", this::restart);
    }

    private PoolAdmin admin() {
        if (admin == null) {
            throw ApiException.conflict("no_pool", "this torgate has no tor pool (its upstream is not tor-pool)");
        }
        return admin;
    }

    private ApiResponse pool(ApiRequest req) {
        req.allowQuery(Set.of());
        PoolAdmin a = admin();
        List<TorInstance> inPool = a.pool().instances();
        List<Map<String, Object>> all = new ArrayList<>();
        inPool.forEach(i -> all.add(json(a, i, true)));
        a.drainingInstances().forEach(i -> all.add(json(a, i, false)));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("size", inPool.size());
        body.put("ready", inPool.stream().filter(i -> i.state() == InstanceState.READY).count());
        body.put("draining", a.drainingCount());
        body.put("max_instances", a.maxInstances());
        body.put("instances", all);
        return ApiResponse.ok(body);
    }

    private ApiResponse instance(ApiRequest req) {
        req.allowQuery(Set.of());
        PoolAdmin a = admin();
        String id = req.pathParam("id");
        return a.pool().instance(id).map(i -> ApiResponse.ok(json(a, i, true)))
                .or(() -> a.drainingInstances().stream().filter(i -> i.name().equals(id)).findFirst()
                        .map(i -> ApiResponse.ok(json(a, i, false))))
                .orElseThrow(() -> ApiException.notFound("no tor instance '" + id + "'"));
    }

    private ApiResponse scale(ApiRequest req) {
        req.allowQuery(Set.of());
        PoolAdmin a = admin();
        JsonNode body = req.jsonObject();
        Json.onlyFields(body, Set.of("count", "add", "grace"));
        if (body.has("count") == body.has("add")) {
            throw ApiException.badRequest("bad_value", "give exactly one of 'count' (scale to N instances) or"
                    + " 'add' (add k instances)");
        }
        PoolAdmin.ScaleResult r;
        if (body.has("count")) {
            Duration grace = body.has("grace")
                    ? Durations.parse("grace", Json.stringField(body, "grace"), MAX_GRACE) : a.defaultGrace();
            r = a.scaleTo(Json.intField(body, "count"), grace);
        } else {
            if (body.has("grace")) {
                throw ApiException.badRequest("bad_value", "'grace' goes with 'count' (it is how long removed"
                        + " instances drain); 'add' removes nothing");
            }
            r = a.add(Json.intField(body, "add"));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("size", r.size());
        out.put("added", r.added());
        out.put("draining", r.draining());
        return ApiResponse.json(202, out);
    }

    private ApiResponse drain(ApiRequest req) {
        req.allowQuery(Set.of("grace"));
        PoolAdmin a = admin();
        Duration grace = req.queryValue("grace").map(g -> Durations.parse("grace", g, MAX_GRACE)).orElse(a.defaultGrace());
        PoolAdmin.DrainStarted d = a.drain(req.pathParam("id"), grace);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("instance", d.instance());
        out.put("state", "draining");
        out.put("live_tunnels", d.liveTunnels());
        out.put("grace_seconds", d.graceSeconds());
        return ApiResponse.json(202, out);
    }

    private ApiResponse newnym(ApiRequest req) throws InterruptedException {
        req.allowQuery(Set.of());
        String id = req.pathParam("id");
        java.time.Instant at = admin().newnym(id);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("instance", id);
        out.put("signal_accepted_at", at.toString());
        return ApiResponse.ok(out);
    }

    private ApiResponse restart(ApiRequest req) {
        req.allowQuery(Set.of());
        String id = req.pathParam("id");
        admin().restart(id);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("instance", id);
        out.put("state", "restarting");
        return ApiResponse.json(202, out);
    }

    static Map<String, Object> json(PoolAdmin a, TorInstance i, boolean inPool) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", i.name());
        m.put("state", i.state().name());
        m.put("in_pool", inPool);
        m.put("draining", !inPool);
        m.put("restarting", a.isRestarting(i.name()));
        m.put("pid", i.pid().isPresent() ? i.pid().getAsLong() : null);
        m.put("socks", i.socksAddress().map(ApiConfig::hostPort).orElse(null));
        m.put("bootstrap_progress", i.bootstrap().progress());
        m.put("bootstrap_summary", i.bootstrap().summary());
        m.put("live_tunnels", a.liveTunnels(i.name()));
        m.put("restarts", i.restartCount());
        m.put("startup_seconds", i.lastStartupTime().map(Durations::seconds).orElse(null));
        return m;
    }
}
