package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.torgate.gateway.testing.LoopbackServer;
import io.torgate.gateway.testing.PatternStream;
import io.torgate.gateway.testing.Socks5TestClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bulk data through a tunnel to a reader that keeps pausing: every byte arrives (SHA-256 end to end) and the
 * gateway's pooled direct memory stays small the whole time, which only holds if backpressure stops reading from
 * the fast side while the slow side is full.
 */
class BulkTransferTest {

    private static final Logger log = LoggerFactory.getLogger(BulkTransferTest.class);
    private static final long MIB = 1024 * 1024;
    /** A few pool chunks; without backpressure the gateway would buffer most of the transfer instead. */
    private static final long MEMORY_BOUND = 16 * MIB;

    private Gateway gateway;
    private ScheduledExecutorService sampler;
    private final AtomicLong peakDirect = new AtomicLong();

    @BeforeEach
    void start() throws Exception {
        gateway = Gateway.start(GatewayConfig.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .router(new DirectRouter())
                .build());
        sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> peakDirect.accumulateAndGet(gateway.usedDirectMemory(), Math::max),
                0, 2, TimeUnit.MILLISECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        sampler.shutdownNow();
        sampler.awaitTermination(5, TimeUnit.SECONDS);
        gateway.close();
    }

    /** Sends {@code size} pattern bytes to whoever connects, then half-closes; publishes the digest of what it sent. */
    static final class Source extends LoopbackServer {
        final CompletableFuture<byte[]> sent = new CompletableFuture<>();
        private final long size;

        Source(long size) throws IOException {
            this.size = size;
        }

        @Override
        protected void serve(Socket socket) throws IOException {
            PatternStream pattern = new PatternStream(42);
            OutputStream out = socket.getOutputStream();
            byte[] buf = new byte[64 * 1024];
            for (long left = size; left > 0; ) {
                int n = (int) Math.min(buf.length, left);
                pattern.fill(buf, n);
                out.write(buf, 0, n);
                left -= n;
            }
            socket.shutdownOutput();
            sent.complete(pattern.digest());
            socket.getInputStream().read(); // until the client closes
        }
    }

    /** Reads everything, slowly, and publishes the digest of what it received. */
    static final class SlowSink extends LoopbackServer {
        final CompletableFuture<byte[]> received = new CompletableFuture<>();
        final AtomicLong bytes = new AtomicLong();

        SlowSink() throws IOException {
        }

        @Override
        protected void serve(Socket socket) throws IOException {
            MessageDigest digest = PatternStream.sha256();
            readPaced(socket.getInputStream(), digest, bytes);
            received.complete(digest.digest());
        }
    }

    /** Reads to EOF, pausing 1 ms after every 256 KiB: a reader much slower than loopback. */
    static void readPaced(InputStream in, MessageDigest digest, AtomicLong count) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long sincePause = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            digest.update(buf, 0, n);
            count.addAndGet(n);
            sincePause += n;
            if (sincePause >= 256 * 1024) {
                sincePause = 0;
                pace();
            }
        }
    }

    private static void pace() throws IOException {
        try {
            Thread.sleep(1); // pacing the reader, not waiting for anything
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    @Test
    void twoHundredFiftySixMebibytesReachASlowReaderIntactWithBoundedMemory() throws Exception {
        long size = 256 * MIB;
        try (Source source = new Source(size);
             Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
            client.greet(Socks5TestClient.NO_AUTH);
            assertThat(client.connectIp(InetAddress.getLoopbackAddress(), source.port())).isZero();
            MessageDigest digest = PatternStream.sha256();
            AtomicLong received = new AtomicLong();
            long start = System.nanoTime();
            readPaced(client.in(), digest, received);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(received.get()).isEqualTo(size);
            assertThat(digest.digest()).isEqualTo(source.sent.get(10, TimeUnit.SECONDS));
            log.info("256 MiB upstream→client in {} ms ({} MiB/s); peak gateway direct memory {} KiB",
                    millis, size / MIB * 1000 / Math.max(1, millis), peakDirect.get() / 1024);
            assertThat(peakDirect.get()).isLessThan(MEMORY_BOUND);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.activeTunnels() == 0);
    }

    @Test
    void sixtyFourMebibytesUploadToASlowServerIntactWithBoundedMemory() throws Exception {
        long size = 64 * MIB;
        try (SlowSink sink = new SlowSink();
             Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
            client.greet(Socks5TestClient.NO_AUTH);
            assertThat(client.connectIp(InetAddress.getLoopbackAddress(), sink.port())).isZero();
            PatternStream pattern = new PatternStream(7);
            byte[] buf = new byte[64 * 1024];
            long start = System.nanoTime();
            for (long left = size; left > 0; ) {
                int n = (int) Math.min(buf.length, left);
                pattern.fill(buf, n);
                client.out().write(buf, 0, n);
                left -= n;
            }
            client.socket().shutdownOutput();
            byte[] received = sink.received.get(60, TimeUnit.SECONDS);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(sink.bytes.get()).isEqualTo(size);
            assertThat(received).isEqualTo(pattern.digest());
            log.info("64 MiB client→upstream in {} ms; peak gateway direct memory {} KiB", millis,
                    peakDirect.get() / 1024);
            assertThat(peakDirect.get()).isLessThan(MEMORY_BOUND);
        }
    }
}
