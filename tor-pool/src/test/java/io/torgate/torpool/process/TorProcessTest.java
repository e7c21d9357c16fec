package io.torgate.torpool.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorProcessTest {

    @TempDir
    Path dir;

    @Test
    void aMissingTorPathSaysHowToInstallTor() {
        assertThatThrownBy(() -> TorBinary.locate(Optional.of(dir.resolve("no-such-tor"))))
                .isInstanceOf(TorNotFoundException.class)
                .hasMessageContaining("no-such-tor")
                .hasMessageContaining("apt-get install tor");
    }

    @Test
    void aPathThatIsNotTorIsRejectedWithWhatItPrinted() throws Exception {
        Path fake = dir.resolve("fake-tor");
        Files.writeString(fake, "#!/bin/sh\necho 'hello, I am not tor'\n");
        fake.toFile().setExecutable(true);
        assertThatThrownBy(() -> TorBinary.locate(Optional.of(fake)))
                .isInstanceOf(TorNotFoundException.class)
                .hasMessageContaining("does not look like tor")
                .hasMessageContaining("hello, I am not tor");
    }

    @Test
    void locatesTorAndItsVersion() throws Exception {
        TorBinary tor = TorBinary.locate();
        assertThat(tor.version()).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(Files.isExecutable(tor.torGencert())).isTrue();
    }

    @Test
    void anOptionTorRejectsFailsWithTorsOwnWords() throws Exception {
        TorBinary tor = TorBinary.locate();
        Path torrc = new Torrc().set("DataDirectory", dir.resolve("data")).set("NoSuchOption", 1)
                .write(dir.resolve("torrc"));
        assertThatThrownBy(() -> TorProcess.start(tor, "bad", torrc, dir.resolve("tor.log")))
                .isInstanceOf(TorStartException.class)
                .hasMessageContaining("NoSuchOption");
    }

    @Test
    void torrcValuesCannotInjectLines() {
        assertThatThrownBy(() -> new Torrc().set("Nickname", "x\nSocksPort 9050"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line break");
    }

    @Test
    void startsAndStopsATorProcessLeavingNothingRunning() throws Exception {
        TorBinary tor = TorBinary.locate();
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Path torrc = new Torrc()
                .set("DataDirectory", data)
                .set("SocksPort", "0")
                .set("DisableNetwork", "1")
                .set("Log", "notice stdout")
                .write(dir.resolve("torrc"));
        TorProcess p = TorProcess.start(tor, "idle", torrc, dir.resolve("tor.log"));
        long pid = p.pid();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(20))
                    .until(() -> p.tailLog(50).contains("Bootstrapped 0%") || p.tailLog(50).contains("Delaying directory fetches"));
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);
        } finally {
            p.stop(Duration.ofSeconds(10));
        }
        assertThat(p.isAlive()).isFalse();
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
    }
}
