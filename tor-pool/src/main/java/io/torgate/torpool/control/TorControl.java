package io.torgate.torpool.control;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import io.torgate.torpool.process.TorLogScrubber;
import net.freehaven.tor.control.TorControlConnection;
import net.freehaven.tor.control.TorControlError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An authenticated control connection to one tor, built on jtorctl. jtorctl blocks on every command, so
 * each command runs on this connection's own thread and is offered here as a {@link CompletableFuture}:
 * safe to call from anywhere, including Netty event loops. Events (CIRC, STREAM, STATUS_CLIENT bootstrap)
 * are parsed from jtorctl's raw event lines — its typed handler drops fields such as SOURCE_ADDR — and
 * handed to {@link ControlEventListener}s on the reader thread.
 * <p>
 * Loss is noticed at once: end of stream or a socket error on the reader completes {@link #closed()}, and a
 * command tor does not answer within the command timeout is treated as a hung tor and closes the
 * connection too. After loss every pending and later command fails with {@link ControlConnectionLostException}.
 */
public final class TorControl implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TorControl.class);

    /** Tor acts on at most one NEWNYM per this interval (MAX_SIGNEWNYM_RATE in tor's source). */
    public static final Duration NEWNYM_INTERVAL = Duration.ofSeconds(10);

    /** The events torgate needs: circuits (exit learning, failures), streams (which exit), bootstrap. */
    public static final List<String> EVENTS = List.of("CIRC", "STREAM", "STATUS_CLIENT");

    private static final int COOKIE_LENGTH = 32;

    private final String name;
    private final Socket socket;
    private final TorControlConnection connection;
    private final ScheduledThreadPoolExecutor executor;
    private final Duration commandTimeout;
    private final List<ControlEventListener> listeners = new CopyOnWriteArrayList<>();
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    private final NewnymLimiter newnym;
    /** Tor's replies and event lines may name destinations (a stream's target); they are scrubbed in messages. */
    private final TorLogScrubber scrubber;
    private volatile boolean closedByUs;

    private TorControl(String name, Socket socket, Duration commandTimeout, Duration newnymInterval,
                       TorLogScrubber scrubber) throws IOException {
        this.name = name;
        this.scrubber = scrubber;
        this.socket = socket;
        this.commandTimeout = commandTimeout;
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "tor-control-" + name);
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        var in = new LossDetectingInputStream(new QuickAckInputStream(socket.getInputStream(), socket), this::lose);
        this.connection = new TorControlConnection(new InputStreamReader(in, StandardCharsets.UTF_8),
                new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8));
        this.connection.addRawEventListener(this::dispatch);
        this.newnym = new NewnymLimiter(newnymInterval, System::nanoTime,
                (task, delay) -> executor.schedule(task, delay, TimeUnit.NANOSECONDS),
                () -> signal("NEWNYM"));
    }

    /**
     * Connects to a tor's control port and authenticates with its cookie. Blocking (up to about twice the
     * command timeout): call it from a thread that may wait, never from an event loop.
     *
     * @throws IOException naming the address or the cookie file when connecting or authenticating fails
     */
    public static TorControl connect(String name, InetSocketAddress address, Path cookieFile, Duration commandTimeout)
            throws IOException {
        return connect(name, address, cookieFile, commandTimeout, TorLogScrubber.SCRUB);
    }

    /** The same, with tor's words in error messages and log lines passed through {@code scrubber}. */
    public static TorControl connect(String name, InetSocketAddress address, Path cookieFile, Duration commandTimeout,
                                     TorLogScrubber scrubber) throws IOException {
        return connect(name, address, cookieFile, commandTimeout, NEWNYM_INTERVAL, scrubber);
    }

    static TorControl connect(String name, InetSocketAddress address, Path cookieFile, Duration commandTimeout,
                              Duration newnymInterval) throws IOException {
        return connect(name, address, cookieFile, commandTimeout, newnymInterval, TorLogScrubber.SCRUB);
    }

    private static TorControl connect(String name, InetSocketAddress address, Path cookieFile, Duration commandTimeout,
                                      Duration newnymInterval, TorLogScrubber scrubber) throws IOException {
        java.util.Objects.requireNonNull(scrubber, "scrubber");
        byte[] cookie = readCookie(cookieFile);
        Socket socket = new Socket();
        try {
            socket.connect(address, (int) Math.min(Integer.MAX_VALUE, commandTimeout.toMillis()));
            socket.setTcpNoDelay(true);
        } catch (IOException e) {
            closeQuietly(socket);
            throw new IOException("cannot connect to tor '" + name + "' control port " + address + ": " + e.getMessage(), e);
        }
        TorControl control = new TorControl(name, socket, commandTimeout, newnymInterval, scrubber);
        control.connection.launchThread(true).setName("tor-control-reader-" + name);
        try {
            control.call("AUTHENTICATE", () -> {
                control.connection.authenticate(cookie);
                return null;
            }).get();
        } catch (ExecutionException e) {
            control.close();
            throw new IOException("tor '" + name + "' refused cookie authentication with " + cookieFile + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            control.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while authenticating to tor '" + name + "'", e);
        }
        return control;
    }

    private static byte[] readCookie(Path cookieFile) throws IOException {
        byte[] cookie;
        try {
            cookie = Files.readAllBytes(cookieFile);
        } catch (IOException e) {
            throw new IOException("cannot read tor's control cookie " + cookieFile + ": " + e.getMessage(), e);
        }
        if (cookie.length != COOKIE_LENGTH) {
            throw new IOException("tor's control cookie " + cookieFile + " has " + cookie.length + " bytes, expected "
                    + COOKIE_LENGTH);
        }
        return cookie;
    }

    /**
     * Reads the address tor wrote with {@code ControlPortWriteToFile} ({@code PORT=127.0.0.1:NNNNN}). Empty
     * while the file is missing or not yet complete: tor creates it before writing the line.
     */
    public static Optional<InetSocketAddress> readControlPortFile(Path file) {
        String content;
        try {
            content = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return Optional.empty();
        }
        for (String line : content.split("\n")) {
            if (line.startsWith("PORT=") && content.contains("\n")) {
                return parseHostPort(line.substring("PORT=".length()).strip());
            }
        }
        return Optional.empty();
    }

    /** {@code 127.0.0.1:9050} or {@code [::1]:9050} with a literal address (never resolved by DNS). */
    static Optional<InetSocketAddress> parseHostPort(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            return Optional.empty();
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (!host.matches("\\d{1,3}(\\.\\d{1,3}){3}") && !(host.contains(":") && host.matches("[0-9a-fA-F:.]+"))) {
            return Optional.empty(); // not a literal: refuse rather than resolve
        }
        try {
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            return Optional.of(new InetSocketAddress(InetAddress.getByName(host), port));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public String name() {
        return name;
    }

    public void addListener(ControlEventListener listener) {
        listeners.add(listener);
    }

    public void removeListener(ControlEventListener listener) {
        listeners.remove(listener);
    }

    /** Completes with the reason when the connection ends, whoever ended it. Never completes exceptionally. */
    public CompletableFuture<String> closed() {
        return closed;
    }

    public boolean isOpen() {
        return !closed.isDone();
    }

    /** Whether the connection ended because {@link #close()} was called (not because tor went away). */
    public boolean isClosedByUs() {
        return closedByUs;
    }

    /** {@code TAKEOWNERSHIP}: tor exits when this connection closes, so no tor outlives its controller. */
    public CompletableFuture<Void> takeOwnership() {
        return call("TAKEOWNERSHIP", () -> {
            connection.takeOwnership();
            return null;
        });
    }

    /** {@code SETEVENTS}; replaces the current subscription. */
    public CompletableFuture<Void> subscribe(List<String> events) {
        List<String> copy = List.copyOf(events);
        return call("SETEVENTS " + String.join(" ", copy), () -> {
            connection.setEvents(copy);
            return null;
        });
    }

    public CompletableFuture<String> getInfo(String key) {
        requireSafe(key);
        return call("GETINFO " + key, () -> {
            String v = connection.getInfo(key);
            if (v == null) {
                throw new TorControlException("GETINFO " + key + ": tor gave no value");
            }
            return v;
        });
    }

    public CompletableFuture<Map<String, String>> getInfo(List<String> keys) {
        List<String> copy = List.copyOf(keys);
        copy.forEach(TorControl::requireSafe);
        return call("GETINFO " + String.join(" ", copy), () -> connection.getInfo(copy));
    }

    /**
     * {@code SETCONF} with the options in the map's order, all or nothing (tor applies none if one is bad).
     * An empty value resets that option to its default.
     */
    public CompletableFuture<Void> setConf(Map<String, String> options) {
        List<String> set = new ArrayList<>();
        List<String> reset = new ArrayList<>();
        options.forEach((k, v) -> {
            requireSafe(k);
            requireSafe(v);
            if (k.isBlank() || k.contains(" ") || k.contains("=")) {
                throw new IllegalArgumentException("bad tor option name: '" + k + "'");
            }
            if (v.isEmpty()) {
                reset.add(k);
            } else {
                set.add(k + " " + v);
            }
        });
        return call("SETCONF " + String.join(" ", options.keySet()), () -> {
            connection.setConf(set);
            if (!reset.isEmpty()) {
                connection.resetConf(reset);
            }
            return null;
        });
    }

    /** {@code RESETCONF}: back to tor's defaults. */
    public CompletableFuture<Void> resetConf(Collection<String> keys) {
        List<String> copy = List.copyOf(keys);
        copy.forEach(TorControl::requireSafe);
        return call("RESETCONF " + String.join(" ", copy), () -> {
            connection.resetConf(copy);
            return null;
        });
    }

    /**
     * {@code SIGNAL name} as is. For NEWNYM use {@link #newnym()}, which respects tor's rate limit.
     */
    public CompletableFuture<Void> signal(String signal) {
        requireSafe(signal);
        return call("SIGNAL " + signal, () -> {
            connection.signal(signal);
            return null;
        });
    }

    /**
     * {@code SIGNAL SHUTDOWN}: tor answers, then exits and closes this connection — an expected close, so
     * {@link #isClosedByUs()} is true afterwards. A client tor exits at once; a relay waits ShutdownWaitLength.
     */
    public CompletableFuture<Void> shutdown() {
        closedByUs = true;
        return signal("SHUTDOWN");
    }

    /**
     * Asks for a new identity (new circuits for new streams). Requests within tor's 10 s rate limit are
     * coalesced into one signal sent when tor will act on it; the future completes with the moment tor
     * accepted that signal, i.e. when the new identity took effect.
     */
    public CompletableFuture<Instant> newnym() {
        return newnym.request();
    }

    /**
     * {@code CLOSECIRCUIT id}: tor closes the circuit and every stream on it, so no new stream can ever be
     * attached to it again.
     */
    public CompletableFuture<Void> closeCircuit(String circuitId) {
        requireSafe(circuitId);
        if (circuitId.isBlank() || circuitId.contains(" ")) {
            throw new IllegalArgumentException("bad circuit id: '" + circuitId + "'");
        }
        return call("CLOSECIRCUIT " + circuitId, () -> {
            connection.closeCircuit(circuitId, false);
            return null;
        });
    }

    /**
     * {@code EXTENDCIRCUIT 0 FP,FP,FP}: builds a new circuit along exactly this path (tor checks no path rules on
     * it: the caller's path selection must). Completes with the new circuit's id once tor has accepted the
     * request; the CIRC events say when it is BUILT or FAILED.
     */
    public CompletableFuture<String> extendCircuit(List<String> fingerprints) {
        if (fingerprints.isEmpty()) {
            throw new IllegalArgumentException("a circuit needs at least one hop");
        }
        for (String fp : fingerprints) {
            if (!fp.matches("[0-9A-Fa-f]{40}")) {
                throw new IllegalArgumentException("not a relay fingerprint: '" + fp + "'");
            }
        }
        String path = String.join(",", fingerprints);
        // jtorctl hands back the reply line after the status code: "EXTENDED <id>".
        return call("EXTENDCIRCUIT 0", () -> {
            String reply = connection.extendCircuit("0", path).strip();
            String id = reply.substring(reply.lastIndexOf(' ') + 1);
            requireId(id, "circuit");
            return id;
        });
    }

    /**
     * {@code ATTACHSTREAM sid cid}: sends a stream tor left unattached ({@code __LeaveStreamsUnattached}) down
     * this circuit; {@code "0"} hands it back to tor to attach itself (as {@code .onion} streams need).
     */
    public CompletableFuture<Void> attachStream(String streamId, String circuitId) {
        requireId(streamId, "stream");
        requireId(circuitId, "circuit");
        return call("ATTACHSTREAM " + streamId + " " + circuitId, () -> {
            connection.attachStream(streamId, circuitId);
            return null;
        });
    }

    /**
     * {@code CLOSESTREAM sid reason}: ends a stream (tor answers its SOCKS client with the matching reply).
     * Reason codes are tor-spec's RELAY_END reasons, e.g. 1 MISC, 2 RESOLVEFAILED, 4 EXITPOLICY, 7 TIMEOUT.
     */
    public CompletableFuture<Void> closeStream(String streamId, int reason) {
        requireId(streamId, "stream");
        if (reason < 1 || reason > 255) {
            throw new IllegalArgumentException("bad stream end reason " + reason);
        }
        return call("CLOSESTREAM " + streamId + " " + reason, () -> {
            connection.closeStream(streamId, (byte) reason);
            return null;
        });
    }

    /** {@code GETCONF key}: the option's value as tor reports it (empty when unset). */
    public CompletableFuture<String> getConf(String key) {
        requireSafe(key);
        return call("GETCONF " + key, () -> {
            List<net.freehaven.tor.control.ConfigEntry> entries = connection.getConf(key);
            return entries.isEmpty() || entries.get(0).value == null ? "" : entries.get(0).value;
        });
    }

    private static void requireId(String id, String what) {
        if (id == null || !id.matches("[0-9A-Za-z]{1,16}")) {
            throw new IllegalArgumentException("bad " + what + " id: '" + id + "'");
        }
    }

    /** NEWNYM signals actually sent on this connection (for tests and metrics). */
    public long newnymSignalsSent() {
        return newnym.signalsSent();
    }

    /** NEWNYM requests folded into an already pending signal. */
    public long newnymRequestsCoalesced() {
        return newnym.requestsCoalesced();
    }

    public CompletableFuture<BootstrapStatus> bootstrapStatus() {
        return getInfo("status/bootstrap-phase").thenApply(v -> BootstrapStatus.parse(v).orElseThrow(() ->
                new CompletionException(new TorControlException("unreadable status/bootstrap-phase: '" + v + "'"))));
    }

    /** {@code GETINFO circuit-status}: every circuit tor currently has. */
    public CompletableFuture<List<CircuitEvent>> circuitStatus() {
        return getInfo("circuit-status").thenApply(v -> parseLines(v, CircuitEvent::parse));
    }

    /** {@code GETINFO stream-status}: open streams only. */
    public CompletableFuture<List<StreamEvent>> streamStatus() {
        return getInfo("stream-status").thenApply(v -> parseLines(v, StreamEvent::parse));
    }

    /** {@code GETINFO ns/all}: the relays of the current consensus. */
    public CompletableFuture<List<RouterStatus>> networkStatus() {
        return getInfo("ns/all").thenApply(RouterStatus::parseAll);
    }

    /** {@code GETINFO net/listeners/socks}: the SOCKS ports tor listens on (TCP ones; unix sockets skipped). */
    public CompletableFuture<List<InetSocketAddress>> socksListeners() {
        return getInfo("net/listeners/socks").thenApply(v -> {
            List<InetSocketAddress> out = new ArrayList<>();
            for (String a : ControlLine.parse(v).args()) {
                parseHostPort(a).ifPresent(out::add);
            }
            return List.copyOf(out);
        });
    }

    private <T> List<T> parseLines(String value, java.util.function.Function<String, T> parser) {
        List<T> out = new ArrayList<>();
        for (String line : value.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                out.add(parser.apply(line));
            } catch (IllegalArgumentException e) {
                log.warn("tor '{}': skipping unreadable status line: {}", name, scrubber.scrub(e.getMessage()));
            }
        }
        return List.copyOf(out);
    }

    /** Closes the connection; a tor that took ownership then exits. Idempotent. */
    @Override
    public void close() {
        closedByUs = true;
        lose("closed by torgate");
    }

    private void lose(String why) {
        if (!closed.complete(why)) {
            return;
        }
        if (closedByUs) {
            log.debug("control connection to tor '{}' closed", name);
        } else {
            log.info("control connection to tor '{}' lost: {}", name, why);
        }
        closeQuietly(socket);
        // Interrupts a command stuck waiting for a reply: jtorctl leaves it waiting forever on a broken socket.
        executor.shutdownNow();
    }

    @FunctionalInterface
    private interface IoCall<T> {
        T call() throws IOException;
    }

    private <T> CompletableFuture<T> call(String what, IoCall<T> command) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (closed.isDone()) {
            f.completeExceptionally(lost(what));
            return f;
        }
        try {
            executor.execute(() -> {
                if (f.isDone()) {
                    return;
                }
                try {
                    f.complete(command.call());
                } catch (TorControlError e) {
                    // Tor's reply may quote what it refused: scrubbed, and without the unscrubbed cause, which a
                    // logged stack trace would print.
                    f.completeExceptionally(new TorControlException(what + " refused by tor '" + name + "': "
                            + scrubber.scrub(String.valueOf(e.getMessage()).replaceFirst("^Error reply: ", "")),
                            scrubber.scrubs() ? null : e));
                } catch (IOException e) {
                    f.completeExceptionally(closed.isDone() ? lost(what)
                            : new ControlConnectionLostException(what + " failed on tor '" + name + "': " + e.getMessage(), e));
                } catch (RuntimeException e) {
                    f.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(lost(what));
            return f;
        }
        f.orTimeout(commandTimeout.toMillis(), TimeUnit.MILLISECONDS);
        return f.handle((v, err) -> {
            if (err == null) {
                return v;
            }
            Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
            if (cause instanceof TimeoutException) {
                String why = "tor '" + name + "' did not answer " + what + " within " + commandTimeout.toMillis() + " ms";
                lose(why);
                throw new CompletionException(new ControlConnectionLostException(why));
            }
            throw new CompletionException(cause);
        });
    }

    private ControlConnectionLostException lost(String what) {
        return new ControlConnectionLostException(what + ": control connection to tor '" + name + "' is closed ("
                + closed.getNow("closing") + ")");
    }

    private void dispatch(String type, String rest) {
        if (log.isTraceEnabled()) {
            log.trace("tor '{}' event: {} {}", name, type, rest); // may name destinations: trace only
        }
        try {
            switch (type) {
                case "CIRC" -> {
                    CircuitEvent e = CircuitEvent.parse(rest);
                    listeners.forEach(l -> safely(() -> l.onCircuit(e)));
                }
                case "STREAM" -> {
                    StreamEvent e = StreamEvent.parse(rest);
                    listeners.forEach(l -> safely(() -> l.onStream(e)));
                }
                case "STATUS_CLIENT" -> BootstrapStatus.parse(rest)
                        .ifPresent(s -> listeners.forEach(l -> safely(() -> l.onBootstrap(s))));
                default -> { }
            }
        } catch (RuntimeException e) {
            // Never let a surprise escape: it would kill jtorctl's reader thread and wedge the connection.
            log.warn("tor '{}': unreadable {} event: {}", name, type, scrubber.scrub(e.toString()));
        }
    }

    private void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.warn("tor '{}': event listener failed", name, e);
        }
    }

    private static void requireSafe(String s) {
        if (s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("control command argument contains a line break");
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }

    @Override
    public String toString() {
        return "TorControl[" + name + ", " + (isOpen() ? "open" : "closed") + "]";
    }
}
