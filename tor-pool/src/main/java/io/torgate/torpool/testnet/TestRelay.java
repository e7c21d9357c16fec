package io.torgate.torpool.testnet;

import java.util.Objects;

/**
 * A snapshot of one relay of a {@link TestNetwork}: who it is, where it listens, which country the test
 * directory gives it, and the PID of its tor process at the time of the snapshot ({@code -1} while stopped).
 */
public record TestRelay(String nickname, String fingerprint, Role role, String address, int orPort, int dirPort,
                        String country, long pid) {

    /** What a relay does in the network. Only {@link #EXIT} relays allow exit traffic. */
    public enum Role { AUTHORITY, MIDDLE, EXIT }

    public TestRelay {
        Objects.requireNonNull(nickname, "nickname");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(country, "country");
    }

    public boolean isRunning() {
        return pid > 0;
    }

    public boolean isExit() {
        return role == Role.EXIT;
    }

    /** {@code address:orPort}, as Onionoo's {@code or_addresses} and tor's logs write it. */
    public String orAddress() {
        return address + ":" + orPort;
    }
}
