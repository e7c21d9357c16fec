package io.torgate.torpool.instance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.torgate.torpool.process.Torrc;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TorInstanceConfigTest {

    private final TorInstanceConfig.Builder b = TorInstanceConfig.builder("c0", Path.of("/tmp/state"));

    @Test
    void defaultsAreSane() {
        TorInstanceConfig c = b.build();
        assertThat(c.torPath()).isEmpty();
        assertThat(c.restartBackoffBase()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.restartBackoffCap()).isGreaterThan(c.restartBackoffBase());
        assertThat(c.maxRestarts()).isPositive();
        assertThat(c.extraTorrc().render()).doesNotContain("SocksPort");
    }

    @Test
    void badValuesAreNamedInTheError() {
        assertThatThrownBy(() -> b.bootstrapDeadline(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bootstrapDeadline").hasMessageContaining("PT0S");
        assertThatThrownBy(() -> b.stopGrace(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stopGrace");
        assertThatThrownBy(() -> b.restartBackoff(Duration.ofSeconds(10), Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("below its base");
        assertThatThrownBy(() -> b.restartLimit(0, Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("restartLimit");
        assertThatThrownBy(() -> b.circuitFailureLimit(0, Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("circuitFailureLimit");
        assertThatThrownBy(() -> TorInstanceConfig.builder("../escape", Path.of("/tmp")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("../escape");
    }

    @Test
    void extraTorrcMayNotTakeOverManagedOptions() {
        assertThatThrownBy(() -> b.extraTorrc(new Torrc().set("ControlPort", "9051")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ControlPort 9051");
    }

    @Test
    void theConfigIsImmutableEvenWhenTheCallersTorrcChanges() {
        Torrc extra = new Torrc().set("DisableNetwork", 1);
        TorInstanceConfig c = b.extraTorrc(extra).build();
        extra.set("Nickname", "late");
        assertThat(c.extraTorrc().render()).contains("DisableNetwork 1").doesNotContain("late");
        c.extraTorrc().set("Nickname", "also-late");
        assertThat(c.extraTorrc().render()).doesNotContain("also-late");
    }

    @Test
    void generatedTorrcHasTheManagedLinesThenTheExtras() {
        TorInstanceConfig c = b.extraTorrc(new Torrc().set("DisableNetwork", 1)).build();
        InstanceFiles files = new InstanceFiles(c.stateDir(), c.name());
        String torrc = InstanceTorrc.build(c, files, 4242).render();
        assertThat(torrc).contains("DataDirectory /tmp/state/c0/data\n")
                .contains("SocksPort 127.0.0.1:auto IsolateSOCKSAuth ExtendedErrors\n")
                .contains("ControlPort 127.0.0.1:auto\n")
                .contains("ControlPortWriteToFile /tmp/state/c0/control-port\n")
                .contains("CookieAuthentication 1\n")
                .contains("__OwningControllerProcess 4242\n");
        assertThat(torrc.indexOf("DisableNetwork")).isGreaterThan(torrc.indexOf("__OwningControllerProcess"));
        assertThat(torrc).contains("ConfluxEnabled 0\n");
    }

    @Test
    void extraLinesMayTurnConfluxBackOnWithoutADuplicateOption() {
        TorInstanceConfig c = b.extraTorrc(new Torrc().set("ConfluxEnabled", 1)).build();
        String torrc = InstanceTorrc.build(c, new InstanceFiles(c.stateDir(), c.name()), 1).render();
        assertThat(torrc).contains("ConfluxEnabled 1\n").doesNotContain("ConfluxEnabled 0");
    }

    @Test
    void destinationsInTorsWordsAreScrubbedUnlessAskedFor() {
        assertThat(b.build().logDestinations()).isFalse();
        assertThat(b.logDestinations(true).build().logDestinations()).isTrue();
        assertThat(b.build().toBuilder().build().logDestinations()).isTrue();
    }
}
