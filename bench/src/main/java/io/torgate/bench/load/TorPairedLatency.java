package io.torgate.bench.load;

import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.IsolationCredentials;
import io.torgate.gateway.RouteRequest;
import io.torgate.gateway.Socks5ChainRouter;
import io.torgate.torpool.process.TorProcess;
import io.torgate.torpool.testnet.TestNetwork;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.ToDoubleFunction;

/**
 * The connect latency torgate adds in front of Tor, measured in pairs rather than as two medians of separate
 * runs: each client makes one connection straight to the tor client's SocksPort and one through torgate, back to
 * back (order alternating), over the same tor client and the same circuit (the direct connection logs in with the
 * credential torgate derives for its NO AUTH clients). Tor's own state (circuit, load, the machine's other work)
 * is then nearly the same for both halves of a pair, and the median of per-pair differences is what torgate adds.
 * Runs sequentially (one client) and at the harness's concurrency, then optionally with curl (sequential), and
 * writes p50/p90/p99 of each, the per-pair differences and torgate's own share ({@link GatewayShare}) as JSON.
 * <p>
 * {@code TorPairedLatency [--state-dir DIR] [--work-dir DIR] [--pairs 200] [--concurrency 1,4] [--curl-pairs 40]
 * [--jit-warmup 20s] [--json FILE] [--markdown FILE] [--note KEY=VALUE]... [--go-file FILE]}; {@code --markdown}
 * writes the table for bench/README.md; with {@code --go-file} it prints the ports and waits for FILE to exist
 * before measuring (time to start tcpdump or strace).
 */
public final class TorPairedLatency {

    private TorPairedLatency() {
    }

    public static void main(String[] args) throws Exception {
        Args a = new Args(args);
        Path work = Files.createDirectories(Path.of(a.string("--work-dir", "bench/target/tor-client-paired")));
        int pairs = a.integer("--pairs", 200);
        int curlPairs = a.integer("--curl-pairs", 40);
        List<Integer> levels = new ArrayList<>();
        for (String c : a.string("--concurrency", "1,4").split(",")) {
            levels.add(Integer.parseInt(c.trim()));
        }
        TestNetwork.Options options = TorFrontBench.networkOptions(a);
        GatewayShare share = new GatewayShare();
        try (TestNetwork net = TestNetwork.start(options);
             TorProcess tor = TorFrontBench.startClient(net, work, Duration.ofSeconds(120))) {
            InetSocketAddress torSocks = new InetSocketAddress("127.0.0.1", TorFrontBench.socksPort(tor));
            TorFrontBench.SwitchableRouter router = new TorFrontBench.SwitchableRouter();
            try (Gateway torgate = Gateway.start(GatewayConfig.builder()
                    .listen(new InetSocketAddress("127.0.0.1", 0))
                    .router(router)
                    .listener(share)
                    .build())) {
                TorFrontBench.warmUp(torgate, router, a.duration("--jit-warmup", Duration.ofSeconds(20)));
                IsolationCredentials isolation = IsolationCredentials.withRandomSecret();
                router.delegate = new Socks5ChainRouter(torSocks, isolation);
                IsolationCredentials.Credential same = isolation.forRequest(RouteRequest.plain("anonymous"));
                Peer.Credentials login = new Peer.Credentials(same.username(), same.password());
                URI whoami = net.whoamiUrl();
                InetSocketAddress target = new InetSocketAddress("127.0.0.1", whoami.getPort());
                System.out.println("tor client pid " + tor.pid() + ", SocksPort " + Args.hostPort(torSocks)
                        + "; torgate " + Args.hostPort(torgate.address()) + "; whoami " + whoami);
                String goFile = a.string("--go-file", null);
                if (goFile != null) {
                    awaitFile(Path.of(goFile), Duration.ofMinutes(10));
                }

                Map<String, Object> report = new LinkedHashMap<>();
                report.put("environment", Environment.describe());
                Map<String, String> notes = a.notes();
                notes.put("network", TorFrontBench.describe(options));
                report.put("notes", notes);
                report.put("loadavg_before", Environment.loadAverage());
                PairedSocksClient client = new PairedSocksClient(target);
                Map<String, Object> java = new LinkedHashMap<>();
                for (int clients : levels) {
                    share.reset();
                    Map<String, Object> level = runPairs(client, torSocks, login, torgate.address(), clients,
                            pairs);
                    level.put("torgate_share", share.summary());
                    java.put(clients + "_clients", level);
                    System.out.println(clients + " client(s): " + level);
                }
                report.put("paired_java_client", java);
                if (curlPairs > 0) {
                    share.reset();
                    Map<String, Object> curl = runCurlPairs(torSocks, login, torgate.address(), whoami, curlPairs);
                    curl.put("torgate_share", share.summary());
                    report.put("paired_curl_sequential", curl);
                    System.out.println("curl: " + curl);
                }
                report.put("loadavg_after", Environment.loadAverage());
                String date = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmm'Z'")
                        .format(ZonedDateTime.now(ZoneOffset.UTC));
                Path json = Path.of(a.string("--json", "bench/results/" + date + "-tor-paired.json"));
                Files.createDirectories(json.toAbsolutePath().getParent());
                Files.writeString(json, Json.write(report));
                System.out.println("results: " + json);
                String md = a.string("--markdown", null);
                if (md != null) {
                    Files.writeString(Path.of(md), markdown(report, json));
                }
            }
        }
    }

    /**
     * The connect-latency table of a run, for bench/README.md: per client kind, both sides' percentiles and the
     * median of per-pair differences with its interval, which is what the ≤ 1 ms target is read from.
     */
    @SuppressWarnings("unchecked")
    static String markdown(Map<String, Object> report, Path json) {
        StringBuilder b = new StringBuilder();
        Map<String, Object> env = (Map<String, Object>) report.get("environment");
        b.append("Paired run: ").append(env.get("date")).append(" · ").append(env.get("cpu")).append(", ")
                .append(env.get("cores")).append(" cores · load average before/after: ")
                .append(report.get("loadavg_before")).append(" / ").append(report.get("loadavg_after"))
                .append(" · `").append(json).append("`\n\n")
                .append("**Connect latency in pairs, ms** (connect call → SOCKS5 success; each pair is one connection ")
                .append("straight to tor and one through torgate, back to back, same circuit)\n\n")
                .append("| client | pairs | tor p50 / p90 / p99 | torgate p50 / p90 / p99 | median pair difference (95 %) |")
                .append(" torgate slower in |\n|---|---:|---|---|---|---:|\n");
        List<Map.Entry<String, Map<String, Object>>> rows = new ArrayList<>();
        Map<String, Object> java = (Map<String, Object>) report.get("paired_java_client");
        if (java != null) {
            for (Map.Entry<String, Object> e : java.entrySet()) {
                rows.add(Map.entry(e.getKey().replace("_clients", "") + " (Java)", (Map<String, Object>) e.getValue()));
            }
        }
        Map<String, Object> curl = (Map<String, Object>) report.get("paired_curl_sequential");
        if (curl != null) {
            rows.add(Map.entry("1 (curl)", curl));
        }
        for (Map.Entry<String, Map<String, Object>> row : rows) {
            Map<String, Object> socks = (Map<String, Object>) row.getValue().get("socks_ms");
            if (socks == null) {
                continue;
            }
            List<Object> ci = (List<Object>) socks.get("pair_difference_median_ci95");
            b.append("| ").append(row.getKey()).append(" | ").append(row.getValue().get("pairs")).append(" | ")
                    .append(triple((Map<String, Object>) socks.get("tor"))).append(" | ")
                    .append(triple((Map<String, Object>) socks.get("torgate"))).append(" | **")
                    .append(signed(socks.get("pair_difference_median"))).append("** (").append(signed(ci.get(0)))
                    .append(" … ").append(signed(ci.get(1))).append(") | ")
                    .append(Math.round(((Number) socks.get("torgate_slower_share")).doubleValue() * 100))
                    .append(" % |\n");
        }
        return b.toString();
    }

    private static String triple(Map<String, Object> p) {
        return String.format(java.util.Locale.ROOT, "%.2f / %.2f / %.2f", ((Number) p.get("p50")).doubleValue(),
                ((Number) p.get("p90")).doubleValue(), ((Number) p.get("p99")).doubleValue());
    }

    private static String signed(Object v) {
        return String.format(java.util.Locale.ROOT, "%+.2f", ((Number) v).doubleValue());
    }

    /**
     * Waits for an operator (who starts a packet capture or strace on the ports just printed) to create
     * {@code file}; the measurement starts then.
     */
    private static void awaitFile(Path file, Duration timeout) throws IOException, InterruptedException {
        System.out.println("waiting for " + file + " to exist before measuring");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(file)) {
            if (System.nanoTime() > deadline) {
                throw new IOException(file + " did not appear within " + timeout);
            }
            Thread.sleep(100);
        }
    }

    /** One paired measurement of the Java client: {@code clients} threads, {@code pairs} pairs in all. */
    private static Map<String, Object> runPairs(PairedSocksClient client, InetSocketAddress tor,
            Peer.Credentials login, InetSocketAddress torgate, int clients, int pairs) throws Exception {
        List<PairedSocksClient.Timing[]> done = Collections.synchronizedList(new ArrayList<>());
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int first = c;
                futures.add(pool.submit(() -> {
                    // A few unrecorded pairs first, so every thread starts from a warm connection path.
                    for (int i = -3; first + i * clients < pairs; i++) {
                        boolean directFirst = Math.floorMod(first + i, 2) == 0;
                        try {
                            PairedSocksClient.Timing d;
                            PairedSocksClient.Timing t;
                            if (directFirst) {
                                d = client.run(tor, login);
                                t = client.run(torgate, null);
                            } else {
                                t = client.run(torgate, null);
                                d = client.run(tor, login);
                            }
                            if (i >= 0) {
                                done.add(new PairedSocksClient.Timing[] {d, t});
                            }
                        } catch (IOException e) {
                            errors.add(e.toString());
                        }
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("clients", clients);
        out.put("pairs", done.size());
        out.put("errors", errors.size());
        if (!errors.isEmpty()) {
            out.put("first_error", errors.get(0));
        }
        out.putAll(summarise(done));
        return out;
    }

    /** curl, one at a time: straight to tor (logged in with the shared credential), then through torgate. */
    private static Map<String, Object> runCurlPairs(InetSocketAddress tor, Peer.Credentials login,
            InetSocketAddress torgate, URI url, int pairs) throws Exception {
        List<PairedSocksClient.Timing[]> done = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (int i = -3; i < pairs; i++) {
            try {
                PairedSocksClient.Timing d;
                PairedSocksClient.Timing t;
                if (Math.floorMod(i, 2) == 0) {
                    d = curl(tor, login, url);
                    t = curl(torgate, null, url);
                } else {
                    t = curl(torgate, null, url);
                    d = curl(tor, login, url);
                }
                if (i >= 0) {
                    done.add(new PairedSocksClient.Timing[] {d, t});
                }
            } catch (IOException e) {
                errors.add(e.toString());
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("pairs", done.size());
        out.put("errors", errors.size());
        if (!errors.isEmpty()) {
            out.put("first_error", errors.get(0));
        }
        out.put("socks_ms_means", "curl's time_pretransfer: TCP + SOCKS5 handshake (+ nothing else for plain HTTP)");
        out.putAll(summarise(done));
        return out;
    }

    /** One curl fetch; its own timers: time_connect, time_pretransfer, time_starttransfer, time_total. */
    private static PairedSocksClient.Timing curl(InetSocketAddress proxy, Peer.Credentials login, URI url)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-S", "-o", "/dev/null", "--max-time", "30",
                "--socks5-hostname", Args.hostPort(proxy)));
        if (login != null) {
            cmd.add("-U");
            cmd.add(login.username() + ":" + login.password());
        }
        cmd.addAll(List.of("-w", "%{time_connect} %{time_pretransfer} %{time_starttransfer} %{time_total}",
                url.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        if (p.waitFor() != 0) {
            throw new IOException("curl via " + Args.hostPort(proxy) + " failed: " + output);
        }
        String[] f = output.split(" ");
        return new PairedSocksClient.Timing(Double.parseDouble(f[0]) * 1000, Double.parseDouble(f[1]) * 1000,
                Double.NaN, Double.parseDouble(f[2]) * 1000, Double.parseDouble(f[3]) * 1000);
    }

    /** Percentiles of each side and of the per-pair differences (torgate − direct). */
    private static Map<String, Object> summarise(List<PairedSocksClient.Timing[]> pairs) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, ToDoubleFunction<PairedSocksClient.Timing>> fields = new LinkedHashMap<>();
        fields.put("socks_ms", PairedSocksClient.Timing::socksMillis);
        fields.put("connect_request_ms", PairedSocksClient.Timing::connectRequestMillis);
        fields.put("first_byte_ms", PairedSocksClient.Timing::firstByteMillis);
        fields.put("total_ms", PairedSocksClient.Timing::totalMillis);
        for (Map.Entry<String, ToDoubleFunction<PairedSocksClient.Timing>> f : fields.entrySet()) {
            List<Double> direct = new ArrayList<>();
            List<Double> via = new ArrayList<>();
            List<Double> diff = new ArrayList<>();
            for (PairedSocksClient.Timing[] p : pairs) {
                double d = f.getValue().applyAsDouble(p[0]);
                double t = f.getValue().applyAsDouble(p[1]);
                direct.add(d);
                via.add(t);
                diff.add(t - d);
            }
            if (direct.stream().allMatch(v -> v.isNaN())) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tor", percentiles(direct));
            m.put("torgate", percentiles(via));
            m.put("pair_difference", percentiles(diff));
            m.put("pair_difference_median", round(Stats.median(diff)));
            double[] ci = Stats.medianConfidence95(Stats.sorted(diff));
            m.put("pair_difference_median_ci95", List.of(round(ci[0]), round(ci[1])));
            m.put("torgate_slower_share", round(diff.stream().filter(v -> v > 0).count() / (double) diff.size()));
            out.put(f.getKey(), m);
        }
        List<List<Double>> raw = new ArrayList<>();
        for (PairedSocksClient.Timing[] p : pairs) {
            raw.add(List.of(round(p[0].socksMillis()), round(p[1].socksMillis())));
        }
        out.put("raw_socks_ms_tor_torgate", raw);
        return out;
    }

    static Map<String, Object> percentiles(List<Double> values) {
        double[] v = Stats.sorted(values);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", v.length);
        m.put("p50", round(Stats.percentile(v, 50)));
        m.put("p90", round(Stats.percentile(v, 90)));
        m.put("p99", round(Stats.percentile(v, 99)));
        m.put("min", round(v.length == 0 ? Double.NaN : v[0]));
        return m;
    }

    private static double round(double v) {
        return Double.isNaN(v) ? v : Math.round(v * 1000) / 1000.0;
    }
}
