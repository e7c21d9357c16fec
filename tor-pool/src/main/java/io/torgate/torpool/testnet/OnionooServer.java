package io.torgate.torpool.testnet;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The test network's stand-in for the Onionoo service: {@code GET {url}/details} with Onionoo's query
 * parameters, {@code Last-Modified}/{@code If-Modified-Since} (304) and gzip. Tests of the exit directory can
 * make it misbehave with {@link #mode(Mode)}.
 */
public final class OnionooServer implements AutoCloseable {

    /** How the server answers {@code /details}. */
    public enum Mode {
        /** A correct document. */
        NORMAL,
        /** 500 Internal Server Error. */
        ERROR_500,
        /** 200 with the first half of the JSON (a correct Content-Length for the half): unparseable. */
        TRUNCATED,
        /** 200 with an HTML error page instead of JSON. */
        GARBAGE,
        /** A correct document, but only after {@link #slowDelay(Duration)} (default 30 s). */
        SLOW
    }

    private static final Logger log = LoggerFactory.getLogger(OnionooServer.class);
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private final HttpServer server;
    private final ExecutorService executor;
    private final Supplier<OnionooSnapshot> snapshots;
    private final URI url;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger notModified = new AtomicInteger();
    private volatile Mode mode = Mode.NORMAL;
    private volatile Duration slowDelay = Duration.ofSeconds(30);

    private OnionooServer(HttpServer server, ExecutorService executor, Supplier<OnionooSnapshot> snapshots) {
        this.server = server;
        this.executor = executor;
        this.snapshots = snapshots;
        this.url = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    static OnionooServer start(Supplier<OnionooSnapshot> snapshots) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        ExecutorService executor = Executors.newCachedThreadPool(WhoamiServer.daemonThreads("onionoo"));
        OnionooServer o = new OnionooServer(server, executor, snapshots);
        server.createContext("/", o::handle);
        server.setExecutor(executor);
        server.start();
        return o;
    }

    /** Base URL without a trailing slash; the document is at {@code url() + "/details"}. */
    public URI url() {
        return url;
    }

    public Mode mode() {
        return mode;
    }

    /** Switches how later requests are answered (requests already being answered are not affected). */
    public void mode(Mode newMode) {
        this.mode = Objects.requireNonNull(newMode, "mode");
        log.info("onionoo test server now answers {}", newMode);
    }

    /** How long {@link Mode#SLOW} waits before answering. */
    public void slowDelay(Duration delay) {
        this.slowDelay = TestNetwork.requirePositive(delay, "slowDelay");
    }

    /** Requests received so far on any path. */
    public int requestCount() {
        return requests.get();
    }

    /** Requests answered 304 Not Modified so far. */
    public int notModifiedCount() {
        return notModified.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            requests.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                text(ex, 405, "only GET is supported, got " + ex.getRequestMethod());
                return;
            }
            if (!ex.getRequestURI().getPath().equals("/details")) {
                text(ex, 404, "this test server only serves /details, not " + ex.getRequestURI().getPath());
                return;
            }
            Mode m = mode;
            switch (m) {
                case ERROR_500 -> text(ex, 500, "internal server error (onionoo test server in mode ERROR_500)");
                case GARBAGE -> body(ex, 200, "text/html",
                        "<html><body><h1>502 Bad Gateway</h1></body></html>".getBytes(StandardCharsets.UTF_8));
                case SLOW -> {
                    try {
                        Thread.sleep(slowDelay.toMillis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    details(ex, false);
                }
                case TRUNCATED -> details(ex, true);
                case NORMAL -> details(ex, false);
            }
        } catch (IOException | RuntimeException e) {
            log.debug("onionoo request failed: {}", e.toString());
            throw e;
        }
    }

    private void details(HttpExchange ex, boolean truncate) throws IOException {
        OnionooQuery q;
        try {
            q = OnionooQuery.parse(ex.getRequestURI());
        } catch (OnionooQuery.BadQueryException e) {
            text(ex, 400, e.getMessage());
            return;
        }
        OnionooSnapshot snap = snapshots.get();
        Instant lastModified = snap.lastModified();
        ex.getResponseHeaders().set("Last-Modified", HTTP_DATE.format(lastModified));
        String ims = ex.getRequestHeaders().getFirst("If-Modified-Since");
        if (ims != null && !truncate && notModifiedSince(ims, lastModified)) {
            notModified.incrementAndGet();
            ex.sendResponseHeaders(304, -1);
            return;
        }
        byte[] json = OnionooDocument.details(snap, q);
        if (truncate) {
            json = Arrays.copyOf(json, json.length / 2);
        }
        body(ex, 200, "application/json; charset=utf-8", json);
    }

    /** True when the client's copy (dated {@code header}) is at least as new as {@code lastModified}. */
    static boolean notModifiedSince(String header, Instant lastModified) {
        try {
            Instant since = ZonedDateTime.parse(header.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return !lastModified.isAfter(since);
        } catch (DateTimeParseException e) {
            return false; // an unreadable date means "send the document", as RFC 9110 says
        }
    }

    private static void text(HttpExchange ex, int status, String message) throws IOException {
        body(ex, status, "text/plain; charset=utf-8", (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static void body(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        String accept = ex.getRequestHeaders().getFirst("Accept-Encoding");
        if (accept != null && accept.toLowerCase(java.util.Locale.ROOT).contains("gzip")) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(body.length / 4 + 64);
            try (GZIPOutputStream gz = new GZIPOutputStream(buf)) {
                gz.write(body);
            }
            body = buf.toByteArray();
            ex.getResponseHeaders().set("Content-Encoding", "gzip");
        }
        ex.getResponseHeaders().set("Vary", "Accept-Encoding");
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        ex.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
