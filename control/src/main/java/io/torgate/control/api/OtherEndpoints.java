package io.torgate.control.api;

import io.torgate.control.config.ReloadResult;
import io.torgate.control.metrics.TorgateMetrics;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** {@code GET /metrics} (Prometheus text format) and {@code POST /config/reload}. */
final class OtherEndpoints {

    /** The config file (or environment) does not load: the request was understood, the content is bad. */
    private static final int UNPROCESSABLE = 422;

    private final TorgateMetrics metrics;
    private final Supplier<ReloadResult> reloader;

    OtherEndpoints(TorgateMetrics metrics, Supplier<ReloadResult> reloader) {
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

    /** 200 with what changed and what needs a restart; 422 naming the bad setting (the running config stays). */
    private ApiResponse reload(ApiRequest req) {
        req.allowQuery(Set.of());
        if (reloader == null) {
            throw ApiException.notImplemented("configuration reload is not available: this torgate has no config"
                    + " file to re-read");
        }
        ReloadResult result = reloader.get();
        if (!result.applied()) {
            throw new ApiException(UNPROCESSABLE, "bad_config", result.message());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("applied", true);
        out.put("at", result.at().toString());
        out.put("message", result.message());
        out.put("changes", result.changes());
        out.put("restart_needed", result.restartNeeded());
        return ApiResponse.ok(out);
    }
}
