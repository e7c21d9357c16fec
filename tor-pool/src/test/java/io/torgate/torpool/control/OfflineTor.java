package io.torgate.torpool.control;

import io.torgate.torpool.process.TorBinary;
import io.torgate.torpool.process.TorProcess;
import io.torgate.torpool.process.Torrc;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.awaitility.Awaitility;

/**
 * A real tor with {@code DisableNetwork 1}: control port, cookie auth, SETCONF, signals and ownership all
 * work, and it never tries to reach any network.
 */
final class OfflineTor implements AutoCloseable {

    final TorProcess process;
    final Path dir;
    final InetSocketAddress controlAddress;

    private OfflineTor(TorProcess process, Path dir, InetSocketAddress controlAddress) {
        this.process = process;
        this.dir = dir;
        this.controlAddress = controlAddress;
    }

    static OfflineTor start(Path dir, String... extra) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        Torrc torrc = new Torrc()
                .set("DataDirectory", data)
                .set("SocksPort", "127.0.0.1:auto")
                .set("ControlPort", "127.0.0.1:auto")
                .set("ControlPortWriteToFile", dir.resolve("control-port"))
                .set("CookieAuthentication", 1)
                .set("CookieAuthFile", dir.resolve("cookie"))
                .set("DisableNetwork", 1)
                .set("Log", "notice stdout");
        for (int i = 0; i + 1 < extra.length; i += 2) {
            torrc.set(extra[i], extra[i + 1]);
        }
        TorProcess p = TorProcess.start(TorBinary.locate(), "offline", torrc.write(dir.resolve("torrc")), dir.resolve("tor.log"));
        try {
            InetSocketAddress address = Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                    .until(() -> TorControl.readControlPortFile(dir.resolve("control-port")).orElse(null),
                            a -> a != null && dir.resolve("cookie").toFile().length() == 32);
            return new OfflineTor(p, dir, address);
        } catch (RuntimeException e) {
            p.stop(Duration.ofSeconds(5));
            throw e;
        }
    }

    Path cookie() {
        return dir.resolve("cookie");
    }

    TorControl connect() throws Exception {
        return TorControl.connect("offline", controlAddress, cookie(), Duration.ofSeconds(10));
    }

    @Override
    public void close() {
        process.stop(Duration.ofSeconds(5));
    }
}
