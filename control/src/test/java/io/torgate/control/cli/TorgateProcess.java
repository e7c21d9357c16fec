package io.torgate.control.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code torgate} ({@link io.torgate.control.Main}) in a child JVM on the test class path, as a user runs it.
 * Collects stdout and stderr; {@link #close()} kills it (by its own handle) if a test left it running.
 */
final class TorgateProcess implements AutoCloseable {

    private static final Pattern API_LINE = Pattern.compile("torgate API on http://127\\.0\\.0\\.1:(\\d+) \\(.*\\)");
    private static final Pattern LISTENING =
            Pattern.compile("torgate listening on 127\\.0\\.0\\.1:(\\d+) \\(SOCKS5 and HTTP CONNECT\\), upstream (\\S+).*");

    private final Process process;
    private final StringBuffer stdout = new StringBuffer();
    private final StringBuffer stderr = new StringBuffer();
    private final CompletableFuture<Integer> port = new CompletableFuture<>();
    private final CompletableFuture<Integer> apiPort = new CompletableFuture<>();
    private final List<Thread> pumps = new ArrayList<>();

    private TorgateProcess(Process process) {
        this.process = process;
        pump(process.getInputStream(), stdout, true, "torgate-test-stdout");
        pump(process.getErrorStream(), stderr, false, "torgate-test-stderr");
    }

    static TorgateProcess start(String... args) throws IOException {
        return start(Map.of(), args);
    }

    /**
     * Starts torgate with extra environment variables. {@code run} and {@code testnet} get {@code --api 127.0.0.1:0}
     * unless the test names an {@code --api} itself: the default port 8080 may be taken on a shared machine.
     */
    static TorgateProcess start(Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // Netty reports any leaked buffer in the log; the tests assert there is no such report.
                "-Dio.netty.leakDetection.level=paranoid",
                // The production logging config, not a logback-test.xml that the test class path may carry.
                "-Dlogback.configurationFile=logback.xml",
                "-cp", System.getProperty("java.class.path"),
                "io.torgate.control.Main"));
        command.addAll(List.of(args));
        boolean serves = args.length > 0 && (args[0].equals("run") || args[0].equals("testnet"));
        if (serves && List.of(args).stream().noneMatch(a -> a.equals("--api") || a.startsWith("--api="))) {
            command.addAll(List.of("--api", "127.0.0.1:0"));
        }
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("TORGATE_API_TOKEN");
        pb.environment().putAll(env);
        return new TorgateProcess(pb.start());
    }

    private void pump(InputStream in, StringBuffer sink, boolean watchForPort, String name) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    sink.append(line).append('\n');
                    Matcher m = LISTENING.matcher(line);
                    if (watchForPort && m.matches()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                    Matcher api = API_LINE.matcher(line);
                    if (watchForPort && api.matches()) {
                        apiPort.complete(Integer.parseInt(api.group(1)));
                    }
                }
            } catch (IOException e) {
                sink.append("[pump failed: ").append(e).append("]\n");
            } finally {
                if (watchForPort) {
                    apiPort.completeExceptionally(new IllegalStateException("torgate exited before serving its API"));
                    port.completeExceptionally(new IllegalStateException("torgate exited before listening; stderr:\n"
                            + stderr));
                }
            }
        }, name);
        t.setDaemon(true);
        t.start();
        pumps.add(t);
    }

    /** Waits for the start-up line and returns the real bound port. */
    int awaitListeningPort(Duration timeout) throws Exception {
        try {
            return port.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no listening line within " + timeout + "; stdout:\n" + stdout
                    + "stderr:\n" + stderr, e);
        }
    }

    /** Waits for the "torgate API on http://127.0.0.1:PORT" line and returns the port. */
    int awaitApiPort(Duration timeout) throws Exception {
        try {
            return apiPort.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no API line within " + timeout + "; stdout:\n" + stdout + "stderr:\n" + stderr, e);
        }
    }

    /** Waits for the process to end; fails the test if it does not within the timeout. */
    int awaitExit(Duration timeout) throws InterruptedException {
        boolean ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(ended).as("torgate ended within %s; stderr:\n%s", timeout, stderr).isTrue();
        for (Thread pump : pumps) {
            pump.join(timeout.toMillis()); // the pipes close with the process; this collects their last lines
        }
        return process.exitValue();
    }

    /**
     * SIGTERM. Through the {@link ProcessHandle}: {@link Process#destroy()} sends the same signal but also closes
     * our ends of the pipes, which would lose the log lines written while stopping.
     */
    void terminate() {
        assertThat(process.toHandle().destroy()).isTrue();
    }

    /** SIGINT, as Ctrl-C sends. */
    void interrupt() throws Exception {
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    /** SIGHUP: torgate re-reads its configuration. */
    void hangup() throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    /** The child JVM's tor processes (and any other descendants) right now. */
    List<ProcessHandle> descendants() {
        return process.descendants().toList();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String stdout() {
        return stdout.toString();
    }

    String stderr() {
        return stderr.toString();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
