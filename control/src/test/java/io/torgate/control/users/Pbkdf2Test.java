package io.torgate.control.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Pbkdf2Test {

    private static final HexFormat HEX = HexFormat.of();
    private static final String KNOWN_HASH =
            "pbkdf2-sha256$1000$c2FsdHNhbHRzYWx0c2FsdA$LNfel4YEPKt6PZ8TDuIMU4OcvJwohBLHvor3SjuZMOk";

    /** RFC 7914 §11 publishes PBKDF2-HMAC-SHA256 test vectors (scrypt builds on them). */
    @Test
    void rfc7914Vectors() {
        assertThat(HEX.formatHex(Pbkdf2.derive("passwd", bytes("salt"), 1, 64))).isEqualTo(
                "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                        + "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
        assertThat(HEX.formatHex(Pbkdf2.derive("Password", bytes("NaCl"), 80_000, 64))).isEqualTo(
                "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
                        + "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");
    }

    /** The RFC 6070 inputs with SHA-256 (widely published vectors). */
    @Test
    void rfc6070InputsWithSha256() {
        assertThat(HEX.formatHex(Pbkdf2.derive("password", bytes("salt"), 1, 32)))
                .isEqualTo("120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
        assertThat(HEX.formatHex(Pbkdf2.derive("password", bytes("salt"), 4096, 32)))
                .isEqualTo("c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
    }

    /** Non-ASCII passwords are hashed as UTF-8 (expected value from Python's hashlib.pbkdf2_hmac). */
    @Test
    void nonAsciiPasswordsAreHashedAsUtf8() {
        assertThat(HEX.formatHex(Pbkdf2.derive("pässwörd", bytes("saltsaltsaltsalt"), 1000, 32)))
                .isEqualTo("2cd7de9786043cab7a3d9f130ee20c53839cbc9c288412c7be8af74a3b9930e9");
    }

    @Test
    void aKnownHashInTheTextFormatVerifies() {
        String encoded = Pbkdf2.format(1000, bytes("saltsaltsaltsalt"),
                HEX.parseHex("2cd7de9786043cab7a3d9f130ee20c53839cbc9c288412c7be8af74a3b9930e9"));
        assertThat(encoded).isEqualTo(KNOWN_HASH);
        Password p = Password.parse(encoded);
        assertThat(p.matches("pässwörd")).isTrue();
        assertThat(Password.parse(encoded).matches("passwörd")).isFalse();
        assertThat(Password.parse(encoded + "=").matches("pässwörd")).as("padding is optional").isTrue();
    }

    @Test
    void hashProducesAVerifiableHashWithAFreshSaltEachTime() {
        String a = Pbkdf2.hash("s3cret", Pbkdf2.MIN_ITERATIONS);
        String b = Pbkdf2.hash("s3cret", Pbkdf2.MIN_ITERATIONS);
        assertThat(a).startsWith("pbkdf2-sha256$1000$").isNotEqualTo(b).doesNotContain("s3cret");
        String[] parts = a.split("\\$");
        assertThat(Base64.getDecoder().decode(parts[2])).hasSize(Pbkdf2.SALT_BYTES);
        assertThat(Base64.getDecoder().decode(parts[3])).hasSize(Pbkdf2.HASH_BYTES);
        assertThat(Password.parse(a).matches("s3cret")).isTrue();
        assertThat(Password.parse(b).matches("s3cret")).isTrue();
        assertThat(Password.parse(a).matches("s3cret ")).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "pbkdf2-sha256$1000$c2FsdHNhbHRz                                                  | has 4 parts separated by '$'",
            "pbkdf2-sha256$lots$c2FsdHNhbHRzYWx0$LNfel4YEPKt6PZ8TDuIMU4OcvJwohBLHvor3SjuZMOk | iteration count of the pbkdf2-sha256 hash is not a whole number",
            "pbkdf2-sha256$999$c2FsdHNhbHRzYWx0$LNfel4YEPKt6PZ8TDuIMU4OcvJwohBLHvor3SjuZMOk  | between 1000 and 10000000, got 999",
            "pbkdf2-sha256$1000$$LNfel4YEPKt6PZ8TDuIMU4OcvJwohBLHvor3SjuZMOk                 | the salt of the pbkdf2-sha256 hash is empty",
            "pbkdf2-sha256$1000$c2Fs!!$LNfel4YEPKt6PZ8TDuIMU4OcvJwohBLHvor3SjuZMOk           | the salt of the pbkdf2-sha256 hash is not valid Base64",
            "pbkdf2-sha256$1000$c2FsdA$LNfel4YEPKt6PZ8TDuIMU4OcvJwohBLHvor3SjuZMOk           | the salt of the pbkdf2-sha256 hash is 4 bytes",
            "pbkdf2-sha256$1000$c2FsdHNhbHRzYWx0$c2hvcnQ                                     | the hash part of the pbkdf2-sha256 hash is 5 bytes",
            "pbkdf2-sha256$1000$c2FsdHNhbHRzYWx0$                                            | the hash of the pbkdf2-sha256 hash is empty",
    })
    void malformedHashesAreRejectedWithoutQuotingThem(String encoded, String expected) {
        assertThatThrownBy(() -> Password.parse(encoded))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(expected)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("c2FsdHNh").doesNotContain("LNfel4"));
    }

    @Test
    void plainPasswordsAreCheckedAndLimitedToTheSocks5Length() {
        Password p = Password.parse("hunter2");
        assertThat(p.matches("hunter2")).isTrue();
        assertThat(p.matches("hunter")).isFalse();
        assertThat(p.matches(null)).isFalse();
        assertThat(p.toString()).isEqualTo("plain password");
        assertThat(p.sameAs(Password.parse("hunter2"))).isTrue();
        assertThat(p.sameAs(Password.parse("hunter3"))).isFalse();
        assertThatThrownBy(() -> Password.parse("")).hasMessage("must not be empty");
        assertThatThrownBy(() -> Password.parse("é".repeat(128))).hasMessage("longer than 255 bytes, the SOCKS5 limit");
        assertThat(Password.parse("x".repeat(255)).matches("x".repeat(255))).isTrue();
    }

    @Test
    void aHashedPasswordRemembersTheRightOneAndStillRefusesWrongOnes() {
        String encoded = Pbkdf2.hash("right", Pbkdf2.MIN_ITERATIONS);
        Password p = Password.parse(encoded);
        assertThat(p.checkMayBeSlow("right")).as("not verified yet").isTrue();
        assertThat(p.matches("wrong")).as("before any success: full PBKDF2").isFalse();
        assertThat(p.checkMayBeSlow("right")).as("a wrong password verifies nothing").isTrue();
        assertThat(p.matches("right")).isTrue();
        assertThat(p.checkMayBeSlow("right")).as("the right one by its tag from now on").isFalse();
        assertThat(p.checkMayBeSlow("wrong")).as("a wrong one still pays the full PBKDF2").isTrue();
        assertThat(p.checkMayBeSlow(null)).isTrue();
        // From now on checks compare tags; the answers must not change.
        assertThat(p.matches("right")).isTrue();
        assertThat(p.matches("wrong")).isFalse();
        assertThat(p.matches("right ")).isFalse();
        assertThat(p.matches("")).isFalse();
        assertThat(p.matches(null)).isFalse();
        assertThat(p.toString()).isEqualTo("pbkdf2-sha256 hash (1000 iterations)");
        assertThat(p.sameAs(Password.parse(encoded))).isTrue();
        assertThat(p.sameAs(Password.parse(Pbkdf2.hash("right", Pbkdf2.MIN_ITERATIONS)))).as("other salt").isFalse();
        assertThat(p.sameAs(Password.parse("right"))).isFalse();
        assertThat(Password.parse("right").checkMayBeSlow("wrong")).as("plain").isFalse();
    }

    @Test
    void iterationBoundsAreEnforcedWhenHashing() {
        assertThatThrownBy(() -> Pbkdf2.hash("x", 10)).hasMessageContaining("got 10");
        assertThatThrownBy(() -> Pbkdf2.hash("x", Pbkdf2.MAX_ITERATIONS + 1)).hasMessageContaining("between");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
