package io.torgate.control.api;

import io.torgate.torpool.directory.ExitFilter;
import io.torgate.torpool.directory.NodeDirectory;
import io.torgate.torpool.directory.RefreshOutcome;
import io.torgate.torpool.directory.Relay;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** {@code /nodes}: the node directory's usable exits, filtered by country and flags; and a refresh on demand. */
final class NodeEndpoints {

    private final NodeDirectory directory;

    NodeEndpoints(NodeDirectory directory) {
        this.directory = directory;
    }

    void register(Routes routes) {
        routes.add("GET", "/nodes", this::list)
                .add("POST", "/nodes/refresh", this::refresh);
    }

    private NodeDirectory directory() {
        if (directory == null) {
            throw ApiException.conflict("no_directory", "this torgate keeps no node directory: only the tor-pool"
                    + " upstream chooses exits, so only it reads the Tor network's relays");
        }
        return directory;
    }

    private ApiResponse list(ApiRequest req) {
        req.allowQuery(Set.of("country", "flag"));
        NodeDirectory d = directory();
        ExitFilter filter;
        try {
            filter = ExitFilter.builder()
                    .countries(nonEmpty("country", req.queryValues("country")))
                    .requireFlags(nonEmpty("flag", req.queryValues("flag")))
                    .build();
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("bad_value", e.getMessage());
        }
        List<Map<String, Object>> nodes = d.exits(filter).stream().map(NodeEndpoints::json).toList();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("count", nodes.size());
        body.put("directory_age_seconds", d.age().map(Durations::seconds).orElse(null));
        body.put("nodes", nodes);
        return ApiResponse.ok(body);
    }

    private static List<String> nonEmpty(String param, List<String> values) {
        for (String v : values) {
            if (v.isBlank()) {
                throw ApiException.badRequest("bad_value", "query parameter '" + param + "' has an empty value");
            }
        }
        return values;
    }

    static Map<String, Object> json(Relay r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("fingerprint", r.fingerprint());
        m.put("nickname", r.nickname().orElse(null));
        m.put("country", r.country().orElse(null));
        m.put("flags", List.copyOf(r.flags()));
        m.put("exit_addresses", r.exitAddresses());
        m.put("bandwidth", r.observedBandwidth().isPresent() ? r.observedBandwidth().getAsLong() : null);
        return m;
    }

    private ApiResponse refresh(ApiRequest req) throws InterruptedException {
        req.allowQuery(Set.of());
        NodeDirectory d = directory();
        Duration wait = d.config().httpTimeout().plusSeconds(30);
        RefreshOutcome o;
        try {
            o = d.refreshNow().get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new ApiException(503, "unavailable", "the node directory is closed");
        } catch (TimeoutException e) {
            throw new ApiException(504, "timeout", "the refresh did not finish within " + wait.toSeconds() + " s;"
                    + " it goes on in the background");
        }
        if (o.isFailure()) {
            throw new ApiException(502, "refresh_failed", "the refresh failed ("
                    + o.reason().orElseThrow().name().toLowerCase(Locale.ROOT) + "): " + o.error().orElse("")
                    + "; the last good directory (" + d.size() + " relays) stays in use");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("outcome", o.kind().name().toLowerCase(Locale.ROOT));
        body.put("http_status", o.httpStatus());
        body.put("relays", o.relayCount());
        body.put("skipped", o.skipped());
        body.put("duration_seconds", Durations.seconds(o.duration()));
        body.put("started_at", o.startedAt().toString());
        return ApiResponse.ok(body);
    }
}
