package io.torgate.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** One API request as an endpoint sees it: method, path parameters, query parameters and the raw body. */
public final class ApiRequest {

    private final String method;
    private final String path;
    private final Map<String, String> pathParams;
    private final Map<String, List<String>> query;
    private final byte[] body;

    ApiRequest(String method, String path, Map<String, String> pathParams, Map<String, List<String>> query, byte[] body) {
        this.method = method;
        this.path = path;
        this.pathParams = Map.copyOf(pathParams);
        this.query = query;
        this.body = body;
    }

    public String method() {
        return method;
    }

    public String path() {
        return path;
    }

    /** The value of a {@code {name}} segment of the route's pattern. */
    public String pathParam(String name) {
        String v = pathParams.get(name);
        if (v == null) {
            throw new IllegalStateException("the route has no path parameter '" + name + "'");
        }
        return v;
    }

    /** Every value of a query parameter, comma-separated values split, in order. */
    public List<String> queryValues(String name) {
        List<String> out = new ArrayList<>();
        for (String v : query.getOrDefault(name, List.of())) {
            for (String part : v.split(",", -1)) {
                out.add(part);
            }
        }
        return out;
    }

    /** A parameter given at most once; 400 when repeated. */
    public Optional<String> queryValue(String name) {
        List<String> values = query.getOrDefault(name, List.of());
        if (values.size() > 1) {
            throw ApiException.badRequest("bad_value", "query parameter '" + name + "' is given " + values.size()
                    + " times; give it once");
        }
        return values.stream().findFirst();
    }

    /** 400 naming the first query parameter the endpoint does not know. */
    public void allowQuery(Set<String> allowed) {
        for (String name : query.keySet()) {
            if (!allowed.contains(name)) {
                throw ApiException.badRequest("bad_value", "unknown query parameter '" + name + "'"
                        + (allowed.isEmpty() ? "; this endpoint takes none"
                        : "; expected " + String.join(", ", allowed.stream().sorted().toList())));
            }
        }
    }

    /** The body as a JSON object (400 when missing or malformed). */
    public JsonNode jsonObject() {
        return Json.object(body);
    }

    public byte[] body() {
        return body.clone();
    }

    static Map<String, List<String>> parseQuery(String rawQuery) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return out;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return out;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("bad_value", "malformed percent-encoding in the query string");
        }
    }
}
