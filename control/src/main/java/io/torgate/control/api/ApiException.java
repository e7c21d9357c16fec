package io.torgate.control.api;

import java.util.Map;
import java.util.Objects;

/**
 * An API request that cannot be served as asked: the HTTP status, a short machine-readable code and a detail
 * for humans that names the bad value. Answered as {@code {"error": CODE, "detail": TEXT}}.
 */
public final class ApiException extends RuntimeException {

    private final int status;
    private final String code;
    private final Map<String, String> headers;

    public ApiException(int status, String code, String detail) {
        this(status, code, detail, Map.of());
    }

    public ApiException(int status, String code, String detail, Map<String, String> headers) {
        super(Objects.requireNonNull(detail, "detail"), null, false, false);
        this.status = status;
        this.code = Objects.requireNonNull(code, "code");
        this.headers = Map.copyOf(headers);
    }

    public static ApiException badRequest(String code, String detail) {
        return new ApiException(400, code, detail);
    }

    public static ApiException notFound(String detail) {
        return new ApiException(404, "not_found", detail);
    }

    public static ApiException conflict(String code, String detail) {
        return new ApiException(409, code, detail);
    }

    public static ApiException notImplemented(String detail) {
        return new ApiException(501, "not_implemented", detail);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String detail() {
        return getMessage();
    }

    /** Extra response headers (Allow for 405, WWW-Authenticate for 401). */
    public Map<String, String> headers() {
        return headers;
    }
}
