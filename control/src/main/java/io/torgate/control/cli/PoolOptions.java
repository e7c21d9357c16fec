package io.torgate.control.cli;

import io.torgate.control.api.PoolAdmin;
import io.torgate.torpool.instance.TorInstanceConfig;
import io.torgate.torpool.pool.TorPool;
import io.torgate.torpool.pool.TorPoolRouter;
import io.torgate.torpool.process.Torrc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The Tor pool's flags, shared by {@code run --upstream tor-pool} and {@code testnet}. */
final class PoolOptions {

    @Option(names = "--instances", paramLabel = "N", defaultValue = "2", converter = PositiveCountConverter.class,
            description = "Tor instances in the pool, started in parallel (each about 50 MB of memory).")
    int instances;

    @Option(names = "--tor-path", paramLabel = "FILE",
            description = "The tor executable; default: tor on PATH (install with 'apt-get install tor').")
    Path torPath;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "${env:TORGATE_STATE_DIR}",
            description = "Where torgate keeps tor data directories and testnet keys, so restarts are fast."
                    + " Default: $TORGATE_STATE_DIR, else $XDG_STATE_HOME/torgate, else ~/.local/state/torgate.")
    Path stateDir;

    @Option(names = "--bootstrap-timeout", paramLabel = "DURATION", defaultValue = "90s",
            converter = DurationConverter.class,
            description = "A tor instance that has not bootstrapped within this is renewed, then restarted.")
    Duration bootstrapTimeout;

    /** The state directory: the flag, else $XDG_STATE_HOME/torgate, else ~/.local/state/torgate. */
    Path stateDir() {
        if (stateDir != null && !stateDir.toString().isEmpty()) {
            return stateDir.toAbsolutePath();
        }
        String xdg = System.getenv("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("torgate").toAbsolutePath();
    }

    /** New instances are named this plus a number. */
    static final String NAME_PREFIX = "tor-";
    /** The largest pool the control API may scale to (each tor is about 50 MB). */
    static final int MAX_INSTANCES = 32;
    /** How long an instance the API removes may drain its tunnels, unless the request says. */
    static final Duration DEFAULT_DRAIN_GRACE = Duration.ofSeconds(30);

    /** A pool of {@link #instances} tors under {@code dir}, each with {@code extraTorrc} added to its torrc. */
    TorPool pool(Path dir, Torrc extraTorrc) {
        return TorPool.create(TorPool.configs(instances, NAME_PREFIX, dir, b -> customize(b, extraTorrc)));
    }

    /** Scales {@code pool} for the API: new instances get the same settings as the first ones. */
    PoolAdmin admin(TorPool pool, TorPoolRouter router, Path dir, Torrc extraTorrc) {
        return new PoolAdmin(pool, router, name -> customize(TorInstanceConfig.builder(name, dir), extraTorrc).build(),
                NAME_PREFIX, MAX_INSTANCES, DEFAULT_DRAIN_GRACE);
    }

    private TorInstanceConfig.Builder customize(TorInstanceConfig.Builder b, Torrc extraTorrc) {
        return b.torPath(Optional.ofNullable(torPath))
                .extraTorrc(extraTorrc)
                .bootstrapDeadline(bootstrapTimeout);
    }
}
