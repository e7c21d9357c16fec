package io.torgate.torpool.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A located, runnable {@code tor} executable and its version. Locating it up front turns "tor is missing"
 * into one clear message instead of an IOException from deep inside a launch.
 */
public final class TorBinary {

    static final String INSTALL_HINT = "install it with 'apt-get install tor' (Debian/Ubuntu) or point --tor-path at it";

    private final Path path;
    private final String version;

    private TorBinary(Path path, String version) {
        this.path = path;
        this.version = version;
    }

    /** Finds {@code tor} on PATH. */
    public static TorBinary locate() throws TorNotFoundException {
        return locate(Optional.empty());
    }

    /** Uses the configured path when given, else searches PATH. */
    public static TorBinary locate(Optional<Path> configured) throws TorNotFoundException {
        Path candidate;
        if (configured.isPresent()) {
            candidate = configured.get();
            if (!Files.isRegularFile(candidate)) {
                throw new TorNotFoundException("tor not found at " + candidate + ": no such file; " + INSTALL_HINT);
            }
            if (!Files.isExecutable(candidate)) {
                throw new TorNotFoundException("tor at " + candidate + " is not executable; " + INSTALL_HINT);
            }
        } else {
            candidate = onPath("tor").orElseThrow(() ->
                    new TorNotFoundException("tor not found on PATH; " + INSTALL_HINT));
        }
        return new TorBinary(candidate, readVersion(candidate));
    }

    /** The executable. */
    public Path path() {
        return path;
    }

    /** e.g. {@code 0.4.9.11}. */
    public String version() {
        return version;
    }

    /** {@code tor-gencert}, which Debian's tor package installs next to tor; needed to make authority keys. */
    public Path torGencert() throws TorNotFoundException {
        Path sibling = path.resolveSibling("tor-gencert");
        if (Files.isExecutable(sibling)) {
            return sibling;
        }
        return onPath("tor-gencert").orElseThrow(() ->
                new TorNotFoundException("tor-gencert not found next to " + path + " nor on PATH; " + INSTALL_HINT));
    }

    static Optional<Path> onPath(String name) {
        String pathVar = System.getenv("PATH");
        if (pathVar == null) {
            return Optional.empty();
        }
        for (String dir : pathVar.split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static String readVersion(Path tor) throws TorNotFoundException {
        try {
            Process p = new ProcessBuilder(tor.toString(), "--version").redirectErrorStream(true).start();
            String out;
            try (var in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new TorNotFoundException(tor + " --version did not answer within 10 s");
            }
            // "Tor version 0.4.9.11."
            var m = java.util.regex.Pattern.compile("Tor version (\\S+?)\\.?\\s").matcher(out + " ");
            if (p.exitValue() != 0 || !m.find()) {
                throw new TorNotFoundException(tor + " does not look like tor: '--version' printed: "
                        + out.strip().lines().findFirst().orElse("(nothing)"));
            }
            return m.group(1);
        } catch (IOException e) {
            throw new TorNotFoundException("cannot run " + tor + ": " + e.getMessage() + "; " + INSTALL_HINT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TorNotFoundException("interrupted while checking " + tor);
        }
    }

    @Override
    public String toString() {
        return path + " (tor " + version + ")";
    }
}
