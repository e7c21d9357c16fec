package io.torgate.control.metrics;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus's own checker. .ci/run installs it (Debian package prometheus); a test skips only when it is truly
 * absent from this machine.
 */
public final class Promtool {

    public record Result(int exitCode, String output) { }

    private Promtool() {
    }

    public static Path require() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, "promtool");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        assumeTrue(false, "promtool is not installed (apt-get install prometheus; .ci/run does it)");
        throw new IllegalStateException("unreachable");
    }

    /** {@code promtool check metrics} on an exposition, given on stdin. */
    public static Result checkMetrics(String exposition) throws Exception {
        return run(exposition, require().toString(), "check", "metrics");
    }

    /** {@code promtool check config FILE}. */
    public static Result checkConfig(Path file) throws Exception {
        return run(null, require().toString(), "check", "config", file.toString());
    }

    private static Result run(String stdin, String... command) throws Exception {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "[unreadable: " + e + "]";
            }
        });
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("promtool did not finish within 60 s: " + new ArrayList<>(List.of(command)));
        }
        return new Result(p.exitValue(), out.get(10, TimeUnit.SECONDS));
    }
}
