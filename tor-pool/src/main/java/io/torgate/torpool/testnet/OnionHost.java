package io.torgate.torpool.testnet;

import io.torgate.torpool.process.TorProcess;
import io.torgate.torpool.process.TorStartException;
import io.torgate.torpool.process.Torrc;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A v3 onion service on the test network that serves the network's whoami page: one more tor process (a client
 * of the network with {@code HiddenServiceDir}), its keys kept in {@code dir}, so its address stays the same from
 * run to run. Its descriptor reaches the network's HSDirs (every test relay is one) within seconds of start;
 * {@link #url()} is known as soon as tor has written the hostname file. Close it to stop its tor.
 */
public final class OnionHost implements AutoCloseable {

    private static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private final TorProcess tor;
    private final URI url;

    private OnionHost(TorProcess tor, URI url) {
        this.tor = tor;
        this.url = url;
    }

    /**
     * Starts the service's tor and waits (up to {@code timeout}) for its onion address.
     *
     * @param dir its data directory (keys persist there)
     */
    public static OnionHost start(TestNetwork net, Path dir, Duration timeout) throws TestNetworkException {
        Path data = dir.resolve("data");
        Path service = dir.resolve("service");
        Torrc torrc = net.clientTorrc()
                .set("DataDirectory", data)
                .set("SocksPort", 0)
                .set("HiddenServiceDir", service)
                .set("HiddenServicePort", "80 127.0.0.1:" + net.whoamiUrl().getPort())
                // Publish at once instead of after tor's usual settling delay.
                .set("PublishHidServDescriptors", 1);
        TorProcess tor;
        try {
            Files.createDirectories(data);
            Files.createDirectories(service);
            // tor refuses a HiddenServiceDir others can read.
            Files.setPosixFilePermissions(service, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            Path file = torrc.write(dir.resolve("torrc"));
            tor = TorProcess.start(net.tor(), "onion-host", file, dir.resolve("tor.log"));
        } catch (IOException | TorStartException e) {
            throw new TestNetworkException("cannot start the onion service: " + e.getMessage(), e);
        }
        Path hostname = service.resolve("hostname");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<String> name = read(hostname);
            if (name.isPresent()) {
                return new OnionHost(tor, URI.create("http://" + name.get() + "/"));
            }
            if (!tor.isAlive()) {
                break;
            }
            try {
                Thread.sleep(50); // polling the file tor writes, with a deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        String tail = tor.tailLog(10);
        tor.stop(STOP_GRACE);
        throw new TestNetworkException("the onion service wrote no hostname within " + timeout.toMillis() + " ms; tor: "
                + tail);
    }

    private static Optional<String> read(Path hostname) {
        try {
            String s = Files.readString(hostname, StandardCharsets.US_ASCII).strip();
            return s.endsWith(".onion") ? Optional.of(s) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** {@code http://<56 characters>.onion/}: the whoami page, through any client of the network. */
    public URI url() {
        return url;
    }

    public long pid() {
        return tor.pid();
    }

    @Override
    public void close() {
        tor.stop(STOP_GRACE);
    }
}
