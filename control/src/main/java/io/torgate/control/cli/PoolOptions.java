package io.torgate.control.cli;

import io.torgate.control.api.ApiException;
import io.torgate.control.api.PoolAdmin;
import io.torgate.control.config.ConfigLoader;
import io.torgate.control.config.PoolResizer;
import io.torgate.control.config.PoolSettings;
import io.torgate.control.config.TorgateConfig;
import io.torgate.torpool.instance.TorInstanceConfig;
import io.torgate.torpool.pool.TorPool;
import io.torgate.torpool.pool.TorPoolRouter;
import io.torgate.torpool.process.Torrc;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The Tor pool's flags, shared by {@code run --upstream tor-pool} and {@code testnet}. */
final class PoolOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--instances", paramLabel = "N", defaultValue = "2", converter = PositiveCountConverter.class,
            description = "Tor instances in the pool, started in parallel (each about 50 MB of memory).")
    int instances;

    @Option(names = "--tor-path", paramLabel = "FILE",
            description = "The tor executable; default: tor on PATH (install with 'apt-get install tor').")
    Path torPath;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where torgate keeps tor data directories and testnet keys, so restarts are fast."
                    + " Default: $TORGATE_STATE_DIR, else pool.state_dir of the config file, else"
                    + " $XDG_STATE_HOME/torgate, else ~/.local/state/torgate.")
    Path stateDir;

    @Option(names = "--bootstrap-timeout", paramLabel = "DURATION", defaultValue = "90s",
            converter = DurationConverter.class,
            description = "A tor instance that has not bootstrapped within this is renewed, then restarted.")
    Duration bootstrapTimeout;

    /** Adds the flags given on the command line to the config (they win over the environment and the file). */
    void addFlags(ConfigLoader.Builder b) {
        if (ConfigOptions.given(spec, "--instances")) {
            b.flag("pool.instances", instances, "--instances");
        }
        if (ConfigOptions.given(spec, "--tor-path")) {
            b.flag("pool.tor_path", torPath, "--tor-path");
        }
        if (ConfigOptions.given(spec, "--state-dir")) {
            b.flag("pool.state_dir", stateDir, "--state-dir");
        }
        if (ConfigOptions.given(spec, "--bootstrap-timeout")) {
            b.flag("pool.bootstrap_timeout", bootstrapTimeout, "--bootstrap-timeout");
        }
    }

    /** New instances are named this plus a number. */
    static final String NAME_PREFIX = "tor-";
    /** How long an instance the API removes may drain its tunnels, unless the request says. */
    static final Duration DEFAULT_DRAIN_GRACE = Duration.ofSeconds(30);

    /** A pool as the settings say, under {@code dir}; each instance's torrc gets {@code torrc}, then the extra lines. */
    static TorPool pool(TorgateConfig settings, Path dir, Torrc torrc) {
        return TorPool.create(TorPool.configs(settings.pool().instances(), NAME_PREFIX, dir,
                b -> customize(b, settings, torrc)));
    }

    /**
     * Scales {@code pool} for the API, up to {@code pool.max_instances}: new instances get the same settings as the
     * first ones.
     */
    static PoolAdmin admin(TorPool pool, TorPoolRouter router, TorgateConfig settings, Path dir, Torrc torrc) {
        return new PoolAdmin(pool, router, name -> instanceConfig(settings, name, dir, torrc),
                NAME_PREFIX, settings.pool().maxInstances(), DEFAULT_DRAIN_GRACE);
    }

    /** One instance's config as the settings say (the pool's first instances are made the same way). */
    static TorInstanceConfig instanceConfig(TorgateConfig settings, String name, Path dir, Torrc torrc) {
        return customize(TorInstanceConfig.builder(name, dir), settings, torrc).build();
    }

    /** A reload's {@code pool.instances} change scales the pool as {@code POST /pool/instances} does. */
    static PoolResizer resizer(PoolAdmin admin) {
        return (from, to) -> {
            try {
                PoolAdmin.ScaleResult r = admin.scaleTo(to, admin.defaultGrace());
                return "pool.instances: " + from + " -> " + to + " (adding " + r.added() + ", draining "
                        + r.draining() + ")";
            } catch (ApiException e) {
                return "pool.instances: not resized to " + to + ": " + e.detail();
            }
        };
    }

    private static TorInstanceConfig.Builder customize(TorInstanceConfig.Builder b, TorgateConfig settings, Torrc torrc) {
        PoolSettings pool = settings.pool();
        return b.torPath(pool.torPath())
                .extraTorrc(new Torrc().addAll(torrc).addAll(pool.torrc()))
                .bootstrapDeadline(pool.bootstrapTimeout())
                // The gateway's switch: tor's words that torgate repeats are scrubbed like its own log lines.
                .logDestinations(settings.logging().logDestinations());
    }
}
