package io.torgate.bench.jmh;

import io.torgate.torpool.circuit.BandwidthWeights;
import io.torgate.torpool.circuit.NetworkView;
import io.torgate.torpool.circuit.Node;
import io.torgate.torpool.circuit.NoPathException;
import io.torgate.torpool.circuit.Path;
import io.torgate.torpool.circuit.PathRequest;
import io.torgate.torpool.circuit.PathSelector;
import io.torgate.torpool.circuit.PortPolicy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Choosing one circuit path ({@link PathSelector}) on a made-up network shaped like the public one: 1 in 7 relays
 * an exit, 1 in 3 a guard, families of 2-5, bandwidths spread over three orders of magnitude, EnforceDistinctSubnets
 * on. Once per circuit torgate builds (a new session, a rotation, {@code rotate-each}), not per connection.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PathSelectorBenchmark {

    @Param({"1000", "7000"})
    public int relays;

    private PathSelector selector;
    private List<String> guards;
    private PathRequest any;
    private PathRequest group;
    private PathRequest pinned;

    @Setup
    public void setup() {
        SplittableRandom r = new SplittableRandom(1);
        List<String> fps = new ArrayList<>();
        for (int i = 0; i < relays; i++) {
            fps.add(String.format("%040X", (long) i * 2654435761L));
        }
        List<Node> nodes = new ArrayList<>();
        Set<String> exits = new HashSet<>();
        for (int i = 0; i < relays; i++) {
            boolean exit = i % 7 == 0;
            boolean guard = i % 3 == 0;
            Set<String> flags = new HashSet<>(Set.of("Fast", "Running", "Valid"));
            if (exit) {
                flags.add("Exit");
                exits.add(fps.get(i));
            }
            if (guard) {
                flags.add("Guard");
            }
            if (r.nextInt(4) > 0) {
                flags.add("Stable");
            }
            Set<String> family = new HashSet<>();
            int base = i - i % 4; // families of four neighbours, each naming the others
            for (int j = base; j < Math.min(base + 4, relays); j++) {
                if (j != i && i % 5 != 0) {
                    family.add(fps.get(j));
                }
            }
            String address = (10 + r.nextInt(200)) + "." + r.nextInt(256) + "." + r.nextInt(256) + ".1";
            long bw = (long) Math.pow(10, 1 + r.nextDouble() * 3);
            PortPolicy policy = exit ? PortPolicy.parse(r.nextBoolean() ? "accept 1-65535" : "reject 25,119,135-139,445")
                    : PortPolicy.REJECT_ALL;
            nodes.add(new Node(fps.get(i), "r" + i, address, flags, bw, family, Set.of(), policy));
        }
        NetworkView view = NetworkView.of(nodes, BandwidthWeights.parse(
                "Wbd=0 Wbe=0 Wbg=4143 Wbm=10000 Wdb=10000 Web=10000 Wed=10000 Wee=10000 Weg=10000 Wem=10000 Wgb=10000 "
                        + "Wgd=0 Wgg=5857 Wgm=5857 Wmb=10000 Wmd=0 Wme=0 Wmg=4143 Wmm=10000"), true);
        selector = new PathSelector(view, new SplittableRandom(2));
        guards = List.of(fps.get(3), fps.get(6), fps.get(9));
        any = PathRequest.anyExit(443);
        List<String> someExits = new ArrayList<>(exits).subList(0, Math.min(20, exits.size()));
        group = PathRequest.through(Set.copyOf(someExits), 443);
        pinned = PathRequest.through(Set.of(someExits.get(0)), 443);
    }

    @Benchmark
    public Path anyExit() throws NoPathException {
        return selector.select(any, guards);
    }

    @Benchmark
    public Path countryOf20Exits() throws NoPathException {
        return selector.select(group, guards);
    }

    @Benchmark
    public Path pinnedExit() throws NoPathException {
        return selector.select(pinned, guards);
    }
}
