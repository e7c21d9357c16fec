package io.torgate.torpool.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.torgate.torpool.process.TorLogScrubber;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TorControl against real tor processes that stay off the network. */
class TorControlTest {

    @TempDir
    Path dir;

    @Test
    void authenticatesReadsStatusAndChangesConfiguration() throws Exception {
        try (OfflineTor tor = OfflineTor.start(dir); TorControl c = tor.connect()) {
            assertThat(c.bootstrapStatus().get(10, TimeUnit.SECONDS).progress()).isZero();
            assertThat(c.getInfo("version").get(10, TimeUnit.SECONDS)).startsWith("0.");
            assertThat(c.circuitStatus().get(10, TimeUnit.SECONDS)).isEmpty();
            assertThat(c.streamStatus().get(10, TimeUnit.SECONDS)).isEmpty();
            assertThat(c.subscribe(TorControl.EVENTS).get(10, TimeUnit.SECONDS)).isNull();

            Map<String, String> conf = new LinkedHashMap<>();
            conf.put("MaxCircuitDirtiness", "123");
            conf.put("ExitNodes", "$89ABCDEF0123456789ABCDEF0123456789ABCDEF");
            c.setConf(conf).get(10, TimeUnit.SECONDS);
            assertThat(c.getInfo("config/names").get(10, TimeUnit.SECONDS)).contains("MaxCircuitDirtiness");
            // GETCONF isn't wrapped; SETCONF's effect shows in the saved-config text.
            assertThat(c.getInfo("config-text").get(10, TimeUnit.SECONDS))
                    .contains("MaxCircuitDirtiness 123").contains("89ABCDEF0123456789ABCDEF0123456789ABCDEF");
            c.setConf(Map.of("ExitNodes", "")).get(10, TimeUnit.SECONDS);
            assertThat(c.getInfo("config-text").get(10, TimeUnit.SECONDS)).doesNotContain("ExitNodes");
        }
    }

    @Test
    void aRefusedCommandFailsWithTorsWordsAndTheConnectionStaysUsable() throws Exception {
        try (OfflineTor tor = OfflineTor.start(dir); TorControl c = tor.connect()) {
            assertThatThrownBy(() -> c.setConf(Map.of("MaxCircuitDirtiness", "not-a-duration")).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TorControlException.class)
                    .hasMessageContaining("SETCONF MaxCircuitDirtiness")
                    .hasMessageContaining("not-a-duration");
            assertThatThrownBy(() -> c.getInfo("no/such/key").get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TorControlException.class).hasMessageContaining("no/such/key");
            assertThat(c.isOpen()).isTrue();
            assertThat(c.getInfo("version").get(10, TimeUnit.SECONDS)).isNotBlank();
        }
    }

    @Test
    void destinationsInTorsRepliesAreScrubbedUnlessAskedFor() throws Exception {
        // Tor quotes the value it refused; any text of tor's may name a destination.
        Map<String, String> bad = Map.of("MaxCircuitDirtiness", "example.com:443");
        try (OfflineTor tor = OfflineTor.start(dir); TorControl c = tor.connect()) {
            assertThatThrownBy(() -> c.setConf(bad).get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TorControlException.class)
                    .hasMessageContaining("SETCONF MaxCircuitDirtiness refused by tor 'offline'")
                    .hasMessageContaining(TorLogScrubber.PLACEHOLDER)
                    .hasMessageNotContaining("example.com")
                    .cause().hasNoCause();
        }
        try (OfflineTor tor = OfflineTor.start(dir);
             TorControl c = TorControl.connect("offline", tor.controlAddress, tor.cookie(), Duration.ofSeconds(10),
                     TorLogScrubber.KEEP)) {
            assertThatThrownBy(() -> c.setConf(bad).get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TorControlException.class).hasMessageContaining("example.com:443");
        }
    }

    @Test
    void lineBreaksCannotSmuggleASecondCommand() throws Exception {
        try (OfflineTor tor = OfflineTor.start(dir); TorControl c = tor.connect()) {
            assertThatThrownBy(() -> c.signal("NEWNYM\r\nSIGNAL HALT")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> c.setConf(Map.of("Nickname", "x\nSocksPort 9050"))).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aWrongCookieIsACleanErrorNamingTheFile() throws Exception {
        try (OfflineTor tor = OfflineTor.start(dir)) {
            Path wrong = Files.write(dir.resolve("wrong-cookie"), new byte[32]);
            assertThatThrownBy(() -> TorControl.connect("offline", tor.controlAddress, wrong, Duration.ofSeconds(10)))
                    .hasMessageContaining("refused cookie authentication").hasMessageContaining("wrong-cookie");
            Path shortCookie = Files.write(dir.resolve("short-cookie"), new byte[3]);
            assertThatThrownBy(() -> TorControl.connect("offline", tor.controlAddress, shortCookie, Duration.ofSeconds(10)))
                    .hasMessageContaining("3 bytes");
        }
    }

    @Test
    void lossIsNoticedWhenTorDiesAndLaterCommandsFailFast() throws Exception {
        try (OfflineTor tor = OfflineTor.start(dir); TorControl c = tor.connect()) {
            tor.process.kill();
            String why = c.closed().get(10, TimeUnit.SECONDS);
            assertThat(why).contains("tor closed the control connection");
            assertThat(c.isClosedByUs()).isFalse();
            assertThatThrownBy(() -> c.getInfo("version").get(1, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ControlConnectionLostException.class);
        }
    }

    @Test
    void aTorThatTookOwnershipExitsByItselfWhenItsControllerCloses() throws Exception {
        try (OfflineTor tor = OfflineTor.start(dir)) {
            long pid = tor.process.pid();
            TorControl c = tor.connect();
            c.takeOwnership().get(10, TimeUnit.SECONDS);
            c.close();
            assertThat(c.isClosedByUs()).isTrue();
            // Nobody signals tor here: it must notice the closed owning connection and exit on its own.
            Awaitility.await().atMost(Duration.ofSeconds(15))
                    .until(() -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), alive -> !alive);
            assertThat(tor.process.tailLog(20)).contains("Owning controller connection has closed");
        }
    }

    @Test
    void newnymIsRateLimitedToWhatTorWillActOn() throws Exception {
        try (OfflineTor tor = OfflineTor.start(dir); TorControl c = tor.connect()) {
            Instant first = c.newnym().get(10, TimeUnit.SECONDS);
            CompletableFuture<Instant> second = c.newnym();
            CompletableFuture<Instant> third = c.newnym();
            assertThat(second).as("deferred, not sent inside tor's 10 s window").isNotDone();
            assertThat(c.newnymSignalsSent()).isEqualTo(1);
            Instant secondAt = second.get(20, TimeUnit.SECONDS);
            assertThat(third.get(1, TimeUnit.SECONDS)).as("the third joined the second").isEqualTo(secondAt);
            assertThat(Duration.between(first, secondAt)).isGreaterThanOrEqualTo(Duration.ofMillis(9_900));
            assertThat(c.newnymSignalsSent()).isEqualTo(2);
            assertThat(c.newnymRequestsCoalesced()).isEqualTo(1);
            // Tor logs when it has to delay a NEWNYM itself; it never had to.
            assertThat(tor.process.tailLog(200)).doesNotContain("Rate limiting NEWNYM");
        }
    }
}
