package io.torgate.bench.load;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one harness run measures and how long. {@code subject} is the peer the ratios are about (torgate);
 * {@code notes} are free-form facts for the report (peer versions, the command line).
 */
record HarnessSettings(
        InetSocketAddress sink,
        Workload workload,
        List<Peer> peers,
        String subject,
        List<Baseline> baselines,
        java.util.Set<String> scenarios,
        Duration peerWarmup,
        int rounds,
        List<Integer> streams,
        Duration bulkWarmup,
        Duration bulkMeasure,
        int connClients,
        Duration connWarmup,
        Duration connMeasure,
        long maxConnectionsPerRun,
        int idleTunnels,
        int idleParallelism,
        Duration idleSettle,
        int clientThreads,
        List<InetAddress> sources,
        Map<String, String> notes) {

    /** The targets: at least as fast as microsocks and Dante, at least half of direct TCP. */
    static final List<Baseline> DEFAULT_BASELINES = List.of(
            new Baseline("microsocks", 1.0, 1.0, false),
            new Baseline("dante", 1.0, 1.0, false),
            new Baseline(Peer.DIRECT, 0.5, Double.NaN, false));

    static final String BULK = "bulk";
    static final String CONN = "conn";
    static final String MEMORY = "memory";

    HarnessSettings {
        scenarios = java.util.Set.copyOf(scenarios);
        peers = List.copyOf(peers);
        baselines = List.copyOf(baselines);
        streams = List.copyOf(streams);
        sources = List.copyOf(sources);
        notes = Map.copyOf(notes);
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1, got " + rounds);
        }
    }

    /**
     * Options (all {@code --name value}): {@code --sink HOST:PORT}, {@code --peer NAME=HOST:PORT[,pid=N][,stats=HOST:PORT]
     * [,memory-only]} (repeatable; {@code --peer direct} for the direct-TCP limit), {@code --rounds}, {@code --streams
     * 1,16,256}, {@code --warmup}, {@code --measure}, {@code --conn-clients}, {@code --conn-warmup},
     * {@code --conn-measure}, {@code --max-connections}, {@code --idle-tunnels}, {@code --idle-parallelism},
     * {@code --idle-settle}, {@code --client-threads}, {@code --scenarios bulk,conn,memory}, {@code --peer-warmup} (unmeasured traffic per peer first), {@code --sources N} (127.0.0.1 … 127.0.0.N),
     * {@code --note KEY=VALUE} (repeatable), {@code --subject NAME}, {@code --baseline NAME:BULK:CONN[:latency]}
     * (repeatable; default microsocks:1:1, dante:1:1, direct:0.5:-).
     */
    static HarnessSettings parse(Args a) throws UnknownHostException {
        List<Peer> peers = new ArrayList<>();
        for (String spec : a.all("--peer")) {
            peers.add(peer(spec));
        }
        if (peers.isEmpty()) {
            throw new IllegalArgumentException("--peer: at least one peer is needed");
        }
        List<Integer> streams = new ArrayList<>();
        for (String s : a.string("--streams", "1,16,256").split(",")) {
            streams.add(Integer.parseInt(s.trim()));
        }
        List<InetAddress> sources = new ArrayList<>();
        int n = a.integer("--sources", 0);
        for (int i = 1; i <= n; i++) {
            sources.add(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) i}));
        }
        Map<String, String> notes = a.notes();
        InetSocketAddress sink = a.address("--sink", null);
        if (sink == null) {
            throw new IllegalArgumentException("--sink HOST:PORT is required");
        }
        java.util.Set<String> scenarios = java.util.Set.of(a.string("--scenarios", "bulk,conn,memory").split(","));
        for (String s : scenarios) {
            if (!List.of(BULK, CONN, MEMORY).contains(s)) {
                throw new IllegalArgumentException("--scenarios: unknown scenario '" + s + "'; known: bulk,conn,memory");
            }
        }
        List<Baseline> baselines = new ArrayList<>();
        for (String b : a.all("--baseline")) {
            baselines.add(Baseline.parse(b));
        }
        if (baselines.isEmpty()) {
            baselines = DEFAULT_BASELINES;
        }
        return new HarnessSettings(sink, Workload.SINK, peers, a.string("--subject", "torgate"), baselines, scenarios,
                a.duration("--peer-warmup", Duration.ofSeconds(30)),
                a.integer("--rounds", 5), streams,
                a.duration("--warmup", Duration.ofSeconds(1)), a.duration("--measure", Duration.ofSeconds(3)),
                a.integer("--conn-clients", 64),
                a.duration("--conn-warmup", Duration.ofSeconds(1)), a.duration("--conn-measure", Duration.ofSeconds(3)),
                a.integer("--max-connections", 1_000_000),
                a.integer("--idle-tunnels", 10_000), a.integer("--idle-parallelism", 64),
                a.duration("--idle-settle", Duration.ofSeconds(2)),
                a.integer("--client-threads", 1), sources, notes);
    }

    /** {@code NAME=HOST:PORT[,pid=N][,stats=HOST:PORT][,memory-only]} or {@code direct}. */
    static Peer peer(String spec) {
        if (spec.equals(Peer.DIRECT)) {
            return Peer.direct();
        }
        int eq = spec.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("--peer: expected NAME=HOST:PORT[,pid=N][,stats=HOST:PORT], got '"
                    + spec + "'");
        }
        String name = spec.substring(0, eq);
        String[] parts = spec.substring(eq + 1).split(",");
        InetSocketAddress socks = Args.parseAddress("--peer " + name, parts[0]);
        MemoryProbe memory = null;
        ProcessCpu cpu = null;
        boolean traffic = true;
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            if (p.startsWith("pid=")) {
                long pid = Long.parseLong(p.substring(4));
                memory = new ProcessMemory(pid);
                cpu = new ProcessCpu(pid);
            } else if (p.startsWith("stats=")) {
                memory = new StatsHostProbe(Args.parseAddress("--peer " + name + " stats", p.substring(6)));
            } else if (p.equals("memory-only")) {
                traffic = false;
            } else {
                throw new IllegalArgumentException("--peer " + name + ": unknown attribute '" + p + "'");
            }
        }
        return new Peer(name, socks, memory, cpu, traffic);
    }
}
