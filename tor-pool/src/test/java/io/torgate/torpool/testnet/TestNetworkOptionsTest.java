package io.torgate.torpool.testnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestNetworkOptionsTest {

    @Test
    void defaultsAreFourExitsInFourCountriesAndThreeMiddles() {
        TestNetwork.Options o = TestNetwork.Options.builder().stateDir(Path.of("x")).build();
        assertThat(o.exits()).isEqualTo(4);
        assertThat(o.middles()).isEqualTo(3);
        // one distinct country per exit for up to 32 exits, the four of the default network first
        assertThat(o.exitCountries()).startsWith("de", "us", "nl", "fr").hasSize(32).doesNotHaveDuplicates()
                .doesNotContain(o.nonExitCountry(), "jp", "kr");
        assertThat(o.bootstrapTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(o.stateDir()).isAbsolute();
    }

    @Test
    void badValuesAreRefusedNamingThem() {
        var b = TestNetwork.Options.builder();
        assertThatThrownBy(() -> b.exits(0)).hasMessageContaining("exits").hasMessageContaining("0");
        assertThatThrownBy(() -> b.middles(-1)).hasMessageContaining("-1");
        assertThatThrownBy(() -> b.exitCountries(List.of("de", "USA"))).hasMessageContaining("'USA'");
        assertThatThrownBy(() -> b.exitCountries(List.of())).hasMessageContaining("at least one");
        assertThatThrownBy(() -> b.bootstrapTimeout(Duration.ZERO)).hasMessageContaining("bootstrapTimeout");
        assertThatThrownBy(b::build).hasMessageContaining("stateDir");
        assertThatThrownBy(() -> TestNetwork.Options.builder().stateDir(Path.of("x")).middles(300).build())
                .hasMessageContaining("asked for 307");
        assertThat(TestNetwork.Options.builder().stateDir(Path.of("x")).exits(240).build().exits()).isEqualTo(240);
        assertThatThrownBy(() -> TestNetwork.Options.builder().stateDir(Path.of("x")).exits(241).build())
                .hasMessageContaining("at most 246 relays").hasMessageContaining("asked for 247");
        assertThat(TestNetwork.Options.builder().stateDir(Path.of("x")).exitCountries(List.of(" DE ")).build()
                .exitCountries()).containsExactly("de");
    }

    @Test
    void theVotingOffsetPutsTheFirstConsensusTheRequestedSecondsAfterLaunch() {
        long launch = 1_795_401_116L;
        int offset = RelayTorrcs.votingStartOffset(launch, 7);
        assertThat(RelayTorrcs.nextConsensusAfter(launch, offset)).isEqualTo(launch + 7);
        assertThat(RelayTorrcs.nextConsensusAfter(launch + 7, offset)).isEqualTo(launch + 17);
        assertThat(RelayTorrcs.nextConsensusAfter(launch + 6, offset)).isEqualTo(launch + 7);
    }
}
