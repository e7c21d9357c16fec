package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The throttle's rules, on a clock the test moves: no sockets, no waiting. */
class LoginThrottleTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final LoginThrottle throttle = new LoginThrottle(
            new LoginLimits(3, 5, Duration.ofMinutes(1), Duration.ofMinutes(5)), now::get);

    private static InetAddress ip(String a) throws Exception {
        return InetAddress.getByName(a);
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void aSourceIsRefusedAfterItsFailuresForTheCoolOffAndOthersAreNot() throws Exception {
        InetAddress attacker = ip("127.0.0.2");
        assertThat(throttle.failed(attacker, "bob")).isEmpty();
        assertThat(throttle.failed(attacker, "bob")).isEmpty();
        assertThat(throttle.refusal(attacker, "bob")).isEmpty();
        assertThat(throttle.failed(attacker, "carol")).as("the third failure starts the cool-off, once")
                .contains(new LoginThrottle.CoolOff(LoginThrottle.Scope.SOURCE, 3));

        assertThat(throttle.refusal(attacker, "bob")).contains(
                new LoginThrottle.Refusal(LoginThrottle.Scope.SOURCE, Duration.ofMinutes(5)));
        assertThat(throttle.refusal(attacker, "anyone")).as("every user from that address").isPresent();
        assertThat(throttle.refusal(ip("127.0.0.3"), "bob")).as("another address").isEmpty();

        advance(Duration.ofMinutes(4));
        assertThat(throttle.refusal(attacker, "bob").orElseThrow().retryAfter()).isEqualTo(Duration.ofMinutes(1));
        advance(Duration.ofMinutes(1));
        assertThat(throttle.refusal(attacker, "bob")).as("the cool-off is over").isEmpty();
        assertThat(throttle.failed(attacker, "bob")).as("counting starts afresh").isEmpty();
        assertThat(throttle.refusal(attacker, "bob")).isEmpty();
    }

    @Test
    void failuresOutsideTheWindowDoNotAddUp() throws Exception {
        InetAddress slow = ip("127.0.0.2");
        for (int i = 0; i < 10; i++) {
            assertThat(throttle.failed(slow, "u" + i)).isEmpty();
            advance(Duration.ofSeconds(31)); // two per window: never three
            if (i % 2 == 1) {
                advance(Duration.ofSeconds(1));
            }
        }
        assertThat(throttle.refusal(slow, "x")).isEmpty();
    }

    @Test
    void successesDoNotResetTheCountNorAreTheySlowed() throws Exception {
        InetAddress client = ip("127.0.0.2");
        throttle.failed(client, "bob");
        throttle.succeeded(client, "alice");
        throttle.failed(client, "bob");
        throttle.succeeded(client, "alice");
        assertThat(throttle.failed(client, "bob")).isPresent();
        assertThat(throttle.refusal(client, "alice")).as("the address is cooling off, for every user").isPresent();
    }

    @Test
    void aUserGuessedAtFromManyAddressesIsRefusedExceptFromAddressesItLoggedInFrom() throws Exception {
        InetAddress home = ip("127.0.0.9");
        throttle.succeeded(home, "bob");
        for (int i = 0; i < 5; i++) { // five addresses, one failure each: no address reaches its limit
            Object started = throttle.failed(ip("127.0.1." + i), "bob");
            assertThat(started).isEqualTo(i < 4 ? java.util.Optional.empty()
                    : java.util.Optional.of(new LoginThrottle.CoolOff(LoginThrottle.Scope.USER, 5)));
        }
        assertThat(throttle.refusal(ip("127.0.2.1"), "bob")).contains(
                new LoginThrottle.Refusal(LoginThrottle.Scope.USER, Duration.ofMinutes(5)));
        assertThat(throttle.refusal(home, "bob")).as("bob's own address").isEmpty();
        assertThat(throttle.refusal(ip("127.0.2.1"), "alice")).as("another user").isEmpty();
        advance(LoginThrottle.TRUST);
        assertThat(throttle.refusal(home, "bob")).as("cool-off over").isEmpty();
    }

    @Test
    void ipv6ClientsCountByTheirSlash64() throws Exception {
        throttle.failed(ip("::1:0:0:0:1"), "bob");
        throttle.failed(ip("::1:0:0:0:2"), "bob");
        throttle.failed(ip("::1:0:0:ffff:3"), "bob");
        assertThat(throttle.refusal(ip("::1:0:0:1234:5678"), "bob")).as("same /64").isPresent();
        assertThat(throttle.refusal(ip("::2:0:0:0:1"), "carol")).as("another /64").isEmpty();
    }

    @Test
    void zeroTurnsACheckOffAndNonIpClientsAreNeverRefused() throws Exception {
        LoginThrottle off = new LoginThrottle(LoginLimits.OFF, now::get);
        for (int i = 0; i < 1000; i++) {
            assertThat(off.failed(ip("127.0.0.2"), "bob")).isEmpty();
        }
        assertThat(off.refusal(ip("127.0.0.2"), "bob")).isEmpty();
        assertThat(throttle.failed(null, "bob")).isEmpty();
        assertThat(throttle.refusal(null, "bob")).isEmpty();
    }

    @Test
    void memoryStaysBoundedUnderAnAddressSpray() throws Exception {
        LoginThrottle many = new LoginThrottle(new LoginLimits(3, 0, Duration.ofMinutes(1), Duration.ofMinutes(5)),
                now::get);
        byte[] a = {10, 0, 0, 0};
        for (int i = 0; i < LoginThrottle.MAX_TRACKED + 5_000; i++) {
            a[1] = (byte) (i >> 16);
            a[2] = (byte) (i >> 8);
            a[3] = (byte) i;
            many.failed(InetAddress.getByAddress(a), "bob");
        }
        assertThat(many.trackedSources()).isLessThanOrEqualTo(LoginThrottle.MAX_TRACKED);
    }
}
