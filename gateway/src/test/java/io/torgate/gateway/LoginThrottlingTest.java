package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.gateway.testing.Curl;
import io.torgate.gateway.testing.EchoServer;
import io.torgate.gateway.testing.RecordingListener;
import io.torgate.gateway.testing.Socks5TestClient;
import io.torgate.gateway.testing.TestUsers;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Password guessing through a real gateway: 50 wrong SOCKS5 passwords sent at once from 127.0.0.2 are refused, all
 * but the first few without a check, while a right login from 127.0.0.3 goes through at once; an HTTP client past
 * its limit gets 429 with Retry-After (real curl, bound to its own address).
 */
class LoginThrottlingTest {

    private static final int LIMIT = 10;
    private static final int IO_THREADS = 4;

    private final RecordingListener listener = new RecordingListener();
    private final AtomicInteger checks = new AtomicInteger();
    private EchoServer echo;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        echo = new EchoServer();
        TestUsers users = TestUsers.of("bob", "right");
        gateway = Gateway.start(GatewayConfig.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .router(new DirectRouter())
                .authenticator(new Authenticator() {
                    @Override
                    public boolean usersConfigured() {
                        return true;
                    }

                    @Override
                    public boolean authenticate(String user, String password) {
                        checks.incrementAndGet();
                        return users.authenticate(user, password);
                    }
                })
                .ioThreads(IO_THREADS)
                .loginLimits(new LoginLimits(LIMIT, 0, Duration.ofMinutes(1), Duration.ofMinutes(5)))
                .listener(listener)
                .build());
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        echo.close();
    }

    @Test
    void fiftyWrongPasswordsFromOneAddressAreThrottledWhileARightLoginFromAnotherGoesThrough() throws Exception {
        InetAddress attacker = InetAddress.getByName("127.0.0.2");
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            List<Future<Integer>> attempts = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                String guess = "guess" + i;
                attempts.add(pool.submit(() -> {
                    try (Socks5TestClient c = Socks5TestClient.connectFrom(gateway.address(), attacker)) {
                        assertThat(c.greet(Socks5TestClient.PASSWORD)).isEqualTo(Socks5TestClient.PASSWORD);
                        return c.authenticate("bob", guess);
                    }
                }));
            }
            for (Future<Integer> f : attempts) {
                assertThat(f.get(30, TimeUnit.SECONDS)).as("RFC 1929 failure status").isEqualTo(0x01);
            }
        } finally {
            pool.shutdownNow();
        }
        // Checks racing on other event loops may each pass before the first cool-off is recorded: at most one more
        // per loop. Everything else was refused without looking at the password.
        assertThat(checks.get()).isBetween(LIMIT, LIMIT + IO_THREADS);
        assertThat(listener.count("loginThrottled:SOCKS5:source")).isEqualTo(50 - checks.get());

        try (Socks5TestClient c = Socks5TestClient.connectFrom(gateway.address(), attacker)) {
            c.greet(Socks5TestClient.PASSWORD);
            assertThat(c.authenticate("bob", "right")).as("the right password, from the throttled address")
                    .isEqualTo(0x01);
        }
        int before = checks.get();
        try (Socks5TestClient c = Socks5TestClient.connectFrom(gateway.address(), InetAddress.getByName("127.0.0.3"))
                .login("bob", "right")) {
            assertThat(c.connectIp(InetAddress.getByName("127.0.0.1"), echo.port())).isZero();
            c.out().write("hi".getBytes());
            c.out().flush();
            assertThat(c.in().readNBytes(2)).isEqualTo("hi".getBytes());
        }
        assertThat(checks.get()).isEqualTo(before + 1);
    }

    @Test
    void anHttpClientPastItsLimitGets429WithRetryAfter() throws Exception {
        String proxy = "http://127.0.0.1:" + gateway.address().getPort();
        String target = "http://127.0.0.1:" + echo.port() + "/";
        for (int i = 0; i < LIMIT; i++) {
            Curl.Result wrong = Curl.run("-s", "-o", "/dev/null", "-w", "%{http_connect}", "--interface", "127.0.0.4",
                    "-p", "-x", proxy, "-U", "bob:wrong" + i, target);
            assertThat(wrong.stdout()).as(wrong.stderr()).isEqualTo("407");
        }
        Curl.Result throttled = Curl.run("-v", "-s", "-o", "/dev/null", "-w", "%{http_connect}", "--interface",
                "127.0.0.4", "-p", "-x", proxy, "-U", "bob:right", target);
        assertThat(throttled.stdout()).as(throttled.stderr()).isEqualTo("429");
        assertThat(throttled.stderr()).containsPattern("< Retry-After: (300|299)\\r?\\n")
                .contains("< Proxy-Status: torgate; error=http_request_denied; details=\"too many failed logins from"
                        + " this address; try again in ");
        assertThat(listener.count("loginThrottled:HTTP_CONNECT:source")).isEqualTo(1);

        Curl.Result other = Curl.run("-s", "-o", "/dev/null", "-w", "%{http_connect}", "--interface", "127.0.0.5",
                "-p", "-x", proxy, "-U", "bob:right", target);
        assertThat(other.stdout()).as("another address: " + other.stderr()).isEqualTo("200");
    }
}
