package io.torgate.torpool.instance;

import io.torgate.torpool.process.Torrc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Everything a {@link TorInstance} needs, immutable and validated when built. Durations must be positive;
 * a bad value is rejected with a message naming the setting and the value.
 */
public final class TorInstanceConfig {

    /** Options torgate sets itself for every instance; extra torrc lines may not set them too. */
    static final List<String> MANAGED_OPTIONS = List.of("DataDirectory", "SocksPort", "ControlPort",
            "ControlPortWriteToFile", "CookieAuthentication", "CookieAuthFile", "__OwningControllerProcess",
            // torgate chooses every circuit's exit itself: tor's own exit choice would only mislead.
            "ExitNodes", "StrictNodes",
            // Set over the control connection that builds circuits and attaches streams (CircuitStack).
            "__LeaveStreamsUnattached", "__DisablePredictedCircuits", "LearnCircuitBuildTimeout", "CircuitBuildTimeout");

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final String name;
    private final Path stateDir;
    private final Optional<Path> torPath;
    private final Torrc extraTorrc;
    private final Duration startTimeout;
    private final Duration controlTimeout;
    private final Duration bootstrapDeadline;
    private final Duration degradedGrace;
    private final Duration restartBackoffBase;
    private final Duration restartBackoffCap;
    private final int maxRestarts;
    private final Duration restartWindow;
    private final int circuitFailureThreshold;
    private final Duration circuitFailureWindow;
    private final Duration stopGrace;
    private final boolean logDestinations;

    private TorInstanceConfig(Builder b) {
        this.name = b.name;
        this.stateDir = b.stateDir;
        this.torPath = b.torPath;
        this.extraTorrc = new Torrc().addAll(b.extraTorrc);
        this.startTimeout = b.startTimeout;
        this.controlTimeout = b.controlTimeout;
        this.bootstrapDeadline = b.bootstrapDeadline;
        this.degradedGrace = b.degradedGrace;
        this.restartBackoffBase = b.restartBackoffBase;
        this.restartBackoffCap = b.restartBackoffCap;
        this.maxRestarts = b.maxRestarts;
        this.restartWindow = b.restartWindow;
        this.circuitFailureThreshold = b.circuitFailureThreshold;
        this.circuitFailureWindow = b.circuitFailureWindow;
        this.stopGrace = b.stopGrace;
        this.logDestinations = b.logDestinations;
    }

    public static Builder builder(String name, Path stateDir) {
        return new Builder(name, stateDir);
    }

    public Builder toBuilder() {
        Builder b = new Builder(name, stateDir);
        b.torPath = torPath;
        b.extraTorrc = new Torrc().addAll(extraTorrc);
        b.startTimeout = startTimeout;
        b.controlTimeout = controlTimeout;
        b.bootstrapDeadline = bootstrapDeadline;
        b.degradedGrace = degradedGrace;
        b.restartBackoffBase = restartBackoffBase;
        b.restartBackoffCap = restartBackoffCap;
        b.maxRestarts = maxRestarts;
        b.restartWindow = restartWindow;
        b.circuitFailureThreshold = circuitFailureThreshold;
        b.circuitFailureWindow = circuitFailureWindow;
        b.stopGrace = stopGrace;
        b.logDestinations = logDestinations;
        return b;
    }

    /** Names the instance in logs, threads and its directory under the state dir. */
    public String name() {
        return name;
    }

    /** The instance keeps its files in {@code stateDir/name} (data directory kept across restarts). */
    public Path stateDir() {
        return stateDir;
    }

    /** The tor executable; empty = search PATH. */
    public Optional<Path> torPath() {
        return torPath;
    }

    /** Extra torrc lines appended after torgate's own (a copy: edits do not reach this config). */
    public Torrc extraTorrc() {
        return new Torrc().addAll(extraTorrc);
    }

    /** How long tor may take from launch to writing its control port. */
    public Duration startTimeout() {
        return startTimeout;
    }

    /** How long a control command may go unanswered before tor is deemed hung. */
    public Duration controlTimeout() {
        return controlTimeout;
    }

    /** How long bootstrap may go without progress before the instance is DEGRADED. */
    public Duration bootstrapDeadline() {
        return bootstrapDeadline;
    }

    /** How long a DEGRADED instance gets, after its NEWNYM, to recover before it is restarted. */
    public Duration degradedGrace() {
        return degradedGrace;
    }

    public Duration restartBackoffBase() {
        return restartBackoffBase;
    }

    public Duration restartBackoffCap() {
        return restartBackoffCap;
    }

    /** Restarts allowed within {@link #restartWindow()}; one more and the instance is FAILED. */
    public int maxRestarts() {
        return maxRestarts;
    }

    public Duration restartWindow() {
        return restartWindow;
    }

    /** CIRC FAILED events within {@link #circuitFailureWindow()} that make a READY instance DEGRADED. */
    public int circuitFailureThreshold() {
        return circuitFailureThreshold;
    }

    public Duration circuitFailureWindow() {
        return circuitFailureWindow;
    }

    /** How long a stopping tor gets before it is killed. */
    public Duration stopGrace() {
        return stopGrace;
    }

    /**
     * Whether tor's own words (its log tail, control-port replies) may name destinations when torgate repeats them
     * in logs and error messages; otherwise they are scrubbed ({@link io.torgate.torpool.process.TorLogScrubber}).
     * The pool takes it from {@code logging.log_destinations}, the switch of the gateway's own log lines.
     */
    public boolean logDestinations() {
        return logDestinations;
    }

    @Override
    public String toString() {
        return "TorInstanceConfig[" + name + " in " + stateDir + ", tor " + torPath.map(Path::toString).orElse("from PATH")
                + ", bootstrapDeadline " + bootstrapDeadline + ", backoff " + restartBackoffBase + ".." + restartBackoffCap
                + ", " + maxRestarts + " restarts per " + restartWindow + "]";
    }

    public static final class Builder {
        private final String name;
        private final Path stateDir;
        private Optional<Path> torPath = Optional.empty();
        private Torrc extraTorrc = new Torrc();
        private Duration startTimeout = Duration.ofSeconds(30);
        private Duration controlTimeout = Duration.ofSeconds(30);
        private Duration bootstrapDeadline = Duration.ofSeconds(90);
        private Duration degradedGrace = Duration.ofSeconds(30);
        private Duration restartBackoffBase = Duration.ofSeconds(1);
        private Duration restartBackoffCap = Duration.ofSeconds(60);
        private int maxRestarts = 5;
        private Duration restartWindow = Duration.ofMinutes(10);
        private int circuitFailureThreshold = 10;
        private Duration circuitFailureWindow = Duration.ofSeconds(60);
        private Duration stopGrace = Duration.ofSeconds(10);
        private boolean logDestinations;

        private Builder(String name, Path stateDir) {
            Objects.requireNonNull(name, "name");
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("instance name must be 1-64 of [A-Za-z0-9_-], got '" + name + "'");
            }
            this.name = name;
            this.stateDir = Objects.requireNonNull(stateDir, "stateDir");
        }

        public Builder torPath(Optional<Path> torPath) {
            this.torPath = Objects.requireNonNull(torPath, "torPath");
            return this;
        }

        /** Lines to add to the generated torrc (e.g. a test network's client lines, an exit profile). */
        public Builder extraTorrc(Torrc extra) {
            Objects.requireNonNull(extra, "extraTorrc");
            for (String option : MANAGED_OPTIONS) {
                if (!extra.values(option).isEmpty()) {
                    throw new IllegalArgumentException("extra torrc may not set " + option
                            + " (torgate manages it for each instance); got '" + option + " " + extra.values(option).get(0) + "'");
                }
            }
            this.extraTorrc = new Torrc().addAll(extra);
            return this;
        }

        public Builder startTimeout(Duration d) {
            this.startTimeout = positive("startTimeout", d);
            return this;
        }

        public Builder controlTimeout(Duration d) {
            this.controlTimeout = positive("controlTimeout", d);
            return this;
        }

        public Builder bootstrapDeadline(Duration d) {
            this.bootstrapDeadline = positive("bootstrapDeadline", d);
            return this;
        }

        public Builder degradedGrace(Duration d) {
            this.degradedGrace = positive("degradedGrace", d);
            return this;
        }

        /** Restart delays grow from base by doubling up to cap. */
        public Builder restartBackoff(Duration base, Duration cap) {
            positive("restartBackoff base", base);
            positive("restartBackoff cap", cap);
            if (cap.compareTo(base) < 0) {
                throw new IllegalArgumentException("restartBackoff cap " + cap + " is below its base " + base);
            }
            this.restartBackoffBase = base;
            this.restartBackoffCap = cap;
            return this;
        }

        /** At most {@code max} restarts within {@code window}; beyond that the instance is FAILED. */
        public Builder restartLimit(int max, Duration window) {
            if (max < 1) {
                throw new IllegalArgumentException("restartLimit max must be at least 1, got " + max);
            }
            this.maxRestarts = max;
            this.restartWindow = positive("restartLimit window", window);
            return this;
        }

        /** {@code threshold} CIRC FAILED events within {@code window} mark a READY instance DEGRADED. */
        public Builder circuitFailureLimit(int threshold, Duration window) {
            if (threshold < 1) {
                throw new IllegalArgumentException("circuitFailureLimit threshold must be at least 1, got " + threshold);
            }
            this.circuitFailureThreshold = threshold;
            this.circuitFailureWindow = positive("circuitFailureLimit window", window);
            return this;
        }

        public Builder stopGrace(Duration d) {
            this.stopGrace = positive("stopGrace", d);
            return this;
        }

        /** Leave destinations in tor's words that torgate repeats (default false: scrubbed). */
        public Builder logDestinations(boolean enabled) {
            this.logDestinations = enabled;
            return this;
        }

        public TorInstanceConfig build() {
            return new TorInstanceConfig(this);
        }

        private static Duration positive(String what, Duration d) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, got " + d);
            }
            return d;
        }
    }
}
