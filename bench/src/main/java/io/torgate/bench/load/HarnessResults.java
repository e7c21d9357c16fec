package io.torgate.bench.load;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Everything one harness run measured, and the report (JSON tree, Markdown tables, target checks) made of it. */
final class HarnessResults {

    /** Memory of one peer before and after opening {@code tunnels} idle tunnels. */
    record MemoryResult(int tunnels, MemoryProbe.Sample before, MemoryProbe.Sample after) {
        double rssKbPerTunnel() {
            return (after.rssBytes() - before.rssBytes()) / 1024.0 / tunnels;
        }

        double pssKbPerTunnel() {
            return after.pssBytes() < 0 ? Double.NaN : (after.pssBytes() - before.pssBytes()) / 1024.0 / tunnels;
        }

        double heapKbPerTunnel() {
            return after.heapAfterGcBytes() < 0 ? Double.NaN
                    : (after.heapAfterGcBytes() - before.heapAfterGcBytes()) / 1024.0 / tunnels;
        }

        double pooledKbPerTunnel() {
            return after.pooledDirectBytes() < 0 ? Double.NaN
                    : (after.pooledDirectBytes() - before.pooledDirectBytes()) / 1024.0 / tunnels;
        }
    }

    /** A target from the issue: {@code value} compared with {@code limit} ({@code atLeast} or at most). */
    record Target(String what, double value, double limit, boolean atLeast) {
        boolean met() {
            return atLeast ? value >= limit : value <= limit;
        }
    }

    final HarnessSettings settings;
    final Map<String, Object> environment = new LinkedHashMap<>();
    final Map<Integer, Map<String, List<LoadClient.BulkResult>>> bulk = new LinkedHashMap<>();
    final Map<String, List<LoadClient.ConnRateResult>> conn = new LinkedHashMap<>();
    final Map<String, MemoryResult> memory = new LinkedHashMap<>();
    final Map<String, String> failures = new LinkedHashMap<>();

    HarnessResults(HarnessSettings settings) {
        this.settings = settings;
    }

    void addBulk(int streams, String peer, LoadClient.BulkResult r) {
        bulk.computeIfAbsent(streams, s -> new LinkedHashMap<>()).computeIfAbsent(peer, p -> new ArrayList<>())
                .add(r);
    }

    void addConn(String peer, LoadClient.ConnRateResult r) {
        conn.computeIfAbsent(peer, p -> new ArrayList<>()).add(r);
    }

    double bulkMedian(int streams, String peer) {
        return bulkMedian(streams, peer, LoadClient.BulkResult::megabytesPerSecond);
    }

    double bulkMedian(int streams, String peer, java.util.function.ToDoubleFunction<LoadClient.BulkResult> field) {
        List<LoadClient.BulkResult> runs = bulk.getOrDefault(streams, Map.of()).get(peer);
        if (runs == null) {
            return Double.NaN;
        }
        List<Double> values = new ArrayList<>();
        for (LoadClient.BulkResult r : runs) {
            values.add(field.applyAsDouble(r));
        }
        return Stats.median(values);
    }

    double connMedian(String peer, java.util.function.ToDoubleFunction<LoadClient.ConnRateResult> field) {
        List<LoadClient.ConnRateResult> runs = conn.get(peer);
        if (runs == null) {
            return Double.NaN;
        }
        List<Double> values = new ArrayList<>();
        for (LoadClient.ConnRateResult r : runs) {
            values.add(field.applyAsDouble(r));
        }
        return Stats.median(values);
    }

    /** "Adds nothing measurable": at most this much extra median connect latency in front of a baseline. */
    static final double ADDED_LATENCY_MS = 1.0;

    /** The subject's median latency figure minus the baseline's (medians over the rounds). */
    double addedLatency(String baseline, java.util.function.ToDoubleFunction<LoadClient.ConnRateResult> field) {
        return connMedian(settings.subject(), field) - connMedian(baseline, field);
    }

    List<Target> targets() {
        String me = settings.subject();
        List<Target> targets = new ArrayList<>();
        for (int s : bulk.keySet()) {
            double mine = bulkMedian(s, me);
            for (Baseline b : settings.baselines()) {
                double theirs = bulkMedian(s, b.name());
                if (!Double.isNaN(b.bulkAtLeast()) && !Double.isNaN(mine) && !Double.isNaN(theirs)) {
                    targets.add(new Target("throughput " + s + " stream(s): " + me + " / " + b.name(),
                            mine / theirs, b.bulkAtLeast(), true));
                }
            }
        }
        double myRate = connMedian(me, LoadClient.ConnRateResult::connectionsPerSecond);
        for (Baseline b : settings.baselines()) {
            double theirs = connMedian(b.name(), LoadClient.ConnRateResult::connectionsPerSecond);
            if (!Double.isNaN(b.connAtLeast()) && !Double.isNaN(myRate) && !Double.isNaN(theirs)) {
                targets.add(new Target("connection rate: " + me + " / " + b.name(), myRate / theirs,
                        b.connAtLeast(), true));
            }
        }
        for (Baseline b : settings.baselines()) {
            // The target is the p99; the p50 is the steadier of the two in unpaired windows.
            double p50 = addedLatency(b.name(), LoadClient.ConnRateResult::p50Millis);
            double p99 = addedLatency(b.name(), LoadClient.ConnRateResult::p99Millis);
            if (b.latency() && !Double.isNaN(p50)) {
                targets.add(new Target("added p50 connect latency, ms: " + me + " vs " + b.name(), p50,
                        ADDED_LATENCY_MS, false));
            }
            if (b.latency() && !Double.isNaN(p99)) {
                targets.add(new Target("added p99 connect latency, ms: " + me + " vs " + b.name(), p99,
                        ADDED_LATENCY_MS, false));
            }
        }
        MemoryResult mem = memory.get(me);
        if (mem != null) {
            targets.add(new Target("RSS per idle tunnel, KB (" + me + ")", mem.rssKbPerTunnel(), 10.0, false));
        }
        MemoryResult host = memory.get(me + "-host");
        if (host != null && !Double.isNaN(host.heapKbPerTunnel())) {
            targets.add(new Target("live heap + pooled direct per idle tunnel, KB (" + me + "-host)",
                    host.heapKbPerTunnel() + host.pooledKbPerTunnel(), 10.0, false));
        }
        return targets;
    }

    // ------------------------------------------------------------------------------------------------ JSON

    Map<String, Object> toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("environment", environment);
        root.put("notes", new LinkedHashMap<>(settings.notes()));
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("peerWarmupSeconds", settings.peerWarmup().toMillis() / 1000.0);
        s.put("rounds", settings.rounds());
        s.put("streams", settings.streams());
        s.put("bulkWarmupSeconds", settings.bulkWarmup().toMillis() / 1000.0);
        s.put("bulkMeasureSeconds", settings.bulkMeasure().toMillis() / 1000.0);
        s.put("connClients", settings.connClients());
        s.put("connWarmupSeconds", settings.connWarmup().toMillis() / 1000.0);
        s.put("connMeasureSeconds", settings.connMeasure().toMillis() / 1000.0);
        s.put("idleTunnels", settings.idleTunnels());
        s.put("peers", settings.peers().stream().map(Peer::name).toList());
        root.put("settings", s);

        Map<String, Object> b = new LinkedHashMap<>();
        for (Map.Entry<Integer, Map<String, List<LoadClient.BulkResult>>> e : bulk.entrySet()) {
            Map<String, Object> perPeer = new LinkedHashMap<>();
            for (Map.Entry<String, List<LoadClient.BulkResult>> p : e.getValue().entrySet()) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("runsMBps", p.getValue().stream().map(LoadClient.BulkResult::megabytesPerSecond).toList());
                r.put("medianMBps", bulkMedian(e.getKey(), p.getKey()));
                r.put("runsCpuSecondsPerGB", p.getValue().stream().map(LoadClient.BulkResult::cpuSecondsPerGB).toList());
                r.put("medianCpuSecondsPerGB", bulkMedian(e.getKey(), p.getKey(), LoadClient.BulkResult::cpuSecondsPerGB));
                perPeer.put(p.getKey(), r);
            }
            b.put(e.getKey() + " streams", perPeer);
        }
        root.put("bulkThroughput", b);

        Map<String, Object> c = new LinkedHashMap<>();
        for (Map.Entry<String, List<LoadClient.ConnRateResult>> e : conn.entrySet()) {
            Map<String, Object> r = new LinkedHashMap<>();
            List<Object> runs = new ArrayList<>();
            long errors = 0;
            for (LoadClient.ConnRateResult run : e.getValue()) {
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("connectionsPerSecond", run.connectionsPerSecond());
                one.put("p50Ms", run.p50Millis());
                one.put("p99Ms", run.p99Millis());
                one.put("cpuMsPerConnection", run.cpuMillisPerConnection());
                one.put("errors", run.errors());
                if (run.firstError() != null) {
                    one.put("firstError", run.firstError());
                }
                runs.add(one);
                errors += run.errors();
            }
            r.put("runs", runs);
            r.put("medianConnectionsPerSecond", connMedian(e.getKey(), LoadClient.ConnRateResult::connectionsPerSecond));
            r.put("medianP50Ms", connMedian(e.getKey(), LoadClient.ConnRateResult::p50Millis));
            r.put("medianP99Ms", connMedian(e.getKey(), LoadClient.ConnRateResult::p99Millis));
            r.put("medianCpuMsPerConnection", connMedian(e.getKey(), LoadClient.ConnRateResult::cpuMillisPerConnection));
            r.put("errors", errors);
            c.put(e.getKey(), r);
        }
        root.put("connectionRate", c);

        Map<String, Object> m = new LinkedHashMap<>();
        for (Map.Entry<String, MemoryResult> e : memory.entrySet()) {
            MemoryResult r = e.getValue();
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("tunnels", r.tunnels());
            one.put("processes", r.after().processes());
            one.put("rssBeforeKB", r.before().rssBytes() / 1024);
            one.put("rssAfterKB", r.after().rssBytes() / 1024);
            one.put("rssKBPerTunnel", r.rssKbPerTunnel());
            one.put("pssBeforeKB", r.before().pssBytes() / 1024);
            one.put("pssAfterKB", r.after().pssBytes() / 1024);
            one.put("pssKBPerTunnel", r.pssKbPerTunnel());
            if (r.after().heapAfterGcBytes() >= 0) {
                one.put("heapAfterGcBeforeKB", r.before().heapAfterGcBytes() / 1024);
                one.put("heapAfterGcAfterKB", r.after().heapAfterGcBytes() / 1024);
                one.put("heapKBPerTunnel", r.heapKbPerTunnel());
            }
            if (r.after().pooledDirectBytes() >= 0) {
                one.put("pooledDirectBeforeKB", r.before().pooledDirectBytes() / 1024);
                one.put("pooledDirectAfterKB", r.after().pooledDirectBytes() / 1024);
                one.put("pooledDirectKBPerTunnel", r.pooledKbPerTunnel());
            }
            m.put(e.getKey(), one);
        }
        root.put("idleMemory", m);

        List<Object> t = new ArrayList<>();
        for (Target target : targets()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("what", target.what());
            one.put("value", target.value());
            one.put(target.atLeast() ? "atLeast" : "atMost", target.limit());
            one.put("met", target.met());
            t.add(one);
        }
        root.put("targets", t);
        root.put("failures", failures);
        return root;
    }

    // -------------------------------------------------------------------------------------------- Markdown

    String toMarkdown() {
        StringBuilder md = new StringBuilder();
        md.append("Run: ").append(environment.get("date")).append(" · ").append(environment.get("cpu"))
                .append(", ").append(environment.get("cores")).append(" cores · ").append(environment.get("jvm"))
                .append(" · Linux ").append(environment.get("kernel")).append(" · load average before/after: ")
                .append(environment.get("loadBefore")).append(" / ").append(environment.get("loadAfter"))
                .append("\n\n");
        for (Map.Entry<String, String> n : settings.notes().entrySet()) {
            md.append("- ").append(n.getKey()).append(": `").append(n.getValue()).append("`\n");
        }
        md.append("- every peer first gets ").append(seconds(settings.peerWarmup()))
                .append(" of unmeasured traffic (JIT warm-up); then ").append(settings.rounds())
                .append(" interleaved rounds (the peer order rotates each round); figures are medians over the rounds\n\n");

        List<String> trafficPeers = settings.peers().stream().filter(Peer::trafficRuns).map(Peer::name).toList();
        md.append("**Bulk throughput, MB/s** (10^6 bytes/s, ").append(settings.workload())
                .append(" → client through the peer; ")
                .append(seconds(settings.bulkWarmup())).append(" warm-up, ").append(seconds(settings.bulkMeasure()))
                .append(" measured per run)\n\n| streams |");
        trafficPeers.forEach(p -> md.append(' ').append(p).append(" |"));
        settings.baselines().forEach(b -> md.append(' ').append(settings.subject()).append(" / ").append(b.name())
                .append(" |"));
        md.append("\n|---|");
        trafficPeers.forEach(p -> md.append("---:|"));
        settings.baselines().forEach(b -> md.append("---:|"));
        md.append('\n');
        for (int s : bulk.keySet()) {
            md.append("| ").append(s).append(" |");
            trafficPeers.forEach(p -> md.append(' ').append(fmt(bulkMedian(s, p), 1)).append(" |"));
            double mine = bulkMedian(s, settings.subject());
            settings.baselines().forEach(b -> md.append(' ').append(ratio(mine, bulkMedian(s, b.name()))).append(" |"));
            md.append('\n');
        }
        List<String> cpuPeers = trafficPeers.stream().filter(p -> settings.peers().stream()
                .anyMatch(q -> q.name().equals(p) && q.cpu() != null)).toList();
        if (!cpuPeers.isEmpty() && !bulk.isEmpty()) {
            md.append("\n**CPU per GB relayed, seconds** (the peer's user + system time over the measured window, all"
                    + " its processes; lower is better)\n\n| streams |");
            cpuPeers.forEach(p -> md.append(' ').append(p).append(" |"));
            md.append("\n|---|");
            cpuPeers.forEach(p -> md.append("---:|"));
            md.append('\n');
            for (int s : bulk.keySet()) {
                md.append("| ").append(s).append(" |");
                cpuPeers.forEach(p -> md.append(' ')
                        .append(fmt(bulkMedian(s, p, LoadClient.BulkResult::cpuSecondsPerGB), 2)).append(" |"));
                md.append('\n');
            }
        }

        md.append("\n**Connection rate** (").append(settings.connClients())
                .append(" concurrent clients, each: connect, SOCKS5 CONNECT, one small request to ")
                .append(settings.workload()).append(" and its answer, close; "
                        + "latency = connect call → SOCKS5 success reply)\n\n"
                        + "| peer | connections/s | p50 connect ms | p99 connect ms | CPU ms/connection | errors |\n"
                        + "|---|---:|---:|---:|---:|---:|\n");
        for (String p : conn.keySet()) {
            long errors = conn.get(p).stream().mapToLong(LoadClient.ConnRateResult::errors).sum();
            md.append("| ").append(p).append(" | ")
                    .append(fmt(connMedian(p, LoadClient.ConnRateResult::connectionsPerSecond), 0)).append(" | ")
                    .append(fmt(connMedian(p, LoadClient.ConnRateResult::p50Millis), 2)).append(" | ")
                    .append(fmt(connMedian(p, LoadClient.ConnRateResult::p99Millis), 2)).append(" | ")
                    .append(fmt(connMedian(p, LoadClient.ConnRateResult::cpuMillisPerConnection), 3)).append(" | ")
                    .append(errors).append(" |\n");
        }

        if (!memory.isEmpty()) {
            md.append("\n**Idle tunnels: memory** (").append(memory.values().iterator().next().tunnels())
                    .append(" idle tunnels, each after one request/answer; per tunnel = (after − before) / tunnels)\n\n"
                            + "| peer | processes | RSS before MB | RSS after MB | RSS KB/tunnel | PSS KB/tunnel | "
                            + "live heap KB/tunnel | pooled direct KB/tunnel |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Map.Entry<String, MemoryResult> e : memory.entrySet()) {
                MemoryResult r = e.getValue();
                md.append("| ").append(e.getKey()).append(" | ").append(r.after().processes()).append(" | ")
                        .append(fmt(r.before().rssBytes() / 1048576.0, 1)).append(" | ")
                        .append(fmt(r.after().rssBytes() / 1048576.0, 1)).append(" | ")
                        .append(fmt(r.rssKbPerTunnel(), 2)).append(" | ")
                        .append(fmt(r.pssKbPerTunnel(), 2)).append(" | ")
                        .append(fmt(r.heapKbPerTunnel(), 2)).append(" | ")
                        .append(fmt(r.pooledKbPerTunnel(), 3)).append(" |\n");
            }
        }

        md.append("\n**Targets**\n\n| target | value | limit | met |\n|---|---:|---:|:---:|\n");
        for (Target t : targets()) {
            md.append("| ").append(t.what()).append(" | ").append(fmt(t.value(), 2)).append(" | ")
                    .append(t.atLeast() ? "≥ " : "≤ ").append(fmt(t.limit(), 2)).append(" | ")
                    .append(t.met() ? "yes" : "**no**").append(" |\n");
        }
        if (!failures.isEmpty()) {
            md.append("\n**Failures**\n\n");
            failures.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
        }
        return md.toString();
    }

    private static String seconds(java.time.Duration d) {
        return fmt(d.toMillis() / 1000.0, 1) + " s";
    }

    private static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "–" : fmt(a / b, 2) + "×";
    }

    static String fmt(double v, int decimals) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }
}
