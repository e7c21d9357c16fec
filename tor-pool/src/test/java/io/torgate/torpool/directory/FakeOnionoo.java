package io.torgate.torpool.directory;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPOutputStream;

/**
 * A scriptable stand-in for Onionoo on 127.0.0.1, for the failure shapes the test network's server does not
 * make (bad gzip, oversized bodies, 404, a server that goes away). Each request is answered by the current
 * {@link Answer}; the request headers are recorded.
 */
final class FakeOnionoo implements AutoCloseable {

    /** What the server sends back. */
    @FunctionalInterface
    interface Answer {
        void answer(HttpExchange ex) throws IOException;
    }

    record Request(String query, Map<String, List<String>> headers) {
        String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-onionoo");
        t.setDaemon(true);
        return t;
    });
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Answer answer = ex -> send(ex, 404, "text/plain", "no answer set".getBytes(), false);

    FakeOnionoo() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", ex -> {
            try (ex) {
                ex.getRequestBody().readAllBytes();
                requests.add(new Request(ex.getRequestURI().getRawQuery(), Map.copyOf(ex.getRequestHeaders())));
                answer.answer(ex);
            }
        });
        server.setExecutor(executor);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    int port() {
        return server.getAddress().getPort();
    }

    void answer(Answer a) {
        this.answer = a;
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    Request lastRequest() {
        return requests.get(requests.size() - 1);
    }

    /** Sends a body, gzipped when {@code gzip} (with the matching Content-Encoding). */
    static void send(HttpExchange ex, int status, String contentType, byte[] body, boolean gzip) throws IOException {
        Headers h = ex.getResponseHeaders();
        h.set("Content-Type", contentType);
        if (gzip) {
            body = gzip(body);
            h.set("Content-Encoding", "gzip");
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        ex.getResponseBody().write(body);
    }

    static byte[] gzip(byte[] body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(body);
        }
        return out.toByteArray();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
