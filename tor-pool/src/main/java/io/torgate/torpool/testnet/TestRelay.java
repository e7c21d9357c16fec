package io.torgate.torpool.testnet;

import java.util.Objects;
import java.util.Set;

/**
 * A snapshot of one relay of a {@link TestNetwork}: who it is, where it listens, which country the test
 * directory gives it, the PID of its tor process at the time of the snapshot ({@code -1} while stopped), the
 * relays it declares as its family ({@code MyFamily}, always mutual here) and the ports its exit policy rejects
 * (exits only; every other port is accepted).
 */
public record TestRelay(String nickname, String fingerprint, Role role, String address, int orPort, int dirPort,
                        String country, long pid, Set<String> family, Set<Integer> rejectedPorts) {

    /** What a relay does in the network. Only {@link #EXIT} relays allow exit traffic. */
    public enum Role { AUTHORITY, MIDDLE, EXIT }

    public TestRelay {
        Objects.requireNonNull(nickname, "nickname");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(country, "country");
        family = Set.copyOf(family);
        rejectedPorts = Set.copyOf(rejectedPorts);
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

    /** The relay's IPv4 /16, e.g. {@code 127.13.0.0/16}: tor puts no two relays of one /16 on a circuit. */
    public String subnet16() {
        return Topology.subnet16(address);
    }

    /** True when both relays are in one /16 (also for the relay itself). */
    public boolean sharesSubnet16With(TestRelay other) {
        return subnet16().equals(other.subnet16());
    }

    /** True when this relay declares {@code other} as family (declarations are mutual in the test network). */
    public boolean isFamilyOf(TestRelay other) {
        return family.contains(other.fingerprint());
    }

    /** True when this is an exit whose policy accepts connections to {@code port} (on any address). */
    public boolean exitAllows(int port) {
        return isExit() && !rejectedPorts.contains(port);
    }
}
