package io.torgate.torpool.session;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The circuit a session rides, as torgate built it: what users of Tor session libraries call "circuit info".
 *
 * @param id        tor's id of the circuit on the session's instance
 * @param hops      guard, middle, exit
 * @param builtAt   when tor reported it BUILT
 * @param buildTime from asking tor to build it to BUILT, retries included
 */
public record CircuitInfo(String id, List<Hop> hops, Instant builtAt, Duration buildTime) {

    /** One relay of the circuit. */
    public record Hop(String fingerprint, String nickname) {
        public Hop {
            Objects.requireNonNull(fingerprint, "fingerprint");
            Objects.requireNonNull(nickname, "nickname");
        }
    }

    public CircuitInfo {
        Objects.requireNonNull(id, "id");
        hops = List.copyOf(hops);
        Objects.requireNonNull(builtAt, "builtAt");
        Objects.requireNonNull(buildTime, "buildTime");
    }

    /** How long ago it was built. */
    public Duration age(Instant now) {
        return Duration.between(builtAt, now);
    }
}
