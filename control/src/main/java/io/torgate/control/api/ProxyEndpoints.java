package io.torgate.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code /proxies}, compatible with tor-socks-proxy: {@code POST {"geo_category": "US"|"NON_US"|"<cc>", "mode":
 * "strict"|"flexible"}} opens a dedicated SOCKS5 port ({@code fixed_ip_mode} is accepted for {@code mode});
 * {@code GET} lists them as a JSON array; {@code DELETE /proxies/{port}} closes one.
 */
final class ProxyEndpoints {

    private final ProxyManager proxies;

    ProxyEndpoints(ProxyManager proxies) {
        this.proxies = proxies;
    }

    void register(Routes routes) {
        routes.add("GET", "/proxies", this::list)
                .add("POST", "/proxies", this::open)
                .add("DELETE", "/proxies/{port}", this::close);
    }

    private ApiResponse list(ApiRequest req) {
        req.allowQuery(Set.of());
        return ApiResponse.ok(proxies.list().stream().map(ProxyEndpoints::json).toList());
    }

    private ApiResponse open(ApiRequest req) {
        req.allowQuery(Set.of());
        JsonNode body = req.jsonObject();
        Json.onlyFields(body, Set.of("geo_category", "mode", "fixed_ip_mode"));
        if (body.has("mode") && body.has("fixed_ip_mode")) {
            throw ApiException.badRequest("bad_value", "give 'mode' or its alias 'fixed_ip_mode', not both");
        }
        String geo = Json.stringField(body, "geo_category");
        String modeField = body.has("fixed_ip_mode") ? "fixed_ip_mode" : "mode";
        String mode = body.has(modeField) ? Json.stringField(body, modeField) : "flexible";
        GeoPolicy policy = GeoPolicy.parse(geo, mode);
        return ApiResponse.json(201, json(proxies.open(policy)));
    }

    private ApiResponse close(ApiRequest req) {
        req.allowQuery(Set.of());
        String raw = req.pathParam("port");
        int port;
        try {
            port = Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("bad_value", "port '" + raw + "' is not a number");
        }
        if (port < 1 || port > 65535) {
            throw ApiException.badRequest("bad_value", "port " + port + " is outside 1-65535");
        }
        if (!proxies.close(port)) {
            throw ApiException.notFound("no proxy on port " + port);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("port", port);
        out.put("message", "Proxy on port " + port + " terminated.");
        return ApiResponse.ok(out);
    }

    static Map<String, Object> json(ProxyManager.Proxy p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("port", p.port());
        m.put("address", ApiConfig.hostPort(p.address()));
        m.put("geo_category", p.policy().category());
        m.put("mode", p.policy().modeName());
        m.put("countries", p.policy().countries());
        m.put("excluded", p.policy().excluded());
        m.put("status", "running");
        m.put("active_tunnels", p.gateway().activeTunnels());
        m.put("created_at", p.createdAt().toString());
        return m;
    }
}
