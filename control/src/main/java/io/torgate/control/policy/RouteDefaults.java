package io.torgate.control.policy;

import io.torgate.gateway.Mode;
import io.torgate.gateway.RouteRequest;
import io.torgate.gateway.UsernameGrammar;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A user's default routing options, written in the config with the username grammar's keys and values
 * ({@code country}, {@code exclude}, {@code exit}, {@code mode}, {@code ttl}, {@code rotate}). They apply when
 * the username does not say otherwise; see {@link PolicyLayering}. There is no default {@code session}: it would
 * put every connection of the user into one sticky session.
 * <p>
 * The combinations the grammar rejects in a username are rejected here too (exit with country or exclude,
 * exit with mode flexible, a code both wanted and excluded), so a default set is always a valid username.
 */
public record RouteDefaults(
        List<String> countries,
        List<String> excluded,
        Optional<String> exitFingerprint,
        Optional<Mode> mode,
        Optional<Duration> ttl,
        boolean rotateEach) {

    public static final RouteDefaults NONE =
            new RouteDefaults(List.of(), List.of(), Optional.empty(), Optional.empty(), Optional.empty(), false);

    /** @throws IllegalArgumentException for a combination a username could not carry either */
    public RouteDefaults {
        countries = List.copyOf(countries);
        excluded = List.copyOf(excluded);
        Objects.requireNonNull(exitFingerprint, "exitFingerprint");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(ttl, "ttl");
        if (exitFingerprint.isPresent() && !countries.isEmpty()) {
            throw new IllegalArgumentException("exit pins one relay, so it cannot be combined with country");
        }
        if (exitFingerprint.isPresent() && !excluded.isEmpty()) {
            throw new IllegalArgumentException("exit pins one relay, so it cannot be combined with exclude");
        }
        if (exitFingerprint.isPresent() && mode.orElse(null) == Mode.FLEXIBLE) {
            throw new IllegalArgumentException("exit pins one relay and is always strict, so it cannot be"
                    + " mode flexible");
        }
        for (String code : countries) {
            if (excluded.contains(code)) {
                throw new IllegalArgumentException("country '" + code + "' is both in country and in exclude");
            }
        }
        ttl.ifPresent(d -> {
            if (d.compareTo(RouteRequest.MIN_TTL) < 0 || d.compareTo(RouteRequest.MAX_TTL) > 0) {
                throw new IllegalArgumentException("ttl must be between 1s and 24h");
            }
        });
    }

    /** The grammar keys this set gives a default for. */
    public Set<String> keys() {
        Set<String> keys = new LinkedHashSet<>();
        if (!countries.isEmpty()) {
            keys.add(UsernameGrammar.COUNTRY);
        }
        if (!excluded.isEmpty()) {
            keys.add(UsernameGrammar.EXCLUDE);
        }
        exitFingerprint.ifPresent(x -> keys.add(UsernameGrammar.EXIT));
        mode.ifPresent(x -> keys.add(UsernameGrammar.MODE));
        ttl.ifPresent(x -> keys.add(UsernameGrammar.TTL));
        if (rotateEach) {
            keys.add(UsernameGrammar.ROTATE);
        }
        return keys;
    }

    public boolean isEmpty() {
        return keys().isEmpty();
    }
}
