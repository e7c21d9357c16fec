package io.torgate.torpool.testnet;

import io.torgate.torpool.process.TorBinary;
import io.torgate.torpool.process.TorNotFoundException;
import io.torgate.torpool.process.TorProcess;
import io.torgate.torpool.process.TorStartException;
import io.torgate.torpool.process.Torrc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A complete private Tor network on 127.0.0.0/8: three directory authorities, middle relays and exit relays,
 * each a real tor process, plus a "whoami" HTTP server that tells which exit carried a request and an
 * Onionoo-style directory of the relays. Keys and ports persist in the state directory so later runs start in
 * seconds. Tor clients join with {@link #clientTorrc()}.
 *
 * <p>Only the exit relays allow exit traffic, so a test knows the complete set of possible exits. The exits'
 * resolver knows no names ({@link NxDomainResolver}): destinations are IP addresses, and a name fails to resolve
 * at once, as a name that does not exist does on the real network.
 * <p>The network breaks each of tor's path rules once on purpose, so a path selector can be tested on loopback (see
 * {@link Topology}): every relay has its own 127.X.0.0/16 except {@link #sameSubnetPair()}, two relays declare
 * each other as family ({@link #familyPair()}), and {@link #rejectingExit()} rejects {@link #rejectedPort()}, a
 * second port of the whoami server.
 */
public final class TestNetwork implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TestNetwork.class);

    /** Seconds from launch to the first consensus: long enough for every relay to upload its descriptor. */
    static final int FIRST_CONSENSUS_LEAD_SECONDS = 7;
    /** Relays exit well within this unless tor's shutdown deadlock hits (then SIGKILL, which loses nothing). */
    private static final Duration STOP_GRACE = Duration.ofSeconds(3);
    private static final int LAUNCH_ATTEMPTS = 3;

    private final Options options;
    private final StateDirLock lock;
    private final TorBinary tor;
    private final Path stateDir;
    private final NetworkLayout layout;
    private final Map<String, ManagedRelay> relays;
    private volatile RelayTorrcs.Context context;
    private final List<ProcessHandle> started = new CopyOnWriteArrayList<>();
    private final Thread shutdownHook;
    private volatile Instant launchedAt;
    /** The last launch or relay restart: a complete consensus must be at least this new. */
    private volatile Instant startedAt;
    /** The last start or stop of any relay: the Onionoo document's age. */
    private volatile Instant changedAt;
    /** The relays' DNS server; lives as long as the network, relays restarted later included. */
    private final NxDomainResolver resolver;
    private volatile WhoamiServer whoami;
    private volatile OnionooServer onionoo;
    private volatile boolean closed;

    private TestNetwork(Options options, StateDirLock lock, TorBinary tor, NetworkLayout layout,
                        RelayTorrcs.Context context, NxDomainResolver resolver) {
        this.options = options;
        this.resolver = resolver;
        this.lock = lock;
        this.tor = tor;
        this.stateDir = options.stateDir();
        this.layout = layout;
        this.context = context;
        Map<String, ManagedRelay> m = new LinkedHashMap<>();
        int exitIndex = 0;
        for (RelaySpec r : layout.relays()) {
            String country = r.role() == TestRelay.Role.EXIT
                    ? options.exitCountries().get(exitIndex++ % options.exitCountries().size())
                    : options.nonExitCountry();
            m.put(r.fingerprint(), new ManagedRelay(r, country, RelayTorrcs.family(r, layout),
                    RelayTorrcs.rejectedPorts(r, layout, context), stateDir));
        }
        this.relays = m;
        this.shutdownHook = new Thread(this::killAll, "testnet-shutdown");
    }

    /**
     * Builds (or reuses) the network in {@code options.stateDir()}, launches every relay and returns once a
     * consensus lists all of them as running, exits with the Exit flag.
     */
    public static TestNetwork start(Options options) throws TestNetworkException {
        Objects.requireNonNull(options, "options");
        Set<String> forceNewPorts = new HashSet<>();
        for (int attempt = 1; ; attempt++) {
            TestNetwork net = prepare(options, forceNewPorts);
            try {
                long deadline = System.nanoTime() + options.bootstrapTimeout().toNanos();
                // Before the relays: the rejecting exit's torrc names the rejected port, which so far was only
                // picked; binding it first leaves the least time for another process to take it.
                net.startWhoami();
                net.launchAll();
                net.startOnionoo();
                net.bringFirstVoteForward(deadline);
                net.awaitConsensus(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                return net;
            } catch (TestNetworkException e) {
                Set<String> clashed = net.relays.values().stream().filter(ManagedRelay::diedOfPortClash)
                        .map(r -> r.spec().nickname()).collect(Collectors.toSet());
                closeAfterFailure(net, e);
                if (clashed.isEmpty() || attempt >= LAUNCH_ATTEMPTS) {
                    throw e;
                }
                // Another network grabbed a port between our check and tor's bind: pick new ones and relaunch.
                options.progress().accept("port taken by someone else for " + clashed + "; retrying with new ports");
                forceNewPorts.addAll(clashed);
            } catch (RuntimeException | Error e) {
                closeAfterFailure(net, e);
                throw e;
            }
        }
    }

    private static void closeAfterFailure(TestNetwork net, Throwable cause) {
        try {
            net.close();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    private static TestNetwork prepare(Options options, Set<String> forceNewPorts) throws TestNetworkException {
        Path stateDir = options.stateDir();
        StateDirLock lock;
        try {
            lock = StateDirLock.tryLock(stateDir).orElseThrow(() -> new TestNetworkException("state directory "
                    + stateDir + " is in use by another test network (" + StateDirLock.holder(stateDir) + ")"));
        } catch (IOException e) {
            throw new TestNetworkException("cannot lock the state directory " + stateDir + ": " + e.getMessage(), e);
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
        boolean prepared = false;
        NxDomainResolver resolver = null;
        try {
            TorBinary tor = TorBinary.locate(options.torPath());
            RelayKeys keys = new RelayKeys(tor);
            List<RelaySpec> skeleton = NetworkPlanner.skeleton(options.middles(), options.exits());
            int missing = NetworkPlanner.missingKeys(stateDir, skeleton);
            long t0 = System.nanoTime();
            if (missing > 0) {
                options.progress().accept("making keys for " + missing + " relays (" + tor + ")");
            }
            NetworkLayout layout = new NetworkPlanner(stateDir, keys, pool)
                    .plan(options.middles(), options.exits(), NetworkLayout.load(stateDir), forceNewPorts);
            layout.save(stateDir);
            if (missing > 0) {
                options.progress().accept("keys ready in " + millis(t0) + " ms");
            }
            resolver = NxDomainResolver.start();
            RelayTorrcs.Context ctx = writeSharedFiles(stateDir, layout, resolver.port());
            TestNetwork net = new TestNetwork(options, lock, tor, layout, ctx, resolver);
            prepared = true;
            return net;
        } catch (TorNotFoundException e) {
            throw new TestNetworkException(e.getMessage(), e);
        } catch (IOException e) {
            throw new TestNetworkException("cannot prepare the test network in " + stateDir + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TestNetworkException("interrupted while preparing the test network", e);
        } finally {
            pool.shutdownNow();
            if (!prepared) {
                lock.close();
                if (resolver != null) {
                    resolver.close();
                }
            }
        }
    }

    private static RelayTorrcs.Context writeSharedFiles(Path stateDir, NetworkLayout layout, int dnsPort)
            throws IOException {
        Path geoip = stateDir.resolve("geoip-empty");
        Files.writeString(geoip, "");
        Path resolv = stateDir.resolve("resolv.conf");
        // Tor's resolv.conf parser (libevent's) takes a port after the address.
        Files.writeString(resolv, "nameserver 127.0.0.1:" + dnsPort + "\n");
        Path bw = stateDir.resolve("bandwidths");
        long now = Instant.now().getEpochSecond();
        Files.writeString(bw, RelayTorrcs.bandwidthFile(layout, now));
        return new RelayTorrcs.Context(geoip, resolv, bw,
                RelayTorrcs.votingStartOffset(now, FIRST_CONSENSUS_LEAD_SECONDS), ProcessHandle.current().pid(),
                FreePorts.pick("127.0.0.1"));
    }

    /** Launches every relay at once (each launch verifies its torrc first, which costs a tor run). */
    private void launchAll() throws TestNetworkException {
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        launchedAt = Instant.now();
        startedAt = launchedAt;
        changedAt = launchedAt;
        ExecutorService pool = Executors.newFixedThreadPool(relays.size());
        try {
            List<Future<TorProcess>> launches = new ArrayList<>();
            for (ManagedRelay r : relays.values()) {
                launches.add(pool.submit(() -> {
                    forgetOldDirectoryData(r.dataDir());
                    return launch(r);
                }));
            }
            for (Future<TorProcess> f : launches) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    throw new TestNetworkException(c.getMessage(), c);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TestNetworkException("interrupted while launching the test network", e);
        } finally {
            pool.shutdownNow();
        }
        options.progress().accept(relays.size() + " tor processes launched (" + tor + "), first consensus due in "
                + FIRST_CONSENSUS_LEAD_SECONDS + " s");
    }

    private void startWhoami() throws TestNetworkException {
        try {
            whoami = WhoamiServer.start(relays::values, context.rejectedPort());
        } catch (IOException e) {
            throw new TestNetworkException("cannot start the whoami server on 127.0.0.1: " + e.getMessage(), e);
        }
    }

    private void startOnionoo() throws TestNetworkException {
        try {
            onionoo = OnionooServer.start(this::onionooSnapshot);
        } catch (IOException e) {
            throw new TestNetworkException("cannot start the onionoo server on 127.0.0.1: " + e.getMessage(), e);
        }
    }

    OnionooSnapshot onionooSnapshot() {
        List<OnionooSnapshot.Relay> rs = relays.values().stream()
                .map(r -> new OnionooSnapshot.Relay(r.snapshot(), r.startedAt())).toList();
        return new OnionooSnapshot(rs, latestConsensus(), Instant.ofEpochSecond(layout.createdEpochSecond()), changedAt,
                tor.version());
    }

    /**
     * Directory data from an earlier run does harm, not good: an authority would vote for relays that are not
     * up (and a relay's fresh upload at the same address would not count as news), and a relay holding an old
     * consensus builds self-test circuits through relays that are still starting and only publishes its
     * descriptor once one succeeds (seen: 17 s late). Keys and state stay; this is wiped before a launch.
     */
    static void forgetOldDirectoryData(Path dataDir) throws IOException {
        for (String name : List.of("cached-descriptors", "cached-descriptors.new", "cached-extrainfo",
                "cached-extrainfo.new", "cached-consensus", "cached-microdesc-consensus", "cached-microdescs",
                "cached-microdescs.new", "unverified-consensus", "unverified-microdesc-consensus")) {
            Files.deleteIfExists(dataDir.resolve(name));
        }
        // Consensus diffs an authority kept; it rescans and recompresses them at start-up, for nothing here.
        Path diffs = dataDir.resolve("diff-cache");
        if (Files.isDirectory(diffs)) {
            try (var files = Files.list(diffs)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private TorProcess launch(ManagedRelay r) throws TorStartException, IOException {
        Torrc torrc = RelayTorrcs.relay(r.spec(), r.dataDir(), layout, context);
        TorProcess p = r.launch(tor, torrc);
        started.add(p.toHandle());
        return p;
    }

    /**
     * The first vote is scheduled optimistically, {@value #FIRST_CONSENSUS_LEAD_SECONDS} s after launch. On a busy
     * CPU relays can take longer to start and upload their descriptors, and the next vote would then come up to
     * a whole voting interval later. So as soon as every authority holds every relay's descriptor, move the
     * schedule (new TestingV3AuthVotingStartOffset in the authorities' torrc, then SIGHUP) so that a vote
     * starts a second later, unless the current schedule is about as quick.
     */
    private void bringFirstVoteForward(long deadline) throws TestNetworkException {
        DirectoryProbe probe = new DirectoryProbe();
        List<ManagedRelay> authorities = relays.values().stream().filter(r -> r.spec().isAuthority()).toList();
        Instant since = startedAt.truncatedTo(ChronoUnit.SECONDS);
        while (true) {
            requireNoneDied();
            Optional<Consensus> c = latestConsensus();
            if (c.isPresent() && !c.get().validAfter().isBefore(since) && incompleteness(c.get()).isEmpty()) {
                return; // the optimistic schedule was early enough
            }
            List<String> missing = new ArrayList<>();
            for (ManagedRelay a : authorities) {
                Set<String> have = probe.descriptors(a.spec());
                relays.values().stream().filter(r -> !have.contains(r.fingerprint()))
                        .forEach(r -> missing.add(r.spec().nickname() + "@" + a.spec().nickname()));
            }
            if (missing.isEmpty()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                return; // awaitConsensus reports the timeout
            }
            sleep(200, "waiting for relay descriptors");
        }
        Instant now = Instant.now();
        options.progress().accept("descriptors of all " + relays.size() + " relays at the authorities "
                + Duration.between(launchedAt, now).toMillis() + " ms after launch");
        long nowSecond = (now.toEpochMilli() + 999) / 1000;
        int lead = RelayTorrcs.voteToConsensusSeconds() + 1;
        long scheduled = RelayTorrcs.nextConsensusAfter(nowSecond + lead - 1, context.votingStartOffset());
        if (scheduled <= nowSecond + lead + 1) {
            return;
        }
        int offset = RelayTorrcs.votingStartOffset(nowSecond, lead);
        context = context.withVotingStartOffset(offset);
        for (ManagedRelay a : authorities) {
            try {
                a.rewriteTorrc(RelayTorrcs.relay(a.spec(), a.dataDir(), layout, context));
                a.process().orElseThrow().reload();
            } catch (IOException e) {
                throw new TestNetworkException("cannot move the voting schedule of " + a + ": " + e.getMessage(), e);
            }
        }
        options.progress().accept("moved the first consensus from " + Instant.ofEpochSecond(scheduled) + " to "
                + Instant.ofEpochSecond(nowSecond + lead));
    }

    private void requireNoneDied() throws TestNetworkException {
        for (ManagedRelay r : relays.values()) {
            if (r.process().isPresent() && !r.isRunning()) {
                throw new TestNetworkException("relay " + r.spec().nickname() + " exited; log " + r.logFile()
                        + " ends with:\n" + r.process().get().tailLog(15));
            }
        }
    }

    private static void sleep(long millis, String what) throws TestNetworkException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TestNetworkException("interrupted while " + what, e);
        }
    }

    /**
     * Waits until the authorities publish a consensus, made after the last relay (re)start, that lists every
     * running relay as Running and Valid at its current address and ORPort, exits with the Exit flag and no
     * other relay with it.
     *
     * @throws TestNetworkException on timeout (saying which relays are missing) or when a relay died
     */
    public void awaitConsensus(Duration timeout) throws TestNetworkException {
        requirePositive(timeout, "timeout");
        Instant since = startedAt.truncatedTo(ChronoUnit.SECONDS);
        long deadline = System.nanoTime() + timeout.toNanos();
        String missing = "no consensus yet";
        while (true) {
            requireNoneDied();
            Optional<Consensus> c = latestConsensus();
            if (c.isPresent() && !c.get().validAfter().isBefore(since)) {
                missing = incompleteness(c.get());
                if (missing.isEmpty()) {
                    long running = relays.values().stream().filter(ManagedRelay::isRunning).count();
                    long exits = relays.values().stream()
                            .filter(r -> r.isRunning() && r.spec().role() == TestRelay.Role.EXIT).count();
                    options.progress().accept("consensus with " + running + " relays (" + exits + " exits), valid after "
                            + c.get().validAfter() + ", " + Duration.between(startedAt, Instant.now()).toMillis()
                            + " ms after launch");
                    return;
                }
            } else if (c.isPresent()) {
                missing = "newest consensus is from " + c.get().validAfter() + ", before " + since;
            }
            if (System.nanoTime() > deadline) {
                throw new TestNetworkException("no complete consensus within " + timeout.toSeconds() + " s: " + missing
                        + " (logs in " + stateDir.resolve("logs") + ")");
            }
            sleep(200, "waiting for a consensus");
        }
    }

    /** What keeps {@code c} from being complete, or "" when nothing does. */
    private String incompleteness(Consensus c) {
        List<String> problems = new ArrayList<>();
        for (ManagedRelay r : relays.values()) {
            if (!r.isRunning()) {
                continue;
            }
            RelaySpec s = r.spec();
            Optional<Consensus.Entry> e = c.entry(s.fingerprint());
            boolean exit = s.role() == TestRelay.Role.EXIT;
            if (e.isEmpty()) {
                problems.add(s.nickname() + " not listed");
            } else if (!e.get().has("Running") || !e.get().has("Valid")) {
                problems.add(s.nickname() + " flags " + e.get().flags());
            } else if (e.get().orPort() != s.orPort() || !e.get().address().equals(s.address())) {
                problems.add(s.nickname() + " listed at " + e.get().address() + ":" + e.get().orPort());
            } else if (e.get().has("Exit") != exit) {
                problems.add(s.nickname() + (exit ? " lacks" : " has") + " the Exit flag");
            }
        }
        return String.join(", ", problems);
    }

    /** The newest consensus any running authority has written (also used for the Onionoo flags). */
    Optional<Consensus> latestConsensus() {
        Consensus best = null;
        for (ManagedRelay r : relays.values()) {
            if (r.spec().isAuthority() && r.isRunning()) {
                Optional<Consensus> c = Consensus.read(r.dataDir());
                if (c.isPresent() && (best == null || c.get().validAfter().isAfter(best.validAfter()))) {
                    best = c.get();
                }
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * The torrc lines a tor client needs to join this network: testing mode, the three {@code DirAuthority}
     * lines and the voting schedule, and {@code EnforceDistinctSubnets 1} (testing mode turns it off; a client
     * here keeps tor's /16 rule). The client adds its own DataDirectory, SocksPort and ControlPort.
     */
    public Torrc clientTorrc() {
        return RelayTorrcs.client(layout);
    }

    /** The tor executable the network runs (for more processes on it, e.g. {@link OnionHost}). */
    TorBinary tor() {
        return tor;
    }

    /** Every relay, authorities first, then middles, then exits. */
    public List<TestRelay> relays() {
        return relays.values().stream().map(ManagedRelay::snapshot).toList();
    }

    /** The exit relays, the only relays that carry exit traffic. */
    public List<TestRelay> exits() {
        return relays().stream().filter(TestRelay::isExit).toList();
    }

    /** One relay by fingerprint (40 hex, any case). */
    public TestRelay relay(String fingerprint) {
        return managed(fingerprint).snapshot();
    }

    /** A middle and an exit in one /16 ({@code 127.X.0.1} and {@code .0.2}); empty below 2 middles and 2 exits. */
    public Optional<RelayPair> sameSubnetPair() {
        return layout.topology().sharedSubnet().map(this::pair);
    }

    /**
     * A middle and an exit that declare each other with {@code MyFamily} (not the {@link #sameSubnetPair()});
     * empty without a middle.
     */
    public Optional<RelayPair> familyPair() {
        return layout.topology().family().map(this::pair);
    }

    /**
     * The exit whose policy rejects {@link #rejectedPort()} (and accepts every other port): the last exit, when
     * there are at least two.
     */
    public Optional<TestRelay> rejectingExit() {
        return layout.topology().rejectingExit().flatMap(layout::find).map(r -> relay(r.fingerprint()));
    }

    /** The whoami server's second port, which {@link #rejectingExit()} rejects and every other exit accepts. */
    public int rejectedPort() {
        return context.rejectedPort();
    }

    /** {@code http://127.0.0.1:REJECTED_PORT/}: the whoami server on {@link #rejectedPort()}, same answers. */
    public URI rejectedPortUrl() {
        return whoami.rejectedPortUrl();
    }

    private RelayPair pair(Topology.Pair p) {
        return new RelayPair(relay(layout.find(p.middle()).orElseThrow().fingerprint()),
                relay(layout.find(p.exit()).orElseThrow().fingerprint()));
    }

    /** A middle and an exit that tor's path rules keep off one circuit. */
    public record RelayPair(TestRelay middle, TestRelay exit) {
    }

    /** {@code http://127.0.0.1:PORT/}: answers JSON naming the exit relay that carried the request. */
    public URI whoamiUrl() {
        return whoami.url();
    }

    /** HTTP requests that reached the whoami server through this relay (an exit), since the network started. */
    public long whoamiRequestsThrough(String fingerprint) {
        return whoami.requestsThrough(fingerprint);
    }

    /** Base URL of the Onionoo stand-in; {@code GET {base}/details} serves the details document. */
    public URI onionooUrl() {
        return onionoo.url();
    }

    /** The Onionoo stand-in itself, to make it fail or be slow in tests. */
    public OnionooServer onionoo() {
        return onionoo;
    }

    /** PIDs of every tor process this network has started, including ones it stopped since. */
    public List<Long> startedPids() {
        return started.stream().map(ProcessHandle::pid).toList();
    }

    public Path stateDir() {
        return stateDir;
    }

    /** When the network was launched (for start-up figures). */
    public Instant launchedAt() {
        return launchedAt;
    }

    /** Stops one relay (SIGTERM, then SIGKILL after 3 s), as a test that wants an exit to disappear needs. */
    public synchronized void stopRelay(String fingerprint) {
        ManagedRelay r = managed(fingerprint);
        r.stop(STOP_GRACE);
        changedAt = Instant.now();
        log.info("stopped relay {}", r);
    }

    /**
     * Starts a stopped relay again with its old identity and returns once its ORPort accepts connections. A
     * non-authority relay gets a new ORPort if its old one was taken meanwhile. Call
     * {@link #awaitConsensus(Duration)} to wait until the authorities list it again.
     */
    public synchronized void startRelay(String fingerprint) throws TestNetworkException {
        start(fingerprint, false);
    }

    /**
     * Like {@link #startRelay}, but on a new ORPort (not for authorities, whose ports every torrc names). Relays
     * that failed to reach the stopped relay refuse to extend to its old address and port for 60 s (tor's
     * OR_CONNECT_FAILURE_LIFETIME, keyed by identity, address and port); on a new port it is usable by every
     * client that has the consensus listing it, so call {@link #awaitConsensus(Duration)} next.
     */
    public synchronized void startRelayOnNewPort(String fingerprint) throws TestNetworkException {
        if (managed(fingerprint).spec().isAuthority()) {
            throw new IllegalArgumentException("authority " + fingerprint + " keeps its ORPort: every relay's torrc names it");
        }
        start(fingerprint, true);
    }

    private void start(String fingerprint, boolean newOrPort) throws TestNetworkException {
        requireOpen();
        ManagedRelay r = managed(fingerprint);
        if (r.isRunning()) {
            return;
        }
        RelaySpec s = r.spec();
        if (newOrPort) {
            r.spec(s.withPorts(FreePorts.pick(s.address()), 0));
        } else if (!FreePorts.isFree(s.address(), s.orPort())) {
            if (s.isAuthority()) {
                throw new TestNetworkException("cannot restart authority " + s.nickname() + ": its ORPort "
                        + s.address() + ":" + s.orPort() + " is taken, and every relay's torrc names it");
            }
            r.spec(s.withPorts(FreePorts.pick(s.address()), 0));
        }
        try {
            launch(r);
        } catch (TorStartException | IOException e) {
            throw new TestNetworkException("cannot restart " + r + ": " + e.getMessage(), e);
        }
        startedAt = Instant.now();
        changedAt = startedAt;
        awaitOrPort(r, Duration.ofSeconds(30));
        log.info("restarted relay {} as pid {}", r, r.snapshot().pid());
    }

    private void awaitOrPort(ManagedRelay r, Duration timeout) throws TestNetworkException {
        long deadline = System.nanoTime() + timeout.toNanos();
        RelaySpec s = r.spec();
        while (true) {
            if (!r.isRunning()) {
                throw new TestNetworkException(r + " exited right after its restart; log ends with:\n"
                        + r.process().map(p -> p.tailLog(15)).orElse(""));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(s.address(), s.orPort()), 500);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new TestNetworkException(r + " did not open its ORPort " + s.address() + ":" + s.orPort()
                            + " within " + timeout.toSeconds() + " s");
                }
            }
            sleep(100, "waiting for " + r + " to open its ORPort");
        }
    }

    private ManagedRelay managed(String fingerprint) {
        Objects.requireNonNull(fingerprint, "fingerprint");
        ManagedRelay r = relays.get(fingerprint.toUpperCase(Locale.ROOT));
        if (r == null) {
            throw new IllegalArgumentException("no relay with fingerprint '" + fingerprint + "' in this test network");
        }
        return r;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("test network is closed");
        }
    }

    /**
     * Stops every tor process the network started (in parallel, by PID) and checks that none survived.
     *
     * @throws IllegalStateException naming the PIDs that are still alive, if any
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (whoami != null) {
            whoami.close();
        }
        if (onionoo != null) {
            onionoo.close();
        }
        List<Thread> stoppers = new ArrayList<>();
        for (ManagedRelay r : relays.values()) {
            Thread t = new Thread(() -> r.stop(STOP_GRACE), "testnet-stop-" + r.spec().nickname());
            t.start();
            stoppers.add(t);
        }
        for (Thread t : stoppers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                killAll();
                break;
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // the JVM is already shutting down (or the hook was never added): nothing to remove
        }
        resolver.close();
        lock.close();
        List<Long> survivors = started.stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList();
        if (!survivors.isEmpty()) {
            log.error("tor processes still alive after closing the test network: {}", survivors);
            throw new IllegalStateException("tor processes survived closing the test network: " + survivors);
        }
        log.info("test network in {} closed; {} tor processes ended", stateDir, started.size());
    }

    private void killAll() {
        relays.values().forEach(ManagedRelay::kill);
    }

    private static long millis(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    static Duration requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
        return d;
    }

    /** Immutable network options; build with {@link #builder()}. */
    public static final class Options {
        private final Path stateDir;
        private final int exits;
        private final List<String> exitCountries;
        private final int middles;
        private final String nonExitCountry;
        private final Consumer<String> progress;
        private final Duration bootstrapTimeout;
        private final Optional<Path> torPath;

        private Options(Builder b) {
            this.stateDir = b.stateDir.toAbsolutePath().normalize();
            this.exits = b.exits;
            this.exitCountries = List.copyOf(b.exitCountries);
            this.middles = b.middles;
            this.nonExitCountry = b.nonExitCountry;
            this.progress = b.progress;
            this.bootstrapTimeout = b.bootstrapTimeout;
            this.torPath = b.torPath;
        }

        public static Builder builder() {
            return new Builder();
        }

        public Path stateDir() {
            return stateDir;
        }

        public int exits() {
            return exits;
        }

        public List<String> exitCountries() {
            return exitCountries;
        }

        public int middles() {
            return middles;
        }

        public String nonExitCountry() {
            return nonExitCountry;
        }

        public Consumer<String> progress() {
            return progress;
        }

        public Duration bootstrapTimeout() {
            return bootstrapTimeout;
        }

        public Optional<Path> torPath() {
            return torPath;
        }

        public static final class Builder {
            /** One /16 per relay, from 127.10.0.0/16 up (see {@link Topology}). */
            static final int MAX_RELAYS = Topology.MAX_RELAYS;
            /**
             * 32 distinct countries, so a network of up to 32 exits has one country per exit by default; the
             * first four are the default network's. Not "se" (the non-exit default), nor "jp"/"kr", which tests
             * use as countries without exits.
             */
            static final List<String> DEFAULT_EXIT_COUNTRIES = List.of("de", "us", "nl", "fr", "gb", "ca", "ch",
                    "at", "it", "es", "pl", "cz", "fi", "no", "dk", "be", "ie", "pt", "ro", "lu", "is", "au", "nz",
                    "br", "ar", "mx", "in", "sg", "za", "gr", "hu", "ee");

            private Path stateDir;
            private int exits = 4;
            private List<String> exitCountries = DEFAULT_EXIT_COUNTRIES;
            private int middles = 3;
            private String nonExitCountry = "se";
            private Consumer<String> progress = line -> log.info("testnet: {}", line);
            private Duration bootstrapTimeout = Duration.ofSeconds(90);
            private Optional<Path> torPath = Optional.empty();

            private Builder() {
            }

            /** Where keys, data directories, torrcs and logs live; reused between runs. Required. */
            public Builder stateDir(Path dir) {
                this.stateDir = Objects.requireNonNull(dir, "stateDir");
                return this;
            }

            public Builder exits(int n) {
                if (n < 1) {
                    throw new IllegalArgumentException("exits must be at least 1, got " + n);
                }
                this.exits = n;
                return this;
            }

            /**
             * Country per exit, in exit order, cycled when there are fewer countries than exits (default: 32
             * distinct ones, "de", "us", "nl", "fr" first).
             */
            public Builder exitCountries(List<String> countries) {
                Objects.requireNonNull(countries, "exitCountries");
                if (countries.isEmpty()) {
                    throw new IllegalArgumentException("exitCountries must name at least one country");
                }
                this.exitCountries = countries.stream().map(Options::country).toList();
                return this;
            }

            public Builder middles(int n) {
                if (n < 0) {
                    throw new IllegalArgumentException("middles must not be negative, got " + n);
                }
                this.middles = n;
                return this;
            }

            /** The country the Onionoo document gives authorities and middles (default "se"). */
            public Builder nonExitCountry(String country) {
                this.nonExitCountry = country(country);
                return this;
            }

            /** Receives one human-readable line per start-up step ("consensus with 10 relays …"). */
            public Builder progress(Consumer<String> progress) {
                this.progress = Objects.requireNonNull(progress, "progress");
                return this;
            }

            /** How long {@link TestNetwork#start} waits for a complete consensus (default 90 s). */
            public Builder bootstrapTimeout(Duration timeout) {
                this.bootstrapTimeout = requirePositive(timeout, "bootstrapTimeout");
                return this;
            }

            /** The tor executable (default: {@code tor} on PATH; tor-gencert is looked up next to it). */
            public Builder torPath(Path tor) {
                this.torPath = Optional.of(Objects.requireNonNull(tor, "torPath"));
                return this;
            }

            public Options build() {
                if (stateDir == null) {
                    throw new IllegalStateException("stateDir is required");
                }
                if (NetworkPlanner.AUTHORITIES + middles + exits > MAX_RELAYS) {
                    throw new IllegalArgumentException("at most " + MAX_RELAYS + " relays fit in 127.10.0.0-127.255.255.255"
                            + " (one /16 each), asked for "
                            + (NetworkPlanner.AUTHORITIES + middles + exits));
                }
                return new Options(this);
            }
        }

        private static String country(String cc) {
            Objects.requireNonNull(cc, "country");
            String c = cc.strip().toLowerCase(Locale.ROOT);
            if (!c.matches("[a-z]{2}")) {
                throw new IllegalArgumentException("country must be a two-letter code such as 'de', got '" + cc + "'");
            }
            return c;
        }
    }
}
