package io.torgate.torpool.testnet;

import java.util.Optional;

/**
 * Where the relays of a network live and which of them carry the cases a path selector must get right: tor's
 * path rules (never two relays of one family or one IPv4 /16 on a circuit, only exits whose policy accepts the
 * port) can only be shown on loopback if the network breaks each rule once on purpose.
 *
 * <ul>
 *   <li>Every relay has its own /16, {@code 127.(FIRST_NET + i).0.1} for relay i in skeleton order, clear of
 *       127.0.0.0/16 where test servers and pool instances live, except one middle and one exit that share
 *       the middle's /16 (the exit at host {@code .0.2});</li>
 *   <li>another middle and another exit declare each other with {@code MyFamily} (tor needs it mutual);</li>
 *   <li>the last exit's policy rejects one port (the whoami server's second port), and only that port.</li>
 * </ul>
 *
 * <p>The cases use different relays wherever the network is big enough (2 middles and 3 exits; the default
 * network has 3 and 4), so each rule is observable on its own. Nicknames follow {@link NetworkPlanner#skeleton}.
 */
record Topology(int middles, int exits) {

    /** Relay i's /16 is 127.(FIRST_NET + i).0.0/16: above 127.0.0.0/16 and clear of the low nets. */
    static final int FIRST_NET = 10;
    /** Relays that fit: one /16 each from 127.10 to 127.255 (the shared-subnet exit needs none of its own). */
    static final int MAX_RELAYS = 256 - FIRST_NET;

    /** A middle and an exit that one path rule forbids on one circuit. */
    record Pair(String middle, String exit) {
        boolean contains(String nickname) {
            return middle.equals(nickname) || exit.equals(nickname);
        }

        /** The other relay of the pair, for one of its members. */
        String other(String nickname) {
            return middle.equals(nickname) ? exit : middle;
        }
    }

    Topology {
        if (middles < 0 || exits < 0) {
            throw new IllegalArgumentException("negative relay count: " + middles + " middles, " + exits + " exits");
        }
    }

    /** {@code middle0} and {@code exit0}, declared one family; needs a middle and an exit. */
    Optional<Pair> family() {
        return middles >= 1 && exits >= 1 ? Optional.of(new Pair("middle0", "exit0")) : Optional.empty();
    }

    /**
     * {@code middle1} and {@code exit1}, in one /16; needs a second middle and a second exit so the pair shares no
     * relay with the family pair.
     */
    Optional<Pair> sharedSubnet() {
        return middles >= 2 && exits >= 2 ? Optional.of(new Pair("middle1", "exit1")) : Optional.empty();
    }

    /**
     * The last exit, whose policy rejects the rejected port; only with at least 2 exits, so some exit still
     * carries traffic to that port.
     */
    Optional<String> rejectingExit() {
        return exits >= 2 ? Optional.of("exit" + (exits - 1)) : Optional.empty();
    }

    /** The family member {@code nickname} declares, if it is one of the family pair. */
    Optional<String> familyPeer(String nickname) {
        return family().filter(p -> p.contains(nickname)).map(p -> p.other(nickname));
    }

    /**
     * The loopback address of the relay at {@code index} in skeleton order (authorities, middles, exits) with
     * this nickname: its own /16, or the shared-subnet middle's /16 for the shared-subnet exit.
     */
    String address(int index, String nickname) {
        Optional<Pair> shared = sharedSubnet();
        if (shared.isPresent() && shared.get().exit().equals(nickname)) {
            int middleIndex = NetworkPlanner.AUTHORITIES + Integer.parseInt(shared.get().middle().substring("middle".length()));
            return "127." + (FIRST_NET + middleIndex) + ".0.2";
        }
        return "127." + (FIRST_NET + index) + ".0.1";
    }

    /** {@code 127.13.0.0/16} for {@code 127.13.0.2}: the /16 that tor's EnforceDistinctSubnets compares. */
    static String subnet16(String ipv4) {
        String[] octets = ipv4.split("\\.");
        if (octets.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: '" + ipv4 + "'");
        }
        return octets[0] + "." + octets[1] + ".0.0/16";
    }
}
