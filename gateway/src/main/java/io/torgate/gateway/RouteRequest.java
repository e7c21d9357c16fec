package io.torgate.gateway;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a client asked for in its SOCKS / Proxy-Authorization username, parsed by {@link UsernameGrammar}.
 * Immutable. Country codes are lowercase ISO 3166-1 alpha-2, in the order given, without duplicates.
 *
 * @param user        the account name (the part before the first option); never empty
 * @param countries   exit in one of these countries; empty = any
 * @param excluded    exit in none of these countries
 * @param session     sticky session id, if any
 * @param ttl         session life after its last use (defaults to {@link #DEFAULT_TTL})
 * @param mode        strict or flexible; {@code exit-FP} implies strict
 * @param exitFingerprint a pinned relay (40 uppercase hex), if any
 * @param rotateEach  a fresh circuit for every connection
 * @param explicit    which keys the username actually carried (for layering on per-user defaults later)
 */
public record RouteRequest(
        String user,
        List<String> countries,
        List<String> excluded,
        Optional<String> session,
        Duration ttl,
        Mode mode,
        Optional<String> exitFingerprint,
        boolean rotateEach,
        java.util.Set<String> explicit) {

    public static final Duration DEFAULT_TTL = Duration.ofMinutes(10);
    public static final Duration MIN_TTL = Duration.ofSeconds(1);
    public static final Duration MAX_TTL = Duration.ofHours(24);

    public RouteRequest {
        Objects.requireNonNull(user, "user");
        countries = List.copyOf(countries);
        excluded = List.copyOf(excluded);
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(exitFingerprint, "exitFingerprint");
        explicit = java.util.Set.copyOf(explicit);
    }

    /** A request with no options: any exit, no session, flexible. */
    public static RouteRequest plain(String user) {
        return new RouteRequest(user, List.of(), List.of(), Optional.empty(), DEFAULT_TTL, Mode.FLEXIBLE,
                Optional.empty(), false, java.util.Set.of());
    }
}
