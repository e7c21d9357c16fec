package io.torgate.torpool.circuit;

import io.torgate.torpool.control.RouterStatus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The network as one tor instance sees it, for choosing paths: its microdescriptor consensus ({@code GETINFO
 * dir/status-vote/current/consensus-microdesc}: relays, flags, bandwidths, the bandwidth weights), the relays'
 * microdescriptors ({@code GETINFO md/id/FP}: family, exit policy), and whether the instance enforces distinct
 * /16s ({@code GETCONF EnforceDistinctSubnets}). Immutable.
 */
public final class NetworkView {

    private final Map<String, Node> nodes;
    private final BandwidthWeights weights;
    private final boolean distinctSubnets;
    /** Drawing pools, made on first use: [0] without and [1] with the Stable requirement. */
    private final WeightedNodes[] middles = new WeightedNodes[2];
    private final WeightedNodes[] exits = new WeightedNodes[2];

    private NetworkView(Map<String, Node> nodes, BandwidthWeights weights, boolean distinctSubnets) {
        this.nodes = nodes;
        this.weights = weights;
        this.distinctSubnets = distinctSubnets;
    }

    public static NetworkView of(Collection<Node> nodes, BandwidthWeights weights, boolean distinctSubnets) {
        Map<String, Node> byFp = new LinkedHashMap<>();
        for (Node n : nodes) {
            byFp.put(n.fingerprint(), n);
        }
        return new NetworkView(java.util.Collections.unmodifiableMap(byFp), weights, distinctSubnets);
    }

    /** A relay of the consensus before its microdescriptor is read. */
    public record ConsensusEntry(String fingerprint, String nickname, String address, Set<String> flags,
                                 long bandwidth) {
    }

    /** The consensus' relays and bandwidth weights. */
    public record Consensus(List<ConsensusEntry> entries, BandwidthWeights weights) {
    }

    /** Reads a microdescriptor-flavoured consensus; entries whose {@code r} line cannot be read are skipped. */
    public static Consensus parseConsensus(String document) {
        List<ConsensusEntry> out = new ArrayList<>();
        BandwidthWeights weights = BandwidthWeights.NONE;
        String fp = null;
        String nick = null;
        String address = null;
        Set<String> flags = Set.of();
        long bandwidth = 0;
        for (String raw : document.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("r ")) {
                if (fp != null) {
                    out.add(new ConsensusEntry(fp, nick, address, flags, bandwidth));
                }
                // md flavour: r nickname identity date time IP ORPort DirPort (no descriptor digest)
                String[] f = line.split("\\s+");
                fp = null;
                flags = Set.of();
                bandwidth = 0;
                if (f.length >= 8) {
                    try {
                        fp = RouterStatus.fingerprintOf(f[2]);
                        nick = f[1];
                        address = f[5];
                    } catch (IllegalArgumentException e) {
                        fp = null;
                    }
                }
            } else if (fp != null && line.startsWith("s ")) {
                flags = Set.of(line.substring(2).trim().split("\\s+"));
            } else if (fp != null && line.startsWith("w ")) {
                bandwidth = RouterStatus.bandwidthOf(line).orElse(0);
            } else if (line.startsWith("directory-footer")) {
                if (fp != null) {
                    out.add(new ConsensusEntry(fp, nick, address, flags, bandwidth));
                }
                fp = null;
            } else if (line.startsWith("bandwidth-weights ")) {
                weights = BandwidthWeights.parse(line.substring("bandwidth-weights ".length()));
            }
        }
        if (fp != null) {
            out.add(new ConsensusEntry(fp, nick, address, flags, bandwidth));
        }
        return new Consensus(List.copyOf(out), weights);
    }

    /** What a microdescriptor says that path selection needs. */
    public record Microdescriptor(Set<String> family, Set<String> familyIds, PortPolicy policy) {
        public static final Microdescriptor NONE = new Microdescriptor(Set.of(), Set.of(), PortPolicy.REJECT_ALL);
    }

    /**
     * Reads one microdescriptor's {@code family}, {@code family-ids} and {@code p} lines. Family entries are
     * {@code $FP}, {@code $FP=nick}, {@code $FP~nick} or a bare nickname (which proves nothing and is skipped).
     */
    public static Microdescriptor parseMicrodescriptor(String text) {
        Set<String> family = new java.util.HashSet<>();
        Set<String> ids = new java.util.HashSet<>();
        PortPolicy policy = PortPolicy.REJECT_ALL;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("family ")) {
                for (String member : line.substring(7).trim().split("\\s+")) {
                    if (member.startsWith("$") && member.length() >= 41) {
                        String hex = member.substring(1, 41).toUpperCase(Locale.ROOT);
                        if (hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                            family.add(hex);
                        }
                    }
                }
            } else if (line.startsWith("family-ids ")) {
                ids.addAll(List.of(line.substring(11).trim().split("\\s+")));
            } else if (line.startsWith("p ")) {
                try {
                    policy = PortPolicy.parse(line);
                } catch (IllegalArgumentException e) {
                    policy = PortPolicy.REJECT_ALL; // unreadable: never exit through it
                }
            }
        }
        return new Microdescriptor(family, ids, policy);
    }

    /** Joins a consensus with the microdescriptors found (fingerprint → text); relays without one never exit. */
    public static NetworkView build(Consensus consensus, Map<String, Microdescriptor> mds, boolean distinctSubnets) {
        List<Node> nodes = new ArrayList<>();
        for (ConsensusEntry e : consensus.entries()) {
            Microdescriptor md = mds.getOrDefault(e.fingerprint(), Microdescriptor.NONE);
            nodes.add(new Node(e.fingerprint(), e.nickname(), e.address(), e.flags(), e.bandwidth(), md.family(),
                    md.familyIds(), md.policy()));
        }
        return of(nodes, consensus.weights(), distinctSubnets);
    }

    public Optional<Node> node(String fingerprint) {
        return Optional.ofNullable(nodes.get(fingerprint));
    }

    public Collection<Node> nodes() {
        return nodes.values();
    }

    public BandwidthWeights weights() {
        return weights;
    }

    /** Whether two relays of one /16 may share a circuit: no, when the instance enforces distinct subnets. */
    public boolean distinctSubnets() {
        return distinctSubnets;
    }

    public int size() {
        return nodes.size();
    }

    /** Relays that may be a middle (Running, Valid, Fast; Stable if asked), weighted for the middle position. */
    synchronized WeightedNodes middlePool(boolean stable) {
        int i = stable ? 1 : 0;
        if (middles[i] == null) {
            middles[i] = new WeightedNodes(nodes.values().stream()
                    .filter(n -> n.usable() && n.has("Fast") && (!stable || n.has("Stable"))).toList(),
                    n -> n.bandwidth() * weights.weight(BandwidthWeights.Position.MIDDLE, n.flags()));
        }
        return middles[i];
    }

    /**
     * Relays that may be the exit of a circuit for any exit (Running, Valid, Exit, no BadExit, Fast; Stable if
     * asked), weighted for the exit position; the port is checked per draw.
     */
    synchronized WeightedNodes exitPool(boolean stable) {
        int i = stable ? 1 : 0;
        if (exits[i] == null) {
            exits[i] = new WeightedNodes(nodes.values().stream()
                    .filter(n -> n.usable() && n.has("Exit") && !n.has("BadExit") && n.has("Fast")
                            && (!stable || n.has("Stable"))).toList(),
                    n -> n.bandwidth() * weights.weight(BandwidthWeights.Position.EXIT, n.flags()));
        }
        return exits[i];
    }

    /** For tests and logs. */
    Map<String, Node> asMap() {
        return new HashMap<>(nodes);
    }
}
