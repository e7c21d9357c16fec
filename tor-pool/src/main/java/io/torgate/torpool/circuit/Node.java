package io.torgate.torpool.circuit;

import java.util.Objects;
import java.util.Set;

/**
 * One relay as path selection sees it: from the consensus (flags, address, bandwidth) and its microdescriptor
 * (declared family, family ids, exit policy summary).
 *
 * @param fingerprint 40 uppercase hex digits
 * @param nickname    for logs and {@code /sessions}
 * @param address     IPv4 address of its ORPort
 * @param flags       consensus flags (Exit, Fast, Guard, Running, Stable, Valid, BadExit, …)
 * @param bandwidth   consensus weight ({@code w Bandwidth=}), 0 when absent
 * @param family      fingerprints its microdescriptor's {@code family} line names
 * @param familyIds   its {@code family-ids} (tor's newer "happy families"): sharing one means one family
 * @param policy      its IPv4 exit policy summary
 */
public record Node(String fingerprint, String nickname, String address, Set<String> flags, long bandwidth,
                   Set<String> family, Set<String> familyIds, PortPolicy policy) {

    public Node {
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(nickname, "nickname");
        Objects.requireNonNull(address, "address");
        flags = Set.copyOf(flags);
        family = Set.copyOf(family);
        familyIds = Set.copyOf(familyIds);
        Objects.requireNonNull(policy, "policy");
    }

    public boolean has(String flag) {
        return flags.contains(flag);
    }

    /** Running and Valid: usable at all. */
    public boolean usable() {
        return has("Running") && has("Valid");
    }

    /** An exit tor would use: the Exit flag, no BadExit, and a policy that accepts something. */
    public boolean isExit() {
        return has("Exit") && !has("BadExit") && policy.acceptsSome();
    }

    /**
     * Same family as tor decides it (path-spec §2.2): each names the other in its {@code family} line (a one-sided
     * claim does not count), or they share a family id. A relay is in its own family.
     */
    public boolean sameFamily(Node other) {
        if (fingerprint.equals(other.fingerprint)) {
            return true;
        }
        if (family.contains(other.fingerprint) && other.family.contains(fingerprint)) {
            return true;
        }
        for (String id : familyIds) {
            if (other.familyIds.contains(id)) {
                return true;
            }
        }
        return false;
    }

    /** The same IPv4 /16 (path-spec: never two such relays on one circuit when EnforceDistinctSubnets is on). */
    public boolean sameSubnet(Node other) {
        return subnet16(address) == subnet16(other.address);
    }

    /** The first two octets of a dotted IPv4 address as one number (no allocation: this runs per candidate). */
    static int subnet16(String ipv4) {
        int value = 0;
        int octets = 0;
        for (int i = 0; i < ipv4.length() && octets < 2; i++) {
            char c = ipv4.charAt(i);
            if (c == '.') {
                octets++;
                value <<= 8;
            } else if (c >= '0' && c <= '9') {
                value = (value & ~0xff) | (((value & 0xff) * 10 + (c - '0')) & 0xff);
            } else {
                return ipv4.hashCode(); // not IPv4: only equal addresses count as one subnet
            }
        }
        return value;
    }

    @Override
    public String toString() {
        return nickname + "~" + fingerprint.substring(0, 8);
    }
}
