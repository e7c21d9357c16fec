package io.torgate.torpool.circuit;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A circuit torgate built: tor's id for it, the path it runs, when it was BUILT and how long that took
 * (EXTENDCIRCUIT to the BUILT event, retries included).
 */
public record BuiltCircuit(String id, Path path, Instant builtAt, Duration buildTime, int attempts) {

    public BuiltCircuit {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(builtAt, "builtAt");
        Objects.requireNonNull(buildTime, "buildTime");
    }
}
