package io.torgate.control.policy;

import java.util.Optional;

/**
 * Where an exit relay is, so a pinned {@code exit-FP} can be checked against a user's allowed countries.
 * Backed by the node directory in production; must not block (it is asked on an event loop).
 */
@FunctionalInterface
public interface RelayCountries {

    /** Knows no relay: a pinned exit is refused for users whose countries are restricted. */
    RelayCountries UNKNOWN = fingerprint -> Optional.empty();

    /** The relay's lowercase ISO country code, if the relay and its country are known. */
    Optional<String> countryOf(String fingerprint);
}
