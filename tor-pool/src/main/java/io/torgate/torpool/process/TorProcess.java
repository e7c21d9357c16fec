package io.torgate.torpool.process;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running {@code tor} process: launched from a torrc file with its stdout/stderr appended to a log file,
 * known by PID, stopped politely then forcibly. It knows nothing of control ports or bootstrap; the
 * supervisor and the testnet build on it.
 */
public final class TorProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TorProcess.class);

    private final String name;
    private final Process process;
    private final Path torrc;
    private final Path logFile;

    private TorProcess(String name, Process process, Path torrc, Path logFile) {
        this.name = name;
        this.process = process;
        this.torrc = torrc;
        this.logFile = logFile;
    }

    /**
     * Checks the torrc with {@code tor --verify-config} and, if tor accepts it, launches tor on it.
     *
     * @throws TorStartException with tor's own complaint when it rejects the configuration
     */
    public static TorProcess start(TorBinary tor, String name, Path torrc, Path logFile) throws TorStartException {
        verify(tor, torrc);
        try {
            Files.createDirectories(logFile.toAbsolutePath().getParent());
            ProcessBuilder pb = new ProcessBuilder(tor.path().toString(), "-f", torrc.toString(),
                    "--defaults-torrc", "/dev/null", "--ignore-missing-torrc")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = pb.start();
            log.debug("started tor '{}' pid {} with {}", name, p.pid(), torrc);
            return new TorProcess(name, p, torrc, logFile);
        } catch (IOException e) {
            throw new TorStartException("cannot launch " + tor.path() + " for '" + name + "': " + e.getMessage(), e);
        }
    }

    /** Runs {@code tor --verify-config}; throws with tor's [warn]/[err] lines if it rejects the file. */
    public static void verify(TorBinary tor, Path torrc) throws TorStartException {
        try {
            Process p = new ProcessBuilder(tor.path().toString(), "--verify-config", "-f", torrc.toString(),
                    "--defaults-torrc", "/dev/null", "--ignore-missing-torrc", "--hush")
                    .redirectErrorStream(true).start();
            String out;
            try (var in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new TorStartException("tor --verify-config on " + torrc + " did not finish within 30 s");
            }
            if (p.exitValue() != 0) {
                throw new TorStartException("tor rejected " + torrc + ": " + complaints(out));
            }
        } catch (IOException e) {
            throw new TorStartException("cannot run " + tor.path() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TorStartException("interrupted while verifying " + torrc, e);
        }
    }

    /** The [warn]/[err] lines of tor's output (what a person needs to fix the config), or all of it. */
    static String complaints(String out) {
        List<String> picked = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.contains("[warn]") || line.contains("[err]")) {
                picked.add(line.replaceFirst("^.*?\\[(warn|err)\\] ", "").strip());
            }
        }
        String s = picked.isEmpty() ? out.strip() : String.join("; ", picked);
        return s.isEmpty() ? "(tor printed nothing)" : s;
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    /** The OS process handle; unlike a bare PID it cannot be confused with a later process that reuses the PID. */
    public ProcessHandle toHandle() {
        return process.toHandle();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path torrc() {
        return torrc;
    }

    public Path logFile() {
        return logFile;
    }

    /** Completes with the exit code when tor exits, for whatever reason. */
    public CompletableFuture<Integer> onExit() {
        return process.onExit().thenApply(Process::exitValue);
    }

    /** The last {@code maxLines} lines of the log (for error messages and tests). */
    public String tailLog(int maxLines) {
        return tail(logFile, maxLines);
    }

    static String tail(Path file, int maxLines) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long len = raf.length();
            long from = Math.max(0, len - 64 * 1024);
            raf.seek(from);
            byte[] buf = new byte[(int) (len - from)];
            raf.readFully(buf);
            String[] lines = new String(buf, StandardCharsets.UTF_8).split("\n");
            int start = Math.max(0, lines.length - maxLines);
            return String.join("\n", java.util.Arrays.copyOfRange(lines, start, lines.length));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /**
     * Stops tor: SIGTERM to descendants then tor itself, waits up to {@code grace}, then SIGKILL for whatever
     * is left. Returns when the process is gone (or after a further 5 s if even SIGKILL did not take).
     * Note: tor treats SIGTERM as "shut down now"; a relay would wait ShutdownWaitLength on SIGINT.
     */
    public void stop(Duration grace) {
        if (!process.isAlive()) {
            return;
        }
        List<ProcessHandle> descendants = process.descendants().toList();
        descendants.forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            process.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            if (tailLog(3).contains("exiting cleanly")) {
                // Seen with tor 0.4.9.11 (mostly directory authorities): after "Catching signal TERM, exiting
                // cleanly" the main thread deadlocks in cpuworker_free_all(). State is already saved by then,
                // so SIGKILL loses nothing.
                log.info("tor '{}' (pid {}) hung in its shutdown after 'exiting cleanly'; killing it", name, pid());
            } else {
                log.warn("tor '{}' (pid {}) did not exit within {} ms of SIGTERM; killing it", name, pid(), grace.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            // onExit never fails
        }
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.error("tor '{}' (pid {}) survived SIGKILL", name, pid());
            }
        }
    }

    /**
     * Sends SIGHUP: tor re-reads its torrc and applies what changed (the test network uses it to move the
     * authorities' voting schedule). Java has no API for other signals, hence {@code kill(1)}.
     */
    public void reload() throws IOException {
        if (!process.isAlive()) {
            throw new IOException("tor '" + name + "' (pid " + pid() + ") is not running");
        }
        Process k = new ProcessBuilder("kill", "-HUP", Long.toString(pid())).redirectErrorStream(true).start();
        try {
            String out;
            try (var in = k.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            }
            if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
                throw new IOException("kill -HUP " + pid() + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while sending SIGHUP to tor '" + name + "'", e);
        }
    }

    /** Kills tor at once (SIGKILL), as a crash would; for tests and last-resort cleanup. */
    public void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(5));
    }

    @Override
    public String toString() {
        return "tor '" + name + "' pid " + pid();
    }
}
