package io.torgate.control.api;

import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the API answers one request, without any I/O: the token check, then the request target, the route and
 * the endpoint, every failure turned into {@code {"error": CODE, "detail": TEXT}}. The token check comes first
 * and looks at nothing but the Authorization header, so no spelling of a path, method or body is answered
 * differently without the token.
 */
final class ApiDispatcher {

    private static final Logger log = LoggerFactory.getLogger(ApiDispatcher.class);
    static final String UNMATCHED = "unmatched";

    /** A response, the extra headers it carries, and the endpoint pattern it is counted under. */
    record Answer(ApiResponse response, Map<String, String> headers, String endpoint) {
        static Answer of(ApiException e) {
            return new Answer(error(e.status(), e.code(), e.detail()), e.headers(), UNMATCHED);
        }

        int status() {
            return response.status();
        }
    }

    private final Routes routes;
    private final BearerToken token;

    /** @param token null when the API needs none */
    ApiDispatcher(Routes routes, BearerToken token) {
        this.routes = routes;
        this.token = token;
    }

    boolean tokenRequired() {
        return token != null;
    }

    /** The 401 for this Authorization header (null: none sent), or null when the request may go on. */
    Answer authenticate(String authorization) {
        if (token == null) {
            return null;
        }
        try {
            token.check(authorization);
            return null;
        } catch (ApiException e) {
            return Answer.of(e);
        }
    }

    /** Serves an authenticated request whose body has been read in full. Blocks while the endpoint does. */
    Answer dispatch(String method, String rawTarget, byte[] body) {
        String endpoint = UNMATCHED;
        try {
            RequestTarget target = RequestTarget.parse(rawTarget);
            if (!target.canonical()) {
                throw ApiException.notFound("no endpoint at " + RequestTarget.printable(target.path())
                        + "; paths are matched exactly as listed in README, 'Operating it' (no empty, '.' or '..'"
                        + " segments, no encoded '/' or control characters)");
            }
            Routes.Match match = routes.resolve(method, target.segments(), RequestTarget.printable(target.path()));
            endpoint = match.route().method() + " " + match.route().pattern();
            ApiResponse response = match.route().handler().handle(new ApiRequest(method, target.path(),
                    match.params(), ApiRequest.parseQuery(target.rawQuery()), body));
            return new Answer(response, Map.of(), endpoint);
        } catch (ApiException e) {
            return new Answer(error(e.status(), e.code(), e.detail()), e.headers(), endpoint);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(error(503, "unavailable", "the API is shutting down"), Map.of(), endpoint);
        } catch (Exception | Error e) {
            log.warn("API {} {} failed", method, endpoint, e);
            return new Answer(error(500, "internal_error", "the request failed inside torgate ("
                    + e.getClass().getSimpleName() + "); see torgate's log"), Map.of(), endpoint);
        }
    }

    static ApiResponse error(int status, String code, String detail) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("detail", detail);
        return ApiResponse.json(status, body);
    }
}
