package io.torgate.control.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control API: the JDK's {@link HttpServer} on its own small thread pool (never a Netty event loop), JSON in
 * and out. Checks the bearer token on every request when one is configured, resolves the route (404 / 405 with
 * Allow), and turns every failure into {@code {"error": CODE, "detail": TEXT}}. Logs method, path and status at
 * debug; never headers, so never the token.
 */
public final class ApiServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    /** Request bodies are small JSON objects; anything larger is refused before it is read. */
    static final int MAX_BODY_BYTES = 64 * 1024;

    static {
        // A client that trickles its request must not hold an API thread forever (read when the JDK server loads).
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", "30");
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final Routes routes;
    private final BearerToken token;
    private final MeterRegistry registry;
    private final InetSocketAddress address;

    private ApiServer(HttpServer server, ExecutorService executor, Routes routes, BearerToken token, MeterRegistry registry) {
        this.server = server;
        this.executor = executor;
        this.routes = routes;
        this.token = token;
        this.registry = registry;
        this.address = server.getAddress();
    }

    /**
     * Checks the configuration, binds and starts serving.
     *
     * @param registry where to count requests per endpoint and status; null for none
     * @throws ApiStartException for an unsafe configuration (config error) or a bind failure
     */
    public static ApiServer start(ApiConfig config, Routes routes, MeterRegistry registry) throws ApiStartException {
        config.checkSafe();
        HttpServer http;
        try {
            http = HttpServer.create(config.listen(), 64);
        } catch (BindException e) {
            throw new ApiStartException("cannot serve the API on " + ApiConfig.hostPort(config.listen()) + ": "
                    + e.getMessage(), false, e);
        } catch (IOException e) {
            throw new ApiStartException("cannot serve the API on " + ApiConfig.hostPort(config.listen()) + ": "
                    + e.getMessage(), false, e);
        }
        AtomicInteger n = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(config.threads(), r -> {
            Thread t = new Thread(r, "torgate-api-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        ApiServer api = new ApiServer(http, executor, routes, config.token().map(BearerToken::new).orElse(null), registry);
        http.createContext("/", api::handle);
        http.setExecutor(executor);
        http.start();
        log.info("control API on http://{} ({})", ApiConfig.hostPort(api.address),
                config.token().isPresent() ? "bearer token required" : "no token: loopback only");
        return api;
    }

    public InetSocketAddress address() {
        return address;
    }

    private void handle(HttpExchange exchange) {
        long t0 = System.nanoTime();
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        String endpoint = "unmatched";
        ApiResponse response;
        Map<String, String> headers = new LinkedHashMap<>();
        try {
            if (token != null) {
                token.check(exchange.getRequestHeaders().getFirst("Authorization"));
            }
            Routes.Match match = routes.resolve(method, segments(path), path);
            endpoint = match.route().method() + " " + match.route().pattern();
            byte[] body = readBody(exchange);
            response = match.route().handler().handle(new ApiRequest(method, path, match.params(),
                    ApiRequest.parseQuery(exchange.getRequestURI().getRawQuery()), body));
        } catch (ApiException e) {
            response = error(e.status(), e.code(), e.detail());
            headers.putAll(e.headers());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            response = error(503, "unavailable", "the API is shutting down");
        } catch (Exception | Error e) {
            log.warn("API {} {} failed", method, endpoint, e);
            response = error(500, "internal_error", "the request failed inside torgate (" + e.getClass().getSimpleName()
                    + "); see torgate's log");
        }
        write(exchange, response, headers);
        count(endpoint, response.status());
        if (log.isDebugEnabled()) {
            log.debug("API {} {} -> {} in {} ms", method, path, response.status(), (System.nanoTime() - t0) / 1_000_000);
        }
    }

    static ApiResponse error(int status, String code, String detail) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("detail", detail);
        return ApiResponse.json(status, body);
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

    private static byte[] readBody(HttpExchange exchange) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.strip()) > MAX_BODY_BYTES) {
                    throw tooLarge();
                }
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("bad_request", "Content-Length '" + declared + "' is not a number");
            }
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                throw tooLarge();
            }
            return body;
        }
    }

    private static ApiException tooLarge() {
        return new ApiException(413, "body_too_large", "request bodies are at most " + MAX_BODY_BYTES + " bytes");
    }

    private static void write(HttpExchange exchange, ApiResponse response, Map<String, String> headers) {
        try {
            byte[] bytes = response.isJson() ? Json.write(response.json())
                    : response.text().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", response.isJson()
                    ? "application/json; charset=utf-8" : response.contentType());
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
            exchange.sendResponseHeaders(response.status(), bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException e) {
            log.debug("API client went away before the answer was written: {}", e.toString());
        } finally {
            exchange.close();
        }
    }

    private void count(String endpoint, int status) {
        if (registry != null) {
            Counter.builder("torgate.api.requests")
                    .description("Control API requests, by endpoint pattern and HTTP status")
                    .tag("endpoint", endpoint)
                    .tag("status", Integer.toString(status))
                    .register(registry)
                    .increment();
        }
    }

    /** Stops listening, lets answers in progress finish for up to a second, and ends the API threads. */
    @Override
    public void close() {
        server.stop(1);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("control API on http://{} stopped", ApiConfig.hostPort(address));
    }
}
