package io.torgate.control.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The API's route table: a method and a path pattern ({@code /pool/instances/{id}/newnym}) per endpoint.
 * Resolves a request to its endpoint, or says 404 (no such path) or 405 (the path exists, the method does not,
 * with the methods it has for Allow).
 */
public final class Routes {

    /** Serves one endpoint. Runs on the API's own threads (never a Netty event loop), may block briefly. */
    @FunctionalInterface
    public interface Handler {
        ApiResponse handle(ApiRequest request) throws Exception;
    }

    record Route(String method, String pattern, List<String> segments, Handler handler) { }

    record Match(Route route, Map<String, String> params) { }

    private final List<Route> routes = new ArrayList<>();

    public Routes add(String method, String pattern, Handler handler) {
        if (!pattern.startsWith("/")) {
            throw new IllegalArgumentException("a route pattern starts with '/': " + pattern);
        }
        routes.add(new Route(method, pattern, segments(pattern), handler));
        return this;
    }

    /** The route for this method and path, or an {@link ApiException} (404 or 405). */
    Match resolve(String method, List<String> actual, String path) {
        TreeSet<String> allowed = new TreeSet<>();
        for (Route r : routes) {
            Optional<Map<String, String>> params = match(r.segments, actual);
            if (params.isPresent()) {
                if (r.method.equals(method)) {
                    return new Match(r, params.get());
                }
                allowed.add(r.method);
            }
        }
        if (allowed.isEmpty()) {
            throw ApiException.notFound("no endpoint at " + path + "; see README, 'Operating it'");
        }
        String allow = String.join(", ", allowed);
        throw new ApiException(405, "method_not_allowed", method + " is not allowed on " + path + "; allowed: " + allow,
                Map.of("Allow", allow));
    }

    private static Optional<Map<String, String>> match(List<String> pattern, List<String> actual) {
        if (pattern.size() != actual.size()) {
            return Optional.empty();
        }
        Map<String, String> params = new java.util.HashMap<>();
        for (int i = 0; i < pattern.size(); i++) {
            String p = pattern.get(i);
            if (p.startsWith("{") && p.endsWith("}")) {
                params.put(p.substring(1, p.length() - 1), actual.get(i));
            } else if (!p.equals(actual.get(i))) {
                return Optional.empty();
            }
        }
        return Optional.of(params);
    }

    private static List<String> segments(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }
}
