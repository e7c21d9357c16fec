package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.torgate.gateway.testing.RawHttp;
import io.torgate.gateway.testing.TestUsers;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * 10,000 garbage handshakes of eight kinds — noise, SOCKS4, bad SOCKS5 auth versions, bad username options on both
 * front doors, HTTP junk, offers of no acceptable method, and resets mid-handshake — from eight clients at once:
 * the log gets at most two lines per refusal reason per interval (the first refusal and a summary), none at WARN,
 * and no client-supplied text beyond a short escaped prefix.
 */
class LogFloodTest {

    private static final int HANDSHAKES = 10_000;
    /** Refusal reasons this flood can log at INFO: bad username options on SOCKS5 and on HTTP. */
    private static final int REASONS = 2;

    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = Gateway.start(GatewayConfig.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .router(new DirectRouter())
                .authenticator(TestUsers.of("alice", "pw"))
                .handshakeTimeout(Duration.ofSeconds(5))
                .build());
        RefusalLog.forgetAll(); // other tests in this JVM may have logged a refusal within the interval
        captured.start();
        root.addAppender(captured);
    }

    @AfterEach
    void stop() throws Exception {
        root.detachAppender(captured);
        gateway.close();
    }

    @Test
    void tenThousandGarbageHandshakesLogABoundedNumberOfLinesAndNoWarning() throws Exception {
        long start = System.nanoTime();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int first = t;
            done.add(clients.submit(() -> {
                Random random = new Random(first);
                for (int i = first; i < HANDSHAKES; i += 8) {
                    garbage(i % 8, random);
                }
                return null;
            }));
        }
        try {
            for (Future<?> f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            clients.shutdownNow();
        }
        long intervals = 1 + Duration.ofNanos(System.nanoTime() - start).toNanos() / RefusalLog.INTERVAL.toNanos();
        List<ILoggingEvent> lines;
        synchronized (captured.list) {
            lines = captured.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO)).toList();
        }
        List<String> shown = lines.stream().map(e -> e.getLevel() + " " + e.getLoggerName() + " "
                + e.getFormattedMessage()).toList();
        assertThat(shown).as("no WARN or ERROR").noneMatch(l -> l.startsWith("WARN") || l.startsWith("ERROR"));
        assertThat(lines).as("two lines per reason per interval at most: %s", shown)
                .hasSizeLessThanOrEqualTo((int) (2 * REASONS * (intervals + 1)));
        assertThat(lines).as("the first bad username of each front door is logged").hasSizeGreaterThanOrEqualTo(REASONS);
        assertThat(shown).allMatch(l -> !l.contains("x".repeat(Socks5PasswordHandler.SHOWN + 1)),
                "no more than a short prefix of the client's text");
        assertThat(gateway.activeTunnels()).isZero();
    }

    /** One garbage handshake of kind {@code kind}; reads whatever answer comes, until the gateway closes. */
    private void garbage(int kind, Random random) throws IOException {
        try (Socket s = new Socket("127.0.0.1", gateway.address().getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            String longUser = "alice-" + "x".repeat(200);
            switch (kind) {
                case 0 -> {
                    byte[] junk = new byte[1 + random.nextInt(512)];
                    random.nextBytes(junk);
                    junk[0] = (byte) (0x80 | junk[0]);
                    out.write(junk);
                }
                case 1 -> out.write(new byte[] {4, 1, 0, 80, 0, 0, 0, 1, 'u', 0, 'h', 0});
                case 2 -> out.write(new byte[] {5, 1, 2, 9, 1, 'a', 1, 'b'}); // auth version 9
                case 3 -> out.write(socks5Login(longUser + "-nosuchkey-1", "pw"));
                case 4 -> out.write("GARBAGE /\u0000 HTTP/9.9\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                case 5 -> out.write(("CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\nProxy-Authorization: "
                        + RawHttp.basic(longUser + "-country-zz", "pw") + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                case 6 -> out.write(new byte[] {5, 1, 0}); // offers no auth only: 05 ff
                default -> {
                    if (random.nextBoolean()) {
                        out.write(new byte[] {5, 2, 2}); // a reset mid-handshake; else before the first byte
                    }
                    s.setSoLinger(true, 0);
                    return;
                }
            }
            out.flush();
            try {
                s.getInputStream().readAllBytes();
            } catch (java.net.SocketException reset) {
                // closed with our input unread: the kernel may answer with a reset
            }
        }
    }

    private static byte[] socks5Login(String user, String password) {
        byte[] u = user.getBytes(StandardCharsets.US_ASCII);
        byte[] p = password.getBytes(StandardCharsets.US_ASCII);
        byte[] b = new byte[3 + 3 + u.length + p.length];
        b[0] = 5;
        b[1] = 1;
        b[2] = 2;
        b[3] = 1;
        b[4] = (byte) u.length;
        System.arraycopy(u, 0, b, 5, u.length);
        b[5 + u.length] = (byte) p.length;
        System.arraycopy(p, 0, b, 6 + u.length, p.length);
        return b;
    }
}
