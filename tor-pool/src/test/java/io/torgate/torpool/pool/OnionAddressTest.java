package io.torgate.torpool.pool;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Onion names checked before tor is asked: length, alphabet, version and checksum (rend-spec-v3 §6). */
class OnionAddressTest {

    /** A well-known, well-formed v3 name (DuckDuckGo's). */
    static final String VALID = "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion";

    @Test
    void aWellFormedV3NameWithOrWithoutSubdomainsPasses() {
        assertThat(OnionAddress.problem(VALID)).isEmpty();
        assertThat(OnionAddress.problem("www." + VALID.toUpperCase())).as("subdomain, any case").isEmpty();
        assertThat(OnionAddress.problem(VALID + ".")).as("a trailing dot").isEmpty();
    }

    @Test
    void malformedNamesSayWhatIsWrong() {
        assertThat(OnionAddress.problem("expyuzz4wqqyqhjn.onion")).hasValueSatisfying(p -> assertThat(p).contains("v2"));
        assertThat(OnionAddress.problem("abc.onion")).hasValueSatisfying(p -> assertThat(p).contains("56 characters")
                .contains("has 3"));
        assertThat(OnionAddress.problem(VALID.replace('d', '1'))).hasValueSatisfying(p -> assertThat(p)
                .contains("base32").contains("'1'"));
        // One character changed: still base32, but the checksum no longer matches.
        String typo = "e" + VALID.substring(1);
        assertThat(OnionAddress.problem(typo)).hasValueSatisfying(p -> assertThat(p).contains("checksum"));
    }
}
