package io.torgate.gateway;

import java.time.Duration;
import java.util.Objects;

/**
 * How far password guessing may go: after {@code failuresPerSource} failed logins from one client address (an
 * IPv6 client counts by its /64) within {@code window}, logins from that address are refused for {@code cooloff};
 * after {@code failuresPerUser} failed logins for one user from anywhere within {@code window}, logins as that
 * user are refused for {@code cooloff} except from addresses that have logged in as that user before. A count of
 * 0 turns that check off.
 */
public record LoginLimits(int failuresPerSource, int failuresPerUser, Duration window, Duration cooloff) {

    public static final LoginLimits DEFAULT = new LoginLimits(10, 100, Duration.ofMinutes(1), Duration.ofMinutes(5));
    /** No throttling. */
    public static final LoginLimits OFF = new LoginLimits(0, 0, Duration.ofMinutes(1), Duration.ofMinutes(1));

    public LoginLimits {
        if (failuresPerSource < 0 || failuresPerUser < 0) {
            throw new IllegalArgumentException("login failure counts must be >= 0, got " + failuresPerSource + "/"
                    + failuresPerUser);
        }
        positive("window", window);
        positive("cooloff", cooloff);
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }
}
