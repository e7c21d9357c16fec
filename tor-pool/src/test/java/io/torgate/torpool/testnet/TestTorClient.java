package io.torgate.torpool.testnet;

import io.torgate.torpool.process.TorBinary;
import io.torgate.torpool.process.TorProcess;
import io.torgate.torpool.process.Torrc;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.awaitility.Awaitility;

/**
 * A plain tor client joined to a {@link TestNetwork} with a SOCKS port on 127.0.0.1, for tests that need to
 * send traffic through the network without torgate's own instance management.
 */
public final class TestTorClient implements AutoCloseable {

    private final TorProcess process;
    private final int socksPort;

    private TestTorClient(TorProcess process, int socksPort) {
        this.process = process;
        this.socksPort = socksPort;
    }

    /** Launches a client in {@code dir} and returns once its log says "Bootstrapped 100%". */
    public static TestTorClient start(TestNetwork net, Path dir, Duration timeout) throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        int port = freePort();
        Torrc torrc = net.clientTorrc()
                .set("DataDirectory", data)
                .set("SocksPort", "127.0.0.1:" + port)
                .set("Log", "notice stdout")
                // Conflux (on by default in tor 0.4.9) moves one username's streams between linked circuits,
                // and so between exits; the pool's instances turn it off for the same reason.
                .set("ConfluxEnabled", "0")
                .set("__OwningControllerProcess", ProcessHandle.current().pid());
        TorProcess p = TorProcess.start(TorBinary.locate(), "client", torrc.write(dir.resolve("torrc")), dir.resolve("tor.log"));
        TestTorClient client = new TestTorClient(p, port);
        try {
            Awaitility.await("tor client bootstrap").atMost(timeout).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        if (!p.isAlive()) {
                            throw new IllegalStateException("tor client exited: " + p.tailLog(20));
                        }
                        return p.tailLog(30).contains("Bootstrapped 100%");
                    });
        } catch (RuntimeException | Error e) {
            client.close();
            throw e;
        }
        return client;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }

    public int socksPort() {
        return socksPort;
    }

    public long pid() {
        return process.pid();
    }

    public String tailLog(int lines) {
        return process.tailLog(lines);
    }

    @Override
    public void close() {
        process.stop(Duration.ofSeconds(10));
    }
}
