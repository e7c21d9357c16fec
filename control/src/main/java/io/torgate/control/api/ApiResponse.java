package io.torgate.control.api;

import java.util.Objects;

/**
 * What an endpoint answers: a status and either a value to write as JSON or ready text with its content type.
 */
public final class ApiResponse {

    private final int status;
    private final Object json;
    private final String text;
    private final String contentType;

    private ApiResponse(int status, Object json, String text, String contentType) {
        this.status = status;
        this.json = json;
        this.text = text;
        this.contentType = contentType;
    }

    public static ApiResponse ok(Object body) {
        return json(200, body);
    }

    public static ApiResponse json(int status, Object body) {
        return new ApiResponse(status, Objects.requireNonNull(body, "body"), null, "application/json");
    }

    public static ApiResponse text(int status, String contentType, String text) {
        return new ApiResponse(status, null, Objects.requireNonNull(text, "text"), contentType);
    }

    public int status() {
        return status;
    }

    boolean isJson() {
        return json != null;
    }

    Object json() {
        return json;
    }

    String text() {
        return text;
    }

    String contentType() {
        return contentType;
    }
}
