package io.torgate.control.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The destination the child-JVM tests fetch through torgate: a web server on 127.0.0.1 whose every page is
 * {@link #BODY}, except {@code /hold}, which answers {@link #HELD_BODY} only once {@link #release()}d, so a
 * tunnel stays busy for as long as a test needs.
 */
final class LoopbackWebServer implements AutoCloseable {

    static final String BODY = "hello through torgate";
    static final String HELD_BODY = "held and done";

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final CountDownLatch holding = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    private LoopbackWebServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> answer(exchange, BODY));
        server.createContext("/hold", exchange -> {
            holding.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer(exchange, HELD_BODY);
        });
        server.setExecutor(threads); // a held request must not block the others
        server.start();
    }

    static LoopbackWebServer start() throws IOException {
        return new LoopbackWebServer();
    }

    private static void answer(HttpExchange exchange, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    /** A page that answers {@link #BODY} at once. */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/page";
    }

    /** The page that waits for {@link #release()}. */
    String holdUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hold";
    }

    /** Whether a request to {@link #holdUrl()} arrived (the tunnel reached the server) within the timeout. */
    boolean awaitHolding(Duration timeout) throws InterruptedException {
        return holding.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Lets held requests answer. */
    void release() {
        release.countDown();
    }

    @Override
    public void close() {
        release();
        server.stop(0);
        threads.shutdownNow();
    }
}
