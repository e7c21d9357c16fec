package io.torgate.torpool.circuit;

import io.torgate.torpool.circuit.BandwidthWeights.Position;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Chooses circuit paths the way tor does (path-spec §2), for the circuits torgate builds itself: tor checks
 * nothing on a controller's path, so every rule lives here.
 * <ol>
 *   <li>The exit first: Running, Valid, the Exit flag and no BadExit, an exit policy summary accepting the port,
 *       Fast, and Stable when the port is one of tor's {@link #LONG_LIVED_PORTS}; chosen at random weighted by
 *       consensus bandwidth × the exit-position weight ({@code Wee}, {@code Wed}).</li>
 *   <li>The guard: the instance's own guards, in the order tor lists them ({@code GETINFO entry-guards}, those
 *       {@code up}), the first that is not the exit nor in its family or /16.</li>
 *   <li>The middle: Running, Valid, Fast (Stable as above), in no family and no /16 with the guard or the exit,
 *       weighted by bandwidth × the middle-position weight ({@code Wmg}, {@code Wmm}, {@code Wme}, {@code Wmd}).</li>
 * </ol>
 * Families are mutual ({@link Node#sameFamily}); the /16 rule applies when the instance enforces it
 * ({@link NetworkView#distinctSubnets()}, tor's {@code EnforceDistinctSubnets}). Where torgate differs from tor:
 * <ul>
 *   <li>A pinned exit ({@code exit-FP}) is used without Fast or Stable: the user named it. Its policy must still
 *       accept the port ({@link NoPathException.Reason#EXIT_REJECTS_PORT} otherwise).</li>
 *   <li>When the exit drawn fits none of the instance's guards, another exit is drawn (tor would fail the
 *       circuit and start over); after every candidate, {@link NoPathException.Reason#NO_GUARD}.</li>
 *   <li>No conflux legs, no vanguards, no circuit-build-timeout learning: these are exit circuits for one
 *       isolation key, built on demand or kept warm.</li>
 * </ul>
 * Weighted choices with a total weight of 0 fall back to a uniform choice, as tor's do. Middles, and exits for
 * "any exit", are drawn from weighted pools the {@link NetworkView} computes once, by rejection sampling (the same
 * distribution as filtering first, in O(log n) per draw); a scan decides only when {@link #DRAWS} draws find
 * nothing. Pure: the randomness is injected, so tests fix it.
 */
public final class PathSelector {

    /** tor's default {@code LongLivedPorts}: streams to these need Stable relays. */
    public static final Set<Integer> LONG_LIVED_PORTS = Set.of(21, 22, 706, 1863, 5050, 5190, 5222, 5223, 6523, 6667,
            6697, 8300);

    /** Draws before falling back to a scan (which also finds that nothing fits, and says why). */
    static final int DRAWS = 64;

    private final NetworkView view;
    private final RandomGenerator random;

    public PathSelector(NetworkView view, RandomGenerator random) {
        this.view = Objects.requireNonNull(view, "view");
        this.random = Objects.requireNonNull(random, "random");
    }

    /**
     * A path for {@code request} through one of {@code guards} (fingerprints, the instance's order).
     *
     * @throws NoPathException naming the hop that could not be filled
     */
    public Path select(PathRequest request, List<String> guards) throws NoPathException {
        boolean stable = LONG_LIVED_PORTS.contains(request.port());
        List<Node> guardNodes = new ArrayList<>(guards.size());
        for (String fp : guards) {
            view.node(fp).filter(Node::usable).ifPresent(guardNodes::add);
        }
        if (request.exits().isEmpty()) {
            // Any exit: drawn from the view's weighted pool (rejection sampling: the same distribution as filtering
            // first), so a path costs O(log n) draws instead of a scan of the whole consensus.
            java.util.Set<String> noGuard = new java.util.HashSet<>();
            for (int t = 0; t < DRAWS; t++) {
                Node exit = view.exitPool(stable).draw(random, n -> n.policy().accepts(request.port())
                        && !request.avoidExits().contains(n.fingerprint()) && !noGuard.contains(n.fingerprint()), DRAWS);
                if (exit == null) {
                    break;
                }
                Optional<Node> guard = guardNodes.stream().filter(g -> !conflict(g, exit)).findFirst();
                if (guard.isPresent()) {
                    return new Path(guard.get(), middle(request, guard.get(), exit, stable), exit);
                }
                noGuard.add(exit.fingerprint());
            }
            // Draws ran out (few relays fit): the full scan decides, and says why when nothing fits.
        }
        List<Node> exits = exitCandidates(request, stable);
        while (!exits.isEmpty()) {
            Node exit = weighted(exits, Position.EXIT);
            Optional<Node> guard = guardNodes.stream().filter(g -> !conflict(g, exit)).findFirst();
            if (guard.isEmpty()) {
                exits.remove(exit);
                continue;
            }
            Node middle = middle(request, guard.get(), exit, stable);
            return new Path(guard.get(), middle, exit);
        }
        throw new NoPathException(NoPathException.Reason.NO_GUARD, "every guard of this instance ("
                + guardNodes + ") is the exit or shares its family or /16");
    }

    private List<Node> exitCandidates(PathRequest request, boolean stable) throws NoPathException {
        List<Node> named = new ArrayList<>();
        if (request.exits().isEmpty()) {
            named.addAll(view.nodes());
        } else {
            for (String fp : request.exits()) {
                view.node(fp).ifPresent(named::add);
            }
        }
        List<Node> exits = new ArrayList<>();
        boolean rejected = false;
        for (Node n : named) {
            if (!n.usable() || !n.has("Exit") || n.has("BadExit") || request.avoidExits().contains(n.fingerprint())) {
                continue;
            }
            if (!request.pinned() && (!n.has("Fast") || stable && !n.has("Stable"))) {
                continue;
            }
            if (!n.policy().accepts(request.port())) {
                rejected = true;
                continue;
            }
            exits.add(n);
        }
        if (exits.isEmpty()) {
            if (rejected) {
                throw new NoPathException(NoPathException.Reason.EXIT_REJECTS_PORT, (request.pinned()
                        ? "the exit's policy rejects port " : "the exit policies of every wanted exit reject port ")
                        + request.port());
            }
            throw new NoPathException(NoPathException.Reason.NO_EXIT, request.exits().isEmpty()
                    ? "no usable exit in the consensus"
                    : "none of the " + request.exits().size() + " wanted exit(s) is in the consensus, Running and Valid"
                            + (request.pinned() ? "" : ", Fast" + (stable ? " and Stable" : "")));
        }
        return exits;
    }

    private Node middle(PathRequest request, Node guard, Node exit, boolean stable) throws NoPathException {
        java.util.function.Predicate<Node> fits = n -> !request.avoidMiddles().contains(n.fingerprint())
                && !conflict(n, guard) && !conflict(n, exit);
        Node drawn = view.middlePool(stable).draw(random, fits, DRAWS);
        if (drawn != null) {
            return drawn;
        }
        List<Node> middles = new ArrayList<>();
        for (Node n : view.nodes()) {
            if (n.usable() && n.has("Fast") && (!stable || n.has("Stable")) && fits.test(n)) {
                middles.add(n);
            }
        }
        if (middles.isEmpty()) {
            throw new NoPathException(NoPathException.Reason.NO_MIDDLE, "no relay can be the middle between "
                    + guard + " and " + exit + " without sharing a family or /16 with one of them");
        }
        return weighted(middles, Position.MIDDLE);
    }

    /** The same relay, the same family, or (when enforced) the same /16. */
    boolean conflict(Node a, Node b) {
        return a.sameFamily(b) || view.distinctSubnets() && a.sameSubnet(b);
    }

    private Node weighted(List<Node> nodes, Position position) {
        long[] weights = new long[nodes.size()];
        long total = 0;
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            weights[i] = Math.max(0, n.bandwidth()) * view.weights().weight(position, n.flags());
            total += weights[i];
        }
        if (total <= 0) {
            return nodes.get(random.nextInt(nodes.size()));
        }
        long pick = random.nextLong(total);
        for (int i = 0; i < weights.length; i++) {
            pick -= weights[i];
            if (pick < 0) {
                return nodes.get(i);
            }
        }
        return nodes.get(nodes.size() - 1);
    }
}
