package io.torgate.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.torgate.control.config.TorgateConfig;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The client side of the control API, shared by {@code status}, {@code rotate}, {@code nodes} and
 * {@code check}: their {@code --api} / {@code --api-token} flags (a picocli mixin), the HTTP call with the
 * bearer token, and turning refusals and API errors into one printable {@link Failed}.
 */
final class ApiCall {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Option(names = "--api", paramLabel = "HOST:PORT", defaultValue = TorgateConfig.DEFAULT_API,
            converter = ListenAddressConverter.class,
            description = "Where torgate's control API listens.")
    InetSocketAddress api;

    @Option(names = "--api-token", paramLabel = "TOKEN",
            description = "Bearer token of the API; default: $TORGATE_API_TOKEN. Prefer the variable: a flag is"
                    + " visible to other local users in the process list.")
    String token;

    /** Where the token comes from when no flag gives it; tests put their own map here. */
    Map<String, String> env = System.getenv();

    /** An API answer: its status and JSON body (an empty object when the body is not JSON). */
    record Answer(int status, JsonNode body) {
        boolean ok() {
            return status / 100 == 2;
        }

        /** {@code error: DETAIL} of an API error body, e.g. {@code error: no session alice/x7k2}. */
        String error() {
            return "error: " + body.path("detail").asText("HTTP " + status);
        }
    }

    /** A call that did not give the answer the command needs; the message is printed as is (exit status 1). */
    static final class Failed extends RuntimeException {
        Failed(String message) {
            super(message);
        }
    }

    String hostPort() {
        return Foreground.hostPort(api);
    }

    /** GET or POST {@code path}; any status comes back, only an unreachable API throws. */
    Answer send(String method, String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + hostPort() + path))
                .timeout(TIMEOUT)
                .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("")
                        : HttpRequest.BodyPublishers.noBody());
        String t = token != null ? token : env.get("TORGATE_API_TOKEN");
        if (t != null && !t.isBlank()) {
            b.header("Authorization", "Bearer " + t.strip());
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Answer(r.statusCode(), parse(r.body()));
        } catch (ConnectException e) {
            throw unreachable();
        } catch (IOException e) {
            // HttpClient wraps a refused connection in a plain IOException at times: look at the cause chain
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof ConnectException) {
                    throw unreachable();
                }
            }
            throw new Failed("torgate API at " + hostPort() + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failed("interrupted");
        }
    }

    /** Like {@link #send} but an error status is a {@link Failed} saying {@code error: detail}. */
    JsonNode expectOk(String method, String path) {
        Answer a = send(method, path);
        if (!a.ok()) {
            throw new Failed(a.error());
        }
        return a.body();
    }

    static String encode(String pathOrQueryPart) {
        return URLEncoder.encode(pathOrQueryPart, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A JSON text or null as printed text ({@code -} for a missing value). */
    static String text(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode() ? "-" : n.asText();
    }

    private Failed unreachable() {
        return new Failed("torgate API not reachable at " + hostPort() + " (is torgate running with --api?)");
    }

    private static JsonNode parse(String body) {
        try {
            JsonNode n = body == null || body.isBlank() ? null : JSON.readTree(body);
            return n == null ? JSON.createObjectNode() : n;
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }
}
