package io.torgate.control.api;

import io.torgate.control.metrics.TorgateMetrics;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code GET /metrics} (Prometheus text format) and {@code POST /config/reload}. */
final class OtherEndpoints {

    private final TorgateMetrics metrics;
    private final ConfigReloader reloader;

    OtherEndpoints(TorgateMetrics metrics, ConfigReloader reloader) {
        this.metrics = metrics;
        this.reloader = reloader;
    }

    void register(Routes routes) {
        routes.add("GET", "/metrics", this::metrics)
                .add("POST", "/config/reload", this::reload);
    }

    private ApiResponse metrics(ApiRequest req) {
        req.allowQuery(Set.of());
        return ApiResponse.text(200, TorgateMetrics.CONTENT_TYPE, metrics.scrape());
    }

    private ApiResponse reload(ApiRequest req) {
        req.allowQuery(Set.of());
        if (reloader == null) {
            throw ApiException.notImplemented("configuration reload is not available in this build: torgate takes its"
                    + " settings from flags and has no config file to re-read yet");
        }
        String summary;
        try {
            summary = reloader.reload();
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("bad_config", e.getMessage() + "; the running configuration is unchanged");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("reloaded", true);
        out.put("summary", summary);
        return ApiResponse.ok(out);
    }
}
