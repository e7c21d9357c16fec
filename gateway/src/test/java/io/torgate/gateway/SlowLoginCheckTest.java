package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.gateway.testing.EchoServer;
import io.torgate.gateway.testing.RawHttp;
import io.torgate.gateway.testing.RecordingListener;
import io.torgate.gateway.testing.Socks5TestClient;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Password checks that may be slow ({@link Authenticator#checkMayBeSlow}, e.g. a PBKDF2 hash before its first
 * success) run off the event loop: with one event loop, a check that hangs does not stop an open tunnel, the
 * bytes a client pipelines behind its login arrive in order once it passes, and a flood beyond
 * {@link LoginChecks#QUEUE} waiting checks is refused at once.
 */
class SlowLoginCheckTest {

    /** "slow" checks block until released; "fast" ones are ordinary. The password is "pw" for both. */
    private static final class GatedAuthenticator implements Authenticator {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger slowChecksStarted = new AtomicInteger();

        @Override
        public boolean usersConfigured() {
            return true;
        }

        @Override
        public boolean checkMayBeSlow(String user, String password) {
            return user.equals("slow");
        }

        @Override
        public boolean authenticate(String user, String password) {
            if (user.equals("slow")) {
                slowChecksStarted.incrementAndGet();
                try {
                    if (!release.await(30, TimeUnit.SECONDS)) {
                        return false;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return (user.equals("slow") || user.equals("fast")) && password.equals("pw");
        }
    }

    private EchoServer echo;
    private Gateway gateway;
    private final GatedAuthenticator auth = new GatedAuthenticator();
    private final RecordingListener listener = new RecordingListener();
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        echo = new EchoServer();
        // One event loop: a check run on it would stop every other connection.
        gateway = Gateway.start(GatewayConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0))
                .router(new DirectRouter()).authenticator(auth).listener(listener).ioThreads(1).build());
    }

    @AfterEach
    void stop() throws Exception {
        auth.release.countDown();
        for (Socket s : sockets) {
            s.close();
        }
        gateway.close();
        echo.close();
    }

    private Socket raw() throws Exception {
        Socket s = new Socket();
        s.connect(gateway.address(), 5_000);
        s.setSoTimeout(20_000);
        sockets.add(s);
        return s;
    }

    /** Greeting, login and CONNECT to the echo server in one write, then {@code data}. */
    private byte[] pipelined(String user, String password, String data) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {5, 1, 2});
        byte[] u = user.getBytes(StandardCharsets.UTF_8);
        byte[] p = password.getBytes(StandardCharsets.UTF_8);
        b.write(1);
        b.write(u.length);
        b.writeBytes(u);
        b.write(p.length);
        b.writeBytes(p);
        b.writeBytes(new byte[] {5, 1, 0, 1, 127, 0, 0, 1, (byte) (echo.port() >> 8), (byte) echo.port()});
        b.writeBytes(data.getBytes(StandardCharsets.US_ASCII));
        return b.toByteArray();
    }

    @Test
    void aHangingCheckStopsNoTunnelAndPipelinedBytesFollowTheLoginInOrder() throws Exception {
        Socks5TestClient fast = Socks5TestClient.connect(gateway.address());
        fast.login("fast", "pw");
        assertThat(fast.connectIp(InetAddress.getLoopbackAddress(), echo.port())).isZero();

        Socket slow = raw();
        slow.getOutputStream().write(pipelined("slow", "pw", "behind the login"));
        slow.getOutputStream().flush();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> auth.slowChecksStarted.get() == 1);

        // The check hangs on the login thread; the one event loop still relays.
        assertThat(GatewaySocks5Test.roundTrip(fast.socket(), "still relaying")).isEqualTo("still relaying");
        Socks5TestClient another = Socks5TestClient.connect(gateway.address());
        another.login("fast", "pw");
        assertThat(another.connectIp(InetAddress.getLoopbackAddress(), echo.port())).isZero();
        assertThat(slow.getInputStream().available()).as("only the method choice before the check ends").isEqualTo(2);

        auth.release.countDown();
        DataInputStream in = new DataInputStream(slow.getInputStream());
        byte[] head = new byte[2 + 2 + 10];
        in.readFully(head);
        assertThat(head[1]).as("method USERNAME/PASSWORD").isEqualTo((byte) 2);
        assertThat(head[3]).as("auth status").isZero();
        assertThat(head[5]).as("CONNECT reply").isZero();
        byte[] echoed = new byte["behind the login".length()];
        in.readFully(echoed);
        assertThat(new String(echoed, StandardCharsets.US_ASCII)).isEqualTo("behind the login");
        fast.close();
        another.close();
    }

    @Test
    void aWrongPasswordFoundSlowlyIsRefusedLikeAnyOther() throws Exception {
        auth.release.countDown();
        try (Socks5TestClient c = Socks5TestClient.connect(gateway.address())) {
            assertThat(c.greet(Socks5TestClient.PASSWORD)).isEqualTo(Socks5TestClient.PASSWORD);
            assertThat(c.authenticate("slow", "wrong")).isEqualTo(0x01);
            assertThat(c.socket().getInputStream().read()).as("closed").isEqualTo(-1);
        }
        assertThat(listener.events()).contains("authFailed:SOCKS5");
    }

    @Test
    void httpConnectWithASlowCheckKeepsTheBytesSentBehindIt() throws Exception {
        Socket s = raw();
        String target = "127.0.0.1:" + echo.port();
        RawHttp.send(s, "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\nProxy-Authorization: "
                + RawHttp.basic("slow", "pw") + "\r\n\r\nearly bytes");
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> auth.slowChecksStarted.get() == 1);
        assertThat(s.getInputStream().available()).isZero();
        auth.release.countDown();
        RawHttp.Response r = RawHttp.read(s);
        assertThat(r.status()).isEqualTo(200);
        byte[] echoed = new byte["early bytes".length()];
        new DataInputStream(s.getInputStream()).readFully(echoed);
        assertThat(new String(echoed, StandardCharsets.US_ASCII)).isEqualTo("early bytes");

        Socket wrong = raw();
        RawHttp.send(wrong, "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\nProxy-Authorization: "
                + RawHttp.basic("slow", "nope") + "\r\n\r\n");
        assertThat(RawHttp.read(wrong).status()).isEqualTo(407);
    }

    @Test
    void beyondTheQueueChecksAreRefusedAtOnce() throws Exception {
        try (LoginChecks checks = new LoginChecks()) {
            List<java.util.concurrent.CompletableFuture<Boolean>> waiting = new ArrayList<>();
            for (int i = 0; i < 1 + LoginChecks.QUEUE; i++) {
                waiting.add(checks.accepts(auth, "slow", "pw")); // one runs (and hangs), QUEUE wait
            }
            assertThat(checks.accepts(auth, "slow", "pw")).isCompletedExceptionally();
            auth.release.countDown();
            for (var f : waiting) {
                assertThat(f.get(10, TimeUnit.SECONDS)).isTrue();
            }
        }
    }
}
