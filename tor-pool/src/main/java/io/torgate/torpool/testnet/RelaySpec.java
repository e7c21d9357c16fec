package io.torgate.torpool.testnet;

/**
 * What the network remembers about one relay between runs (persisted in {@code network.json}): its identity,
 * its loopback address and the ports it was given. {@code dirPort} and {@code v3ident} only mean something for
 * authorities (0 / null otherwise).
 */
record RelaySpec(String nickname, TestRelay.Role role, String address, int orPort, int dirPort,
                 String fingerprint, String v3ident) {

    boolean isAuthority() {
        return role == TestRelay.Role.AUTHORITY;
    }

    RelaySpec withPorts(int newOrPort, int newDirPort) {
        return new RelaySpec(nickname, role, address, newOrPort, newDirPort, fingerprint, v3ident);
    }

    RelaySpec withAddress(String newAddress) {
        return new RelaySpec(nickname, role, newAddress, orPort, dirPort, fingerprint, v3ident);
    }

    RelaySpec withIdentity(String newFingerprint, String newV3ident) {
        return new RelaySpec(nickname, role, address, orPort, dirPort, newFingerprint, newV3ident);
    }
}
