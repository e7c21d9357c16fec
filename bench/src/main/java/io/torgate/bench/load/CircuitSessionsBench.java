package io.torgate.bench.load;

import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import io.torgate.torpool.directory.NodeDirectory;
import io.torgate.torpool.directory.NodeDirectoryConfig;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.pool.TorPool;
import io.torgate.torpool.pool.TorPoolRouter;
import io.torgate.torpool.testnet.TestNetwork;
import io.torgate.torpool.testnet.TestRelay;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Exits are circuits, in figures: one tor process of a pool serving many sticky sessions at once, each on its own
 * circuit, on the private testnet through the real gateway and router.
 * <ul>
 *   <li><b>Sessions per tor process and memory per session</b>: 100, then 1,000 sessions opened (one connection
 *       each, 10 at a time) on a pool of one instance; torgate's heap after a full GC and tor's RSS before and after,
 *       divided by the sessions.</li>
 *   <li><b>Connect latency, paired</b>: a new session's first connection (its circuit taken from the warm pool) and
 *       a connection of a session whose circuit is built, back to back in alternating order; the median of the
 *       per-pair differences is what a new session costs (target at most +2 ms).</li>
 *   <li><b>Time to first byte of a new country</b>: the first connection ever to a country (its circuit is built
 *       then) against a new session in a country already asked for (a warm circuit waits).</li>
 * </ul>
 * {@code CircuitSessionsBench [--state-dir DIR] [--exits 12] [--pairs 200] [--countries 10] [--json FILE]}
 */
public final class CircuitSessionsBench {

    private CircuitSessionsBench() {
    }

    public static void main(String[] args) throws Exception {
        Args a = new Args(args);
        int pairs = a.integer("--pairs", 200);
        int exits = a.integer("--exits", 12);
        Path work = Files.createDirectories(Path.of(a.string("--work-dir", "bench/target/circuit-sessions")));
        TestNetwork.Options options = TestNetwork.Options.builder()
                .stateDir(Path.of(a.string("--state-dir", "bench/target/testnet-state-" + exits + "-exits")))
                .exits(exits).bootstrapTimeout(Duration.ofSeconds(180))
                .progress(line -> System.out.println("testnet: " + line)).build();
        Map<String, Object> report = new LinkedHashMap<>();
        try (TestNetwork net = TestNetwork.start(options);
             NodeDirectory directory = NodeDirectory.open(NodeDirectoryConfig.builder().baseUrl(net.onionooUrl())
                     .stateDir(work.resolve("nodes")).httpTimeout(Duration.ofSeconds(5)).build());
             TorPool pool = TorPool.create(TorPool.configs(1, "bench", work, b -> b.extraTorrc(net.clientTorrc())))) {
            directory.refreshNow().get(30, TimeUnit.SECONDS);
            pool.start().get(120, TimeUnit.SECONDS);
            try (TorPoolRouter router = TorPoolRouter.builder(pool).directory(directory).growAtTunnels(0).build();
                 Gateway gateway = Gateway.start(GatewayConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0))
                         .router(router).maxTunnels(10_000).build())) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (router.circuits().open().isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(50); // polling with a deadline: the stack opens once tor's network is read
                }
                TorInstance tor = pool.instances().get(0);
                Probe probe = new Probe(gateway.address(), net.whoamiUrl().getPort());
                for (int k = 0; k < 50; k++) {
                    probe.connect("jit-session-w" + k, true); // JIT and warm pool before measuring
                }
                report.put("network", net.relays().size() + " relays, " + net.exits().size() + " exits, 1 pool instance");
                report.put("memory", memory(probe, tor, router));
                report.put("connect_paired_ms", paired(probe, pairs));
                report.put("first_byte_new_country_ms", countries(probe, net, router, a.integer("--countries", 10)));
            }
        }
        String json = Json.write(report);
        System.out.println(json);
        String date = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmm'Z'"));
        Path out = Path.of(a.string("--json", "bench/results/" + date + "-circuit-sessions.json"));
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, json + "\n");
    }

    /** Heap and tor RSS before and after 100, then 1,000 sessions, per session. */
    private static Map<String, Object> memory(Probe probe, TorInstance tor, TorPoolRouter router) throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        long heap0 = heapAfterGc();
        long rss0 = rssKb(tor);
        int opened = 0;
        for (int target : new int[] {100, 1_000}) {
            List<Thread> threads = new ArrayList<>();
            int from = opened;
            int[] failures = new int[1];
            for (int w = 0; w < 10; w++) {
                int worker = w;
                Thread t = new Thread(() -> {
                    for (int k = from + worker; k < target; k += 10) {
                        try {
                            probe.connect("mem-session-m" + k, true);
                        } catch (IOException e) {
                            synchronized (failures) {
                                failures[0]++;
                            }
                        }
                    }
                });
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join();
            }
            opened = target;
            long heap = heapAfterGc();
            long rss = rssKb(tor);
            int sessions = router.sessionsPerInstance().values().stream().mapToInt(Integer::intValue).sum();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("sessions_held", sessions);
            row.put("failed_connections", failures[0]);
            row.put("torgate_heap_mb", heap / 1e6);
            row.put("tor_rss_mb", rss / 1e3);
            row.put("heap_per_session_kb", (heap - heap0) / 1e3 / target);
            row.put("tor_rss_per_session_kb", (double) (rss - rss0) / target);
            row.put("circuits_in_use", router.circuitCounts().values().stream().mapToInt(c -> c.inUse()).sum());
            out.put(String.valueOf(target), row);
            System.out.println("memory at " + target + " sessions: " + row);
        }
        return out;
    }

    /** New session (warm circuit) vs a stream on a built circuit, back to back, order alternating. */
    private static Map<String, Object> paired(Probe probe, int pairs) throws Exception {
        probe.connect("pair-session-built", true);
        List<Double> fresh = new ArrayList<>();
        List<Double> built = new ArrayList<>();
        List<Double> diff = new ArrayList<>();
        for (int k = 0; k < pairs; k++) {
            double f;
            double b;
            if (k % 2 == 0) {
                f = probe.connect("pair-session-new" + k, false);
                b = probe.connect("pair-session-built", false);
            } else {
                b = probe.connect("pair-session-built", false);
                f = probe.connect("pair-session-new" + k, false);
            }
            fresh.add(f);
            built.add(b);
            diff.add(f - b);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("pairs", pairs);
        out.put("new_session_warm_circuit", summary(fresh));
        out.put("built_circuit", summary(built));
        double[] d = Stats.sorted(diff);
        double[] ci = Stats.medianConfidence95(d);
        out.put("difference_median", Stats.median(diff));
        out.put("difference_median_ci95", List.of(ci[0], ci[1]));
        System.out.println("paired connect: " + out);
        return out;
    }

    /** First byte through a never-asked country (circuit built) vs a new session in an asked one (warm circuit). */
    private static Map<String, Object> countries(Probe probe, TestNetwork net, TorPoolRouter router, int count)
            throws Exception {
        List<Double> cold = new ArrayList<>();
        List<Double> warm = new ArrayList<>();
        List<TestRelay> exits = net.exits();
        for (int k = 0; k < Math.min(count, exits.size()); k++) {
            String cc = exits.get(k).country();
            cold.add(probe.firstByte("cold-session-c" + k + "-country-" + cc));
            // The router now keeps circuits ready for this country: wait (with a deadline) until one is built.
            String group = "country-" + cc;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (router.warmByGroup().getOrDefault(group, 0) < 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            warm.add(probe.firstByte("warm-session-c" + k + "-country-" + cc));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("countries", cold.size());
        out.put("cold_circuit_build", summary(cold));
        out.put("warm_circuit", summary(warm));
        System.out.println("first byte, new country: " + out);
        return out;
    }

    private static Map<String, Object> summary(List<Double> ms) {
        double[] s = Stats.sorted(ms);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50", Stats.percentile(s, 50));
        m.put("p90", Stats.percentile(s, 90));
        m.put("p99", Stats.percentile(s, 99));
        return m;
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long rssKb(TorInstance tor) throws IOException {
        return ProcessMemory.kilobytes(Path.of("/proc/" + tor.pid().orElseThrow() + "/status"), "VmRSS:");
    }

    /** A SOCKS5 client of the gateway that fetches whoami's page. */
    private record Probe(InetSocketAddress gateway, int whoamiPort) {

        /** SOCKS5 login and CONNECT to whoami: ms until the gateway's success reply; with {@code fetch}, a GET too. */
        double connect(String user, boolean fetch) throws IOException {
            long t0 = System.nanoTime();
            try (Socket s = dial(user)) {
                double ms = (System.nanoTime() - t0) / 1e6;
                if (fetch) {
                    get(s);
                    s.getInputStream().readAllBytes();
                }
                return ms;
            }
        }

        /** ms from connecting to the gateway to the first byte of whoami's answer. */
        double firstByte(String user) throws IOException {
            long t0 = System.nanoTime();
            try (Socket s = dial(user)) {
                get(s);
                if (s.getInputStream().read() < 0) {
                    throw new IOException("no answer for " + user);
                }
                return (System.nanoTime() - t0) / 1e6;
            }
        }

        /** A connection to whoami through the gateway as {@code user}, its SOCKS5 handshake done. */
        private Socket dial(String user) throws IOException {
            Socket s = new Socket();
            try {
                s.setTcpNoDelay(true);
                s.setSoTimeout(60_000);
                s.connect(gateway, 5_000);
                handshake(s, user);
                return s;
            } catch (IOException e) {
                s.close();
                throw e;
            }
        }

        private void get(Socket s) throws IOException {
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.0\r\nHost: whoami\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        /** Greeting, RFC 1929 login and CONNECT 127.0.0.1:port in one write; reads the three replies. */
        private void handshake(Socket s, String user) throws IOException {
            byte[] u = user.getBytes(StandardCharsets.UTF_8);
            byte[] p = "x".getBytes(StandardCharsets.US_ASCII);
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
            b.write(new byte[] {5, 1, 2});
            b.write(1);
            b.write(u.length);
            b.write(u);
            b.write(p.length);
            b.write(p);
            b.write(new byte[] {5, 1, 0, 1, 127, 0, 0, 1, (byte) (whoamiPort >> 8), (byte) whoamiPort});
            s.getOutputStream().write(b.toByteArray());
            s.getOutputStream().flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] method = new byte[2];
            in.readFully(method);
            byte[] auth = new byte[2];
            in.readFully(auth);
            if (auth[1] != 0) {
                throw new IOException("login refused for " + user);
            }
            byte[] reply = new byte[10];
            in.readFully(reply);
            if (reply[1] != 0) {
                throw new IOException("CONNECT refused for " + user + ": reply 0x" + Integer.toHexString(reply[1]));
            }
        }
    }
}
