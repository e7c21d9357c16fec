package io.torgate.torpool.testnet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loopback HTTP server that tells each client which exit relay of the test network carried its request,
 * found from which tor process owns the connecting socket (see {@link SocketOwners}). {@code GET /bytes?n=N}
 * sends N bytes for throughput tests; every other path answers the JSON identity. Keep-alive connections are
 * fine: the owner is looked up for every request from that request's own connection.
 *
 * <p>It answers on two ports alike: {@link #url()}, which every exit accepts, and {@link #rejectedPortUrl()},
 * which one exit's policy rejects (see {@link Topology}), so path selection by exit policy can be tested while
 * every exit still carries traffic to the first.
 */
final class WhoamiServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WhoamiServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Largest /bytes answer: enough for any throughput test, small enough that a typo cannot fill a disk. */
    static final long MAX_BYTES = 64L * 1024 * 1024 * 1024;
    private static final byte[] CHUNK = pattern(64 * 1024);

    private final HttpServer server;
    private final HttpServer rejectedPortServer;
    private final ExecutorService executor;
    private final Supplier<Collection<ManagedRelay>> relays;
    private final URI url;
    private final URI rejectedPortUrl;
    /** Requests answered, by the fingerprint of the relay that carried them: proof of what reached the server. */
    private final Map<String, LongAdder> requestsByCarrier = new ConcurrentHashMap<>();

    private WhoamiServer(HttpServer server, HttpServer rejectedPortServer, ExecutorService executor,
                         Supplier<Collection<ManagedRelay>> relays) {
        this.server = server;
        this.rejectedPortServer = rejectedPortServer;
        this.executor = executor;
        this.relays = relays;
        this.url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
        this.rejectedPortUrl = URI.create("http://127.0.0.1:" + rejectedPortServer.getAddress().getPort() + "/");
    }

    /** Listens on 127.0.0.1: an ephemeral port, and {@code rejectedPort} (chosen before the exits' torrcs). */
    static WhoamiServer start(Supplier<Collection<ManagedRelay>> relays, int rejectedPort) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        HttpServer second;
        try {
            second = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), rejectedPort), 128);
        } catch (IOException e) {
            server.stop(0);
            throw new IOException("port " + rejectedPort + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newCachedThreadPool(daemonThreads("whoami"));
        WhoamiServer w = new WhoamiServer(server, second, executor, relays);
        for (HttpServer s : java.util.List.of(server, second)) {
            s.createContext("/", w::handle);
            s.setExecutor(executor);
            s.start();
        }
        return w;
    }

    static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    URI url() {
        return url;
    }

    /** The same answers on the port one exit's policy rejects. */
    URI rejectedPortUrl() {
        return rejectedPortUrl;
    }

    /** HTTP requests that reached this server through the relay with this fingerprint. */
    long requestsThrough(String fingerprint) {
        LongAdder n = requestsByCarrier.get(fingerprint);
        return n == null ? 0 : n.sum();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            drain(ex.getRequestBody());
            InetSocketAddress client = ex.getRemoteAddress();
            Optional<ManagedRelay> relay = carrier(client, ex.getLocalAddress());
            relay.ifPresent(r -> requestsByCarrier.computeIfAbsent(r.snapshot().fingerprint(), k -> new LongAdder())
                    .increment());
            if (ex.getRequestURI().getPath().equals("/bytes")) {
                sendBytes(ex, relay);
            } else {
                sendIdentity(ex, client, relay);
            }
        } catch (IOException | RuntimeException e) {
            log.debug("whoami request failed: {}", e.toString());
            throw e;
        }
    }

    /** The relay whose tor process owns the client end of this connection, if any. */
    Optional<ManagedRelay> carrier(InetSocketAddress client, InetSocketAddress server) {
        OptionalLong inode = SocketOwners.inodeOf(client, server);
        if (inode.isEmpty()) {
            return Optional.empty();
        }
        for (ManagedRelay r : relays.get()) {
            Optional<Long> pid = r.process().filter(p -> p.isAlive()).map(p -> p.pid());
            if (pid.isPresent() && SocketOwners.owns(pid.get(), inode.getAsLong())) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    private static void sendIdentity(HttpExchange ex, InetSocketAddress client, Optional<ManagedRelay> relay)
            throws IOException {
        ObjectNode o = JSON.createObjectNode();
        TestRelay r = relay.map(ManagedRelay::snapshot).orElse(null);
        o.put("fingerprint", r == null ? null : r.fingerprint());
        o.put("nickname", r == null ? null : r.nickname());
        o.put("country", r == null ? null : r.country());
        if (r == null) {
            o.putNull("pid");
        } else {
            o.put("pid", r.pid());
        }
        o.put("role", r == null ? null : r.role().name().toLowerCase(java.util.Locale.ROOT));
        o.put("client", client.getAddress().getHostAddress() + ":" + client.getPort());
        o.put("via", r == null ? "direct" : r.isExit() ? "exit" : "relay");
        byte[] body = JSON.writeValueAsBytes(o);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
    }

    private static void sendBytes(HttpExchange ex, Optional<ManagedRelay> relay) throws IOException {
        String raw = queryParam(ex.getRequestURI(), "n");
        long n;
        try {
            n = Long.parseLong(raw == null ? "" : raw);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 0 || n > MAX_BYTES) {
            byte[] body = ("n must be a whole number of bytes from 0 to " + MAX_BYTES + ", got '" + raw + "'\n")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            ex.sendResponseHeaders(400, body.length);
            ex.getResponseBody().write(body);
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
        ex.getResponseHeaders().set("X-Exit-Fingerprint", relay.map(ManagedRelay::fingerprint).orElse("direct"));
        // -1 tells HttpServer "no body"; any other value is an exact Content-Length.
        ex.sendResponseHeaders(200, n == 0 ? -1 : n);
        OutputStream out = ex.getResponseBody();
        long left = n;
        while (left > 0) {
            int len = (int) Math.min(left, CHUNK.length);
            out.write(CHUNK, 0, len);
            left -= len;
        }
    }

    static String queryParam(URI uri, String name) {
        String q = uri.getRawQuery();
        if (q == null) {
            return null;
        }
        for (String pair : q.split("&")) {
            int eq = pair.indexOf('=');
            String k = java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (k.equals(name)) {
                return eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static void drain(InputStream in) throws IOException {
        byte[] buf = new byte[8192];
        while (in.read(buf) >= 0) {
            // discard: the answer never depends on a request body
        }
    }

    private static byte[] pattern(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }

    @Override
    public void close() {
        server.stop(0);
        rejectedPortServer.stop(0);
        executor.shutdownNow();
    }
}
