package io.torgate.control.config;

import io.torgate.torpool.process.Torrc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The tor pool.
 *
 * @param instances        tor instances to run
 * @param maxInstances     the most a reload (or the API) may grow the pool to
 * @param torPath          the tor executable; empty = tor on PATH
 * @param stateDir         where tor data directories (and the node directory) live
 * @param bootstrapTimeout an instance not bootstrapped within this is renewed, then restarted
 * @param extraTorrc       extra torrc lines ({@code Option value}) for every instance, in order
 */
public record PoolSettings(int instances, int maxInstances, Optional<Path> torPath, Path stateDir,
                           Duration bootstrapTimeout, List<String> extraTorrc, int warmCircuits) {

    public PoolSettings {
        extraTorrc = List.copyOf(extraTorrc);
    }

    /** The extra lines as a {@link Torrc} (each line was checked when the config was read). */
    public Torrc torrc() {
        Torrc t = new Torrc();
        for (String line : extraTorrc) {
            String[] kv = TorrcLines.split(line);
            t.set(kv[0], kv[1]);
        }
        return t;
    }
}
