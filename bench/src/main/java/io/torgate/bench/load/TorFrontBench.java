package io.torgate.bench.load;

import io.torgate.gateway.Gateway;
import io.torgate.gateway.IsolationCredentials;
import io.torgate.gateway.RouteRequest;
import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.Socks5ChainRouter;
import io.torgate.torpool.process.TorBinary;
import io.torgate.torpool.process.TorNotFoundException;
import io.torgate.torpool.process.TorProcess;
import io.torgate.torpool.process.Torrc;
import io.torgate.torpool.testnet.TestNetwork;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * torgate in front of Tor: the private loopback Tor test network ({@link TestNetwork}), one tor client joined to
 * it, and torgate chaining to that client's SocksPort exactly as {@code torgate run --upstream socks5://…} does
 * ({@link Socks5ChainRouter}, with its isolation credentials). The same load runs straight to the tor client's
 * SocksPort and through torgate, interleaved; the report gives torgate's throughput ratio and the connect latency
 * it adds. The far end is the test network's whoami server ({@code GET /bytes?n=} for bulk, {@code GET /} for
 * the request/response), reached through the network's exits.
 * <p>
 * torgate runs in this JVM here (with the load client): tor's relays, not torgate or the client, are what limits
 * these figures. Before measuring, torgate's code is JIT-compiled with local traffic ({@link #warmUp}).
 */
public final class TorFrontBench {

    private TorFrontBench() {
    }

    /**
     * {@code TorFrontBench [--state-dir DIR] [--work-dir DIR] [--rounds N] [--measure 5s] [--json FILE]
     * [--markdown FILE] [--note KEY=VALUE]... [--step-by-step-peer true]}; the last adds a peer
     * "torgate-step-by-step": a second gateway that does the upstream SOCKS5 handshake one reply at a time.
     */
    public static void main(String[] args) throws Exception {
        Args a = new Args(args);
        Path work = Files.createDirectories(Path.of(a.string("--work-dir", "bench/target/tor-client")));
        TestNetwork.Options options = networkOptions(a);
        try (TestNetwork net = TestNetwork.start(options);
             TorProcess tor = startClient(net, work, Duration.ofSeconds(120))) {
            InetSocketAddress torSocks = new InetSocketAddress("127.0.0.1", socksPort(tor));
            SwitchableRouter router = new SwitchableRouter();
            try (Gateway torgate = Gateway.start(GatewayConfig.builder()
                    .listen(new InetSocketAddress("127.0.0.1", 0))
                    .router(router)
                    .build())) {
                warmUp(torgate, router, a.duration("--jit-warmup", Duration.ofSeconds(20)));
                IsolationCredentials isolation = IsolationCredentials.withRandomSecret();
                router.delegate = new Socks5ChainRouter(torSocks, isolation);
                // Optionally a second gateway that talks to tor one request per reply (three round trips), as
                // torgate did before its upstream handshake was pipelined: the same circuit, the same rounds.
                SwitchableRouter stepRouter = new SwitchableRouter();
                Gateway stepByStep = Boolean.parseBoolean(a.string("--step-by-step-peer", "false")) ? Gateway.start(GatewayConfig.builder()
                        .listen(new InetSocketAddress("127.0.0.1", 0)).router(stepRouter).build()) : null;
                if (stepByStep != null) {
                    warmUp(stepByStep, stepRouter, a.duration("--jit-warmup", Duration.ofSeconds(20)));
                    Socks5ChainRouter chain = new Socks5ChainRouter(torSocks, isolation);
                    stepRouter.delegate = request -> chain.route(request).thenApply(r ->
                            io.torgate.gateway.Route.socks5(r.socksProxy(), r.username(), r.password()));
                }
                // The direct client logs in to tor with the very credential torgate derives for its own clients
                // (NO AUTH clients are user "anonymous"), so both go over the same circuit: the comparison is then
                // torgate's hop and nothing else, not one Tor path against another.
                IsolationCredentials.Credential same = isolation.forRequest(RouteRequest.plain("anonymous"));
                URI whoami = net.whoamiUrl();
                InetSocketAddress target = new InetSocketAddress("127.0.0.1", whoami.getPort());
                List<Peer> peers = new java.util.ArrayList<>(List.of(
                        new Peer("tor", torSocks, null, new ProcessCpu(tor.pid()), true,
                                new Peer.Credentials(same.username(), same.password())),
                        new Peer("torgate", torgate.address(), null, null, true)));
                if (stepByStep != null) {
                    peers.add(new Peer("torgate-step-by-step", stepByStep.address(), null, null, true));
                }
                Map<String, String> notes = a.notes();
                notes.put("network", describe(options));
                notes.put("tor", "one tor client (the network's clientTorrc) on " + Args.hostPort(torSocks)
                        + "; the direct client logs in with torgate's own isolation credential, so both use one circuit");
                notes.put("torgate", "in this JVM, Gateway with Socks5ChainRouter(" + Args.hostPort(torSocks)
                        + ") as `torgate run --upstream socks5://…` builds it");
                HarnessSettings settings = new HarnessSettings(target,
                        Workload.http("127.0.0.1:" + whoami.getPort(), 32L * 1024 * 1024 * 1024),
                        peers, "torgate", List.of(new Baseline("tor", 0.95, 0.95, true)),
                        Set.of(HarnessSettings.BULK, HarnessSettings.CONN),
                        a.duration("--peer-warmup", Duration.ofSeconds(10)),
                        a.integer("--rounds", 3), List.of(1, 4),
                        Duration.ofSeconds(2), a.duration("--measure", Duration.ofSeconds(5)),
                        a.integer("--conn-clients", 4), Duration.ofSeconds(1), a.duration("--measure", Duration.ofSeconds(5)),
                        100_000, 0, 1, Duration.ZERO, 1, List.of(), notes);
                HarnessResults results = new LoadHarness(settings, System.out).run();
                String date = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmm'Z'")
                        .format(ZonedDateTime.now(ZoneOffset.UTC));
                Path json = Path.of(a.string("--json", "bench/results/" + date + "-tor.json"));
                String md = a.string("--markdown", null);
                LoadHarness.write(results, json, md == null ? null : Path.of(md));
                System.out.println();
                System.out.println(results.toMarkdown());
                System.out.println("results: " + json);
                if (stepByStep != null) {
                    stepByStep.close();
                }
                if (!results.failures.isEmpty()) {
                    System.exit(1);
                }
            }
        }
    }

    /** The private test network both Tor benchmarks run on: {@code --state-dir}, {@code --exits}, {@code --middles}. */
    static TestNetwork.Options networkOptions(Args a) {
        return TestNetwork.Options.builder()
                .stateDir(Path.of(a.string("--state-dir", "bench/target/testnet-state")))
                .exits(a.integer("--exits", 2))
                .middles(a.integer("--middles", 2))
                .bootstrapTimeout(a.duration("--bootstrap-timeout", Duration.ofSeconds(180)))
                .progress(line -> System.out.println("testnet: " + line))
                .build();
    }

    /** The network, as the results describe it. */
    static String describe(TestNetwork.Options options) throws IOException, TorNotFoundException {
        return "TestNetwork: 3 authorities, " + options.middles() + " middles, " + options.exits()
                + " exits on 127.0.0.0/8; " + TorBinary.locate().version();
    }

    /**
     * Tor takes tens of connections a second, far too few for the JVM to compile torgate's per-connection code
     * within a benchmark; a long-running torgate would have compiled it long ago. So the same gateway first chains
     * tens of thousands of connections, through the very same code (front door, Socks5ChainRouter with its
     * isolation credentials, the upstream SOCKS5 dial, the relay), to a fast local SOCKS5 upstream (the harness's
     * sink posing as one, {@link SocksSinkHandshake}); then its router is switched to tor.
     */
    static void warmUp(Gateway torgate, SwitchableRouter router, Duration time) throws Exception {
        if (time.isZero()) {
            return;
        }
        try (SinkServer sink = SinkServer.start(new InetSocketAddress("127.0.0.1", 0), 1, true);
             LoadClient client = new LoadClient(sink.address(), Workload.SINK, 1, List.of())) {
            router.delegate = new Socks5ChainRouter(sink.address());
            Peer peer = new Peer("torgate", torgate.address(), null, null, true);
            client.bulk(peer, 4, Duration.ZERO, time.dividedBy(5));
            LoadClient.ConnRateResult r = client.connectionRate(peer, 16, Duration.ZERO, time.minus(time.dividedBy(5)),
                    1_000_000);
            System.out.println("JIT warm-up of torgate through a local SOCKS5 upstream: " + r.completed()
                    + " connections, " + r.errors() + " errors");
        }
    }

    /** The gateway's router, pointed at the warm-up upstream first and at tor for the measurements. */
    static final class SwitchableRouter implements io.torgate.gateway.Router {
        volatile io.torgate.gateway.Router delegate = request -> java.util.concurrent.CompletableFuture
                .failedFuture(new IllegalStateException("no upstream yet"));

        @Override
        public java.util.concurrent.CompletionStage<io.torgate.gateway.Route> route(
                io.torgate.gateway.ConnectRequest request) {
            return delegate.route(request);
        }
    }

    /** A tor client joined to the network, with a SocksPort on 127.0.0.1; returns once it has bootstrapped. */
    static TorProcess startClient(TestNetwork net, Path dir, Duration timeout) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Torrc torrc = net.clientTorrc()
                .set("DataDirectory", data)
                .set("SocksPort", "127.0.0.1:" + port)
                .set("Log", "notice stdout")
                .set("__OwningControllerProcess", ProcessHandle.current().pid());
        TorProcess tor = TorProcess.start(TorBinary.locate(), "bench-client", torrc.write(dir.resolve("torrc")),
                dir.resolve("tor.log"));
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (!tor.tailLog(30).contains("Bootstrapped 100%")) {
                if (!tor.isAlive()) {
                    throw new IOException("tor client exited: " + tor.tailLog(20));
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("tor client did not bootstrap within " + timeout + ": " + tor.tailLog(20));
                }
                Thread.sleep(200);
            }
        } catch (Exception e) {
            tor.stop(Duration.ofSeconds(5));
            throw e;
        }
        System.out.println("tor client bootstrapped, SocksPort 127.0.0.1:" + port);
        return tor;
    }

    static int socksPort(TorProcess tor) throws IOException {
        for (String line : Files.readAllLines(tor.torrc())) {
            if (line.startsWith("SocksPort ")) {
                String v = line.substring("SocksPort ".length()).trim();
                return Integer.parseInt(v.substring(v.lastIndexOf(':') + 1));
            }
        }
        throw new IOException("no SocksPort in " + tor.torrc());
    }
}
