package io.torgate.control.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RequestTargetTest {

    @Test
    void canonicalPathsSplitIntoDecodedSegments() {
        assertThat(RequestTarget.parse("/pool/instances/tor-1?grace=2m").segments())
                .containsExactly("pool", "instances", "tor-1");
        assertThat(RequestTarget.parse("/pool/instances/tor-1?grace=2m").rawQuery()).isEqualTo("grace=2m");
        assertThat(RequestTarget.parse("/sessions/al%69ce/a+b%20c").segments()).containsExactly("sessions", "alice", "a+b c");
        assertThat(RequestTarget.parse("/").segments()).isEmpty();
        assertThat(RequestTarget.parse("/caf%C3%A9").segments()).containsExactly("café");
        assertThat(RequestTarget.parse("/status").rawQuery()).isNull();
    }

    @Test
    void absoluteFormIsReducedToItsPath() {
        assertThat(RequestTarget.parse("http://127.0.0.1:8080/status?x=1").segments()).containsExactly("status");
        assertThat(RequestTarget.parse("HTTP://h/status").path()).isEqualTo("/status");
        assertThat(RequestTarget.parse("http://h").segments()).isEmpty();
        assertThat(RequestTarget.parse("http://h?x=1").rawQuery()).isEqualTo("x=1");
    }

    @Test
    void nonCanonicalPathsMatchNothing() {
        for (String t : List.of("//status", "/status/", "/./status", "/%2e/status", "/%2E%2E/status", "/status/..",
                "///", "/a//b", "/%2fstatus", "/a%5cb", "/%00", "/a%0d%0ab", "/%7f")) {
            RequestTarget target = RequestTarget.parse(t);
            assertThat(target.canonical()).as(t).isFalse();
            assertThat(target.path()).isEqualTo(t);
        }
    }

    @Test
    void malformedTargetsAre400() {
        for (String t : List.of("/%zz", "/%", "/%4", "/a%g0", "/%C3", "/%FF")) {
            assertThatThrownBy(() -> RequestTarget.parse(t)).as(t).isInstanceOfSatisfying(ApiException.class,
                    e -> assertThat(e.status()).isEqualTo(400));
        }
        for (String t : List.of("*", "status", "", "?x")) {
            assertThatThrownBy(() -> RequestTarget.parse(t)).as(t).isInstanceOfSatisfying(ApiException.class,
                    e -> assertThat(e.detail()).contains("not a path"));
        }
    }

    @Test
    void printableEscapesAndShortens() {
        assertThat(RequestTarget.printable("/a\u0000b\u00e9")).isEqualTo("/a?b?");
        assertThat(RequestTarget.printable("/" + "x".repeat(200))).hasSize(103).endsWith("...");
    }
}
