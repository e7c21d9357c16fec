package io.torgate.torpool.circuit;

import java.util.List;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * Relays with their selection weights, for drawing one at random by weight in O(log n): the cumulative weights are
 * computed once per network view, not per path. Drawing until a predicate holds (rejection sampling) gives each
 * acceptable relay exactly its weighted share among the acceptable ones, which is what a scan that filters first
 * and then draws would give, without the scan.
 */
final class WeightedNodes {

    private final Node[] nodes;
    private final long[] cumulative;

    WeightedNodes(List<Node> nodes, java.util.function.ToLongFunction<Node> weight) {
        this.nodes = nodes.toArray(Node[]::new);
        this.cumulative = new long[this.nodes.length];
        long total = 0;
        for (int i = 0; i < this.nodes.length; i++) {
            total += Math.max(0, weight.applyAsLong(this.nodes[i]));
            cumulative[i] = total;
        }
    }

    int size() {
        return nodes.length;
    }

    /**
     * A relay drawn by weight that satisfies {@code accept}, trying at most {@code tries} draws; null when none of
     * them did (the caller then scans). With a total weight of 0, draws are uniform.
     */
    Node draw(RandomGenerator random, Predicate<Node> accept, int tries) {
        if (nodes.length == 0) {
            return null;
        }
        long total = cumulative[nodes.length - 1];
        for (int t = 0; t < tries; t++) {
            Node n;
            if (total <= 0) {
                n = nodes[random.nextInt(nodes.length)];
            } else {
                long pick = random.nextLong(total);
                int lo = 0;
                int hi = nodes.length - 1;
                while (lo < hi) { // the first index whose cumulative weight exceeds pick
                    int mid = (lo + hi) >>> 1;
                    if (cumulative[mid] > pick) {
                        hi = mid;
                    } else {
                        lo = mid + 1;
                    }
                }
                n = nodes[lo];
            }
            if (accept.test(n)) {
                return n;
            }
        }
        return null;
    }
}
