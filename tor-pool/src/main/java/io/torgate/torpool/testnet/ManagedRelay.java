package io.torgate.torpool.testnet;

import io.torgate.torpool.process.TorBinary;
import io.torgate.torpool.process.TorProcess;
import io.torgate.torpool.process.TorStartException;
import io.torgate.torpool.process.Torrc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * One relay of the network and its current tor process (if any). The spec can change between launches when a
 * remembered port was taken; everything else (identity, data directory, log file) stays.
 */
final class ManagedRelay {

    private volatile RelaySpec spec;
    private final String country;
    private final Set<String> family;
    private final Set<Integer> rejectedPorts;
    private final Path dataDir;
    private final Path torrcFile;
    private final Path logFile;
    private volatile TorProcess process;
    private volatile Instant startedAt;

    /**
     * {@code family}: fingerprints this relay names in {@code MyFamily}; {@code rejectedPorts}: the ports its exit
     * policy rejects. Both are only reported in snapshots; {@link RelayTorrcs} writes them into the torrc.
     */
    ManagedRelay(RelaySpec spec, String country, Set<String> family, Set<Integer> rejectedPorts, Path stateDir) {
        this.spec = spec;
        this.country = country;
        this.family = Set.copyOf(family);
        this.rejectedPorts = Set.copyOf(rejectedPorts);
        this.dataDir = dataDir(stateDir, spec.nickname());
        this.torrcFile = stateDir.resolve("torrc").resolve(spec.nickname());
        this.logFile = stateDir.resolve("logs").resolve(spec.nickname() + ".log");
    }

    static Path dataDir(Path stateDir, String nickname) {
        return stateDir.resolve("relays").resolve(nickname);
    }

    RelaySpec spec() {
        return spec;
    }

    void spec(RelaySpec newSpec) {
        this.spec = newSpec;
    }

    String fingerprint() {
        return spec.fingerprint();
    }

    String country() {
        return country;
    }

    Path dataDir() {
        return dataDir;
    }

    Path logFile() {
        return logFile;
    }

    Optional<TorProcess> process() {
        return Optional.ofNullable(process);
    }

    /** When the current process was launched, or empty while stopped. */
    Optional<Instant> startedAt() {
        return process == null ? Optional.empty() : Optional.ofNullable(startedAt);
    }

    boolean isRunning() {
        TorProcess p = process;
        return p != null && p.isAlive();
    }

    /** Writes the torrc and launches tor; the previous log is kept as {@code .log.1} for post-mortems. */
    TorProcess launch(TorBinary tor, Torrc torrc) throws TorStartException, IOException {
        RelayKeys.privateDir(dataDir);
        Files.createDirectories(logFile.getParent());
        if (Files.exists(logFile)) {
            Files.move(logFile, logFile.resolveSibling(logFile.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
        }
        torrc.write(torrcFile);
        TorProcess p = TorProcess.start(tor, spec.nickname(), torrcFile, logFile);
        startedAt = Instant.now();
        process = p;
        return p;
    }

    /** Replaces the torrc on disk; the running tor applies it on {@link TorProcess#reload()}. */
    void rewriteTorrc(Torrc torrc) throws IOException {
        torrc.write(torrcFile);
    }

    void stop(Duration grace) {
        TorProcess p = process;
        if (p != null) {
            p.stop(grace);
        }
        process = null;
    }

    /** SIGKILL, for the JVM shutdown hook where there is no time to be polite. */
    void kill() {
        TorProcess p = process;
        if (p != null) {
            p.kill();
        }
    }

    /** True when tor's log says it exited because a port was already taken (a race with another network). */
    boolean diedOfPortClash() {
        TorProcess p = process;
        return p != null && !p.isAlive() && p.tailLog(40).contains("Address already in use");
    }

    TestRelay snapshot() {
        TorProcess p = process;
        long pid = p != null && p.isAlive() ? p.pid() : -1;
        RelaySpec s = spec;
        return new TestRelay(s.nickname(), s.fingerprint(), s.role(), s.address(), s.orPort(), s.dirPort(), country, pid,
                family, rejectedPorts);
    }

    @Override
    public String toString() {
        return spec.nickname() + " (" + spec.fingerprint() + ")";
    }
}
