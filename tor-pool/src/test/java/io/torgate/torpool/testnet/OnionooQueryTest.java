package io.torgate.torpool.testnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class OnionooQueryTest {

    private static OnionooQuery parse(String query) throws Exception {
        return OnionooQuery.parse(URI.create("http://127.0.0.1:1/details" + query));
    }

    @Test
    void parsesTheParametersTheExitDirectorySends() throws Exception {
        OnionooQuery q = parse("?type=relay&running=true&flag=Exit&fields=fingerprint,country,flags&limit=5&offset=2");
        assertThat(q.type()).contains("relay");
        assertThat(q.running()).contains(true);
        assertThat(q.flag()).contains("Exit");
        assertThat(q.fields()).hasValueSatisfying(f -> assertThat(f).containsExactly("fingerprint", "country", "flags"));
        assertThat(q.limit()).isEqualTo(5);
        assertThat(q.offset()).isEqualTo(2);
        assertThat(parse("").fields()).isEmpty();
        assertThat(parse("?search=exit0%20127.0").search()).isEqualTo(List.of("exit0", "127.0"));
    }

    @Test
    void refusesWhatItDoesNotKnowNamingTheCulprit() {
        assertThatThrownBy(() -> parse("?colour=blue")).hasMessageContaining("'colour'");
        assertThatThrownBy(() -> parse("?running=yes")).hasMessageContaining("'yes'");
        assertThatThrownBy(() -> parse("?type=guard")).hasMessageContaining("'guard'");
        assertThatThrownBy(() -> parse("?limit=-1")).hasMessageContaining("'-1'");
        assertThatThrownBy(() -> parse("?lookup=abc")).hasMessageContaining("'abc'");
        assertThatThrownBy(() -> parse("?country=deu")).hasMessageContaining("'deu'");
        assertThatThrownBy(() -> parse("?flag=Exit&flag=Guard")).hasMessageContaining("twice");
    }
}
