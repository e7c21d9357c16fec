package io.torgate.torpool.instance;

import static io.torgate.torpool.instance.InstanceState.BOOTSTRAPPING;
import static io.torgate.torpool.instance.InstanceState.DEGRADED;
import static io.torgate.torpool.instance.InstanceState.FAILED;
import static io.torgate.torpool.instance.InstanceState.READY;
import static io.torgate.torpool.instance.InstanceState.RESTARTING;
import static io.torgate.torpool.instance.InstanceState.STARTING;
import static io.torgate.torpool.instance.InstanceState.STOPPED;

import io.torgate.torpool.control.BootstrapStatus;
import io.torgate.torpool.control.CircuitEvent;
import io.torgate.torpool.control.CircuitTracker;
import io.torgate.torpool.control.ControlConnectionLostException;
import io.torgate.torpool.control.ControlEventListener;
import io.torgate.torpool.control.StreamExit;
import io.torgate.torpool.control.StreamTracker;
import io.torgate.torpool.control.TorControl;
import io.torgate.torpool.process.TorBinary;
import io.torgate.torpool.process.TorLogScrubber;
import io.torgate.torpool.process.TorNotFoundException;
import io.torgate.torpool.process.TorProcess;
import io.torgate.torpool.process.TorStartException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One supervised tor: launched with a generated torrc, owned through its control port, watched, and
 * restarted when it crashes, loses its control connection, stalls in bootstrap or keeps failing circuits.
 * <p>
 * All decisions are taken on the instance's own supervisor thread, in order, so the state machine needs no
 * locks; each launch is a "generation", and callbacks of an older generation (a late exit notice, a timer)
 * are ignored. Public methods are safe from any thread and never block, except {@link #close()}.
 * <p>
 * Failures: a missing tor or a torrc tor rejects is not worth retrying — the instance goes straight to
 * {@link InstanceState#FAILED} with tor's own words as the reason, and {@link #start()}'s future fails with
 * a {@link TorInstanceException}. Crashes are retried with exponential backoff until the restart budget is
 * spent, then FAILED too.
 */
public final class TorInstance implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TorInstance.class);

    private static final Duration CONTROL_PORT_POLL = Duration.ofMillis(20);
    private static final Duration SHUTDOWN_SIGNAL_WAIT = Duration.ofSeconds(2);
    /** How long a lost control connection waits for tor's exit notice (see {@link #onControlClosed}). */
    private static final Duration EXIT_NOTICE_GRACE = Duration.ofMillis(500);

    private final TorInstanceConfig config;
    private final InstanceFiles files;
    private final ScheduledThreadPoolExecutor supervisor;
    private final InstanceStateMachine states;
    private final RestartBudget restarts;
    private final List<StateListener> listeners = new CopyOnWriteArrayList<>();
    private final CircuitTracker circuits = new CircuitTracker();
    private final StreamTracker streams = new StreamTracker(circuits);
    private final long ownerPid = ProcessHandle.current().pid();
    /** For tor's words in reasons: they reach the log (three times per restart) and the API's state. */
    private final TorLogScrubber scrubber;

    // Supervisor-thread state; volatile where other threads read it.
    private int generation;
    private TorBinary tor;
    private volatile TorProcess process;
    private volatile TorControl control;
    private volatile InetSocketAddress socksAddress;
    private volatile BootstrapStatus bootstrap = BootstrapStatus.UNKNOWN;
    private volatile Duration lastStartup;
    private volatile int restartCount;
    private long launchedAtNanos;
    private ScheduledFuture<?> timer;
    private EventWindow circuitFailures;
    /** Which circuits a controller of torgate's built (see {@link #controllerCircuits}); none by default. */
    private volatile java.util.function.Predicate<String> controllerCircuits = id -> false;
    private String degradedBecause;
    /** Highest circuit id seen this generation (tor numbers circuits upwards). */
    private long highestCircuitId;
    /**
     * While DEGRADED: only failures of circuits above this id count, i.e. circuits launched after our NEWNYM
     * took effect; failures of older circuits, still arriving in a burst, say nothing about recovery.
     */
    private long failuresCountAbove = Long.MAX_VALUE;
    private CompletableFuture<Void> ready = CompletableFuture.failedFuture(
            new TorInstanceException("not started", null));

    private TorInstance(TorInstanceConfig config) {
        this.config = config;
        this.files = new InstanceFiles(config.stateDir(), config.name());
        this.scrubber = TorLogScrubber.forLogDestinations(config.logDestinations());
        this.supervisor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "tor-instance-" + config.name());
            t.setDaemon(true);
            return t;
        });
        supervisor.setRemoveOnCancelPolicy(true);
        this.states = new InstanceStateMachine(this::notifyListeners);
        this.restarts = new RestartBudget(config.restartBackoffBase(), config.restartBackoffCap(),
                config.maxRestarts(), config.restartWindow());
    }

    /** Creates a stopped instance; {@link #start()} launches it. */
    public static TorInstance create(TorInstanceConfig config) {
        return new TorInstance(config);
    }

    // ---- public API ------------------------------------------------------------------------------

    public String name() {
        return config.name();
    }

    public TorInstanceConfig config() {
        return config;
    }

    public InstanceState state() {
        return states.current();
    }

    public void addListener(StateListener listener) {
        listeners.add(listener);
    }

    public void removeListener(StateListener listener) {
        listeners.remove(listener);
    }

    /**
     * Launches tor unless it is already running. The future completes when the instance is first READY,
     * or fails with a {@link TorInstanceException} if it reaches FAILED or is stopped before that.
     */
    public CompletableFuture<Void> start() {
        CompletableFuture<CompletableFuture<Void>> outer = new CompletableFuture<>();
        if (!submit(() -> {
            InstanceState s = states.current();
            if (s == STOPPED || s == FAILED) {
                ready = new CompletableFuture<>();
                restarts.reset();
                launch(generation, "start requested");
            }
            outer.complete(ready);
        })) {
            return CompletableFuture.failedFuture(new TorInstanceException("instance " + name() + " is closed", null));
        }
        return outer.thenCompose(f -> f);
    }

    /**
     * Stops tor (SIGNAL SHUTDOWN, then SIGTERM, then SIGKILL after the grace period, descendants included)
     * and completes when the process is gone. A FAILED instance stays FAILED.
     */
    public CompletableFuture<Void> stop() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!submit(() -> {
            generation++;
            cancelTimer();
            teardown();
            if (states.current() != STOPPED && states.current() != FAILED) {
                states.moveTo(STOPPED, "stop requested");
            }
            ready.completeExceptionally(new TorInstanceException("instance " + name() + " was stopped before it was ready", null));
            done.complete(null);
        })) {
            done.complete(null);
        }
        return done;
    }

    /** Stops tor and ends the supervisor thread. Blocks until tor is gone. */
    @Override
    public void close() {
        try {
            stop().get(config.stopGrace().toMillis() + SHUTDOWN_SIGNAL_WAIT.toMillis() + 10_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("tor instance '{}' did not stop cleanly: {}", name(), e.toString());
            TorProcess p = process;
            if (p != null) {
                p.kill();
            }
        }
        supervisor.shutdown();
    }

    /** The SOCKS port of a READY (or DEGRADED) instance. */
    public Optional<InetSocketAddress> socksAddress() {
        return Optional.ofNullable(socksAddress);
    }

    /** PID of the current tor process, while one is running. */
    public OptionalLong pid() {
        TorProcess p = process;
        return p != null && p.isAlive() ? OptionalLong.of(p.pid()) : OptionalLong.empty();
    }

    /** The current control connection, while one is open. Its listeners are reset on each restart. */
    public Optional<TorControl> control() {
        TorControl c = control;
        return c != null && c.isOpen() ? Optional.of(c) : Optional.empty();
    }

    /** The latest bootstrap status of the current tor. */
    public BootstrapStatus bootstrap() {
        return bootstrap;
    }

    /** Time from the latest launch to READY, once it got there. */
    public Optional<Duration> lastStartupTime() {
        return Optional.ofNullable(lastStartup);
    }

    /** Restarts since this instance was created (not counting explicit starts). */
    public int restartCount() {
        return restartCount;
    }

    /**
     * Tells the supervisor which circuits torgate builds itself (by tor's circuit id): their failures count towards
     * this instance's health only when tor's own end failed, not when a relay further on reported the failure.
     */
    public void controllerCircuits(java.util.function.Predicate<String> builtByTorgate) {
        this.controllerCircuits = java.util.Objects.requireNonNull(builtByTorgate, "builtByTorgate");
    }

    public CircuitTracker circuits() {
        return circuits;
    }

    public StreamTracker streams() {
        return streams;
    }

    /** Which circuit and exit carried the SOCKS connection from this local port; see {@link StreamTracker}. */
    public CompletableFuture<StreamExit> exitFor(int sourcePort, long notBeforeNanos) {
        return streams.exitFor(sourcePort, notBeforeNanos);
    }

    /** What an exit said when it ended an attempt of the stream from this local port; see {@link StreamTracker}. */
    public CompletableFuture<Optional<String>> remoteEndFor(int sourcePort, long notBeforeNanos) {
        return streams.remoteEndFor(sourcePort, notBeforeNanos);
    }

    /** A rate-limited NEWNYM (see {@link TorControl#newnym()}); fails if no control connection is open. */
    public CompletableFuture<Instant> newnym() {
        return control().map(TorControl::newnym).orElseGet(() -> CompletableFuture.failedFuture(
                new ControlConnectionLostException("tor instance '" + name() + "' has no control connection (" + state() + ")")));
    }

    public Path logFile() {
        return files.log();
    }

    public Path dataDirectory() {
        return files.dataDir();
    }

    @Override
    public String toString() {
        return "TorInstance[" + name() + ", " + state() + pid().stream().mapToObj(p -> ", pid " + p).findFirst().orElse("") + "]";
    }

    // ---- supervisor (all on the supervisor thread) --------------------------------------------------

    private boolean submit(Runnable task) {
        try {
            supervisor.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("tor instance '{}': supervisor task failed", name(), e);
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    private void schedule(int g, Duration delay, Runnable task) {
        cancelTimer();
        timer = supervisor.schedule(() -> {
            if (g == generation) {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("tor instance '{}': supervisor timer failed", name(), e);
                }
            }
        }, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** Starts generation {@code expected + 1}, unless something (stop, another restart) came in between. */
    private void launch(int expected, String reason) {
        if (expected != generation) {
            return;
        }
        int g = ++generation;
        cancelTimer();
        states.moveTo(STARTING, reason);
        bootstrap = BootstrapStatus.UNKNOWN;
        socksAddress = null;
        degradedBecause = null;
        highestCircuitId = 0;
        failuresCountAbove = Long.MAX_VALUE;
        circuits.clear();
        streams.reset("tor instance '" + name() + "' restarted");
        try {
            if (tor == null) {
                tor = TorBinary.locate(config.torPath());
            }
        } catch (TorNotFoundException e) {
            fail(e.getMessage(), e);
            return;
        }
        Path torrc;
        try {
            files.prepare();
            torrc = InstanceTorrc.build(config, files, ownerPid).write(files.torrc());
        } catch (IOException e) {
            fail("cannot prepare " + files.dir() + ": " + e.getMessage(), e);
            return;
        }
        TorProcess p;
        try {
            launchedAtNanos = System.nanoTime();
            p = TorProcess.start(tor, name(), torrc, files.log());
        } catch (TorStartException e) {
            fail(e.getMessage(), e);
            return;
        }
        process = p;
        log.info("tor instance '{}' launched: pid {}", name(), p.pid());
        p.onExit().thenAccept(code -> submit(() -> onProcessExit(g, p, code)));
        awaitControlPort(g, p, System.nanoTime() + config.startTimeout().toNanos());
    }

    private void awaitControlPort(int g, TorProcess p, long deadlineNanos) {
        if (g != generation || !p.isAlive()) {
            return; // an exit notice is on its way
        }
        Optional<InetSocketAddress> address = TorControl.readControlPortFile(files.controlPortFile());
        if (address.isPresent() && cookieWritten()) {
            connect(g, address.get());
        } else if (System.nanoTime() - deadlineNanos > 0) {
            restart(g, "tor wrote no control port within " + config.startTimeout().toMillis() + " ms");
        } else {
            schedule(g, CONTROL_PORT_POLL, () -> awaitControlPort(g, p, deadlineNanos));
        }
    }

    private boolean cookieWritten() {
        try {
            return Files.size(files.cookieFile()) == 32;
        } catch (IOException e) {
            return false;
        }
    }

    private void connect(int g, InetSocketAddress address) {
        TorControl c;
        try {
            c = TorControl.connect(name(), address, files.cookieFile(), config.controlTimeout(), scrubber);
        } catch (IOException e) {
            restart(g, e.getMessage());
            return;
        }
        control = c;
        c.closed().thenAccept(why -> submit(() -> onControlClosed(g, c, why)));
        c.addListener(circuits);
        c.addListener(streams);
        c.addListener(new ControlEventListener() {
            @Override
            public void onBootstrap(BootstrapStatus status) {
                submit(() -> TorInstance.this.onBootstrap(g, status));
            }

            @Override
            public void onCircuit(CircuitEvent event) {
                submit(() -> noteCircuitId(g, event));
                // A circuit torgate built through the exit a user named fails at that exit when the exit is down
                // (REMOTE_REASON): that says nothing about this tor. tor's own circuits count as they always did.
                boolean counts = event.blamesThisTor()
                        || event.isHealthFailure() && !controllerCircuits.test(event.id());
                if (counts) {
                    submit(() -> onCircuitFailed(g, event));
                } else if (event.status() == CircuitEvent.Status.BUILT && event.isGeneralExitCircuit()) {
                    // Only a full exit circuit shows recovery; one-hop directory circuits build regardless.
                    submit(() -> onCircuitBuilt(g));
                }
            }
        });
        BootstrapStatus initial;
        try {
            c.takeOwnership().get();
            c.subscribe(TorControl.EVENTS).get();
            // After SETEVENTS, so no circuit falls between the snapshot and the events.
            circuits.seed(c.circuitStatus().get());
            initial = c.bootstrapStatus().get();
        } catch (ExecutionException e) {
            restart(g, "setting up the control connection failed: " + e.getCause().getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        bootstrap = initial;
        states.moveTo(BOOTSTRAPPING, "control connected (pid " + process.pid() + "); bootstrap " + initial);
        if (initial.isDone()) {
            becomeReady(g);
        } else {
            schedule(g, config.bootstrapDeadline(), () -> onBootstrapStalled(g));
        }
    }

    private void onBootstrap(int g, BootstrapStatus s) {
        if (g != generation) {
            return;
        }
        InstanceState st = states.current();
        boolean bootstrapping = st == BOOTSTRAPPING || (st == DEGRADED && socksAddress == null);
        if (!bootstrapping || s.progress() < bootstrap.progress()) {
            return; // late or repeated report
        }
        boolean progressed = s.progress() > bootstrap.progress();
        bootstrap = s;
        if (s.isDone()) {
            becomeReady(g);
        } else if (progressed) {
            if (st == DEGRADED) {
                states.moveTo(BOOTSTRAPPING, "bootstrap progressing again: " + s);
            }
            schedule(g, config.bootstrapDeadline(), () -> onBootstrapStalled(g));
        }
    }

    private void onBootstrapStalled(int g) {
        if (states.current() != BOOTSTRAPPING) {
            return;
        }
        degrade(g, "bootstrap stalled at " + bootstrap + " for " + config.bootstrapDeadline().toMillis() + " ms");
    }

    private void becomeReady(int g) {
        cancelTimer();
        List<InetSocketAddress> socks;
        try {
            socks = control.socksListeners().get();
        } catch (ExecutionException e) {
            restart(g, "cannot read tor's SOCKS port: " + e.getCause().getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (socks.isEmpty()) {
            restart(g, "tor bootstrapped but reports no SOCKS listener");
            return;
        }
        socksAddress = socks.get(0);
        circuitFailures = new EventWindow(config.circuitFailureThreshold(), config.circuitFailureWindow());
        degradedBecause = null;
        lastStartup = Duration.ofNanos(System.nanoTime() - launchedAtNanos);
        states.moveTo(READY, "bootstrapped in " + lastStartup.toMillis() + " ms; SOCKS on "
                + socksAddress.getAddress().getHostAddress() + ":" + socksAddress.getPort());
        ready.complete(null);
    }

    private void noteCircuitId(int g, CircuitEvent event) {
        if (g == generation) {
            highestCircuitId = Math.max(highestCircuitId, circuitNumber(event));
        }
    }

    private static long circuitNumber(CircuitEvent event) {
        try {
            return Long.parseLong(event.id());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void onCircuitFailed(int g, CircuitEvent event) {
        if (g != generation || circuitFailures == null) {
            return;
        }
        InstanceState st = states.current();
        if (st != READY && st != DEGRADED) {
            return;
        }
        if (st == DEGRADED && circuitNumber(event) <= failuresCountAbove) {
            return; // launched before our NEWNYM took effect
        }
        if (!circuitFailures.record(System.nanoTime())) {
            return;
        }
        String what = config.circuitFailureThreshold() + " circuits failed within "
                + config.circuitFailureWindow().toMillis() + " ms (last: " + event.reason().orElse("no reason") + ")";
        if (st == READY) {
            circuitFailures.clear();
            degrade(g, what);
        } else {
            restart(g, what + " even after NEWNYM");
        }
    }

    private void onCircuitBuilt(int g) {
        if (g == generation && states.current() == DEGRADED && socksAddress != null) {
            cancelTimer();
            circuitFailures.clear();
            states.moveTo(READY, "circuits build again after NEWNYM (" + degradedBecause + ")");
            degradedBecause = null;
        }
    }

    /** DEGRADED: try a NEWNYM first; if the instance has not recovered after the grace period, restart it. */
    private void degrade(int g, String why) {
        degradedBecause = why;
        failuresCountAbove = Long.MAX_VALUE;
        states.moveTo(DEGRADED, why + "; sent NEWNYM");
        control.newnym().whenComplete((t, e) -> {
            if (e != null) {
                log.debug("tor instance '{}': NEWNYM failed: {}", name(), e.toString());
            } else {
                submit(() -> {
                    if (g == generation) {
                        failuresCountAbove = highestCircuitId;
                    }
                });
            }
        });
        schedule(g, config.degradedGrace(), () -> {
            if (states.current() == DEGRADED) {
                restart(g, why + "; no recovery within " + config.degradedGrace().toMillis() + " ms of NEWNYM");
            }
        });
    }

    private void onProcessExit(int g, TorProcess p, int code) {
        if (g != generation || p != process) {
            return;
        }
        // A tor that carried traffic may have logged a destination in its last lines. (tor --verify-config's
        // complaints in a start failure are not scrubbed: that tor carried nothing, and the operator needs the
        // torrc values it names.)
        String tail = scrubber.scrub(p.tailLog(3).replace('\n', ' ').strip());
        restart(g, "tor exited with code " + code + (tail.isEmpty() ? "" : "; log: " + tail));
    }

    private void onControlClosed(int g, TorControl c, String why) {
        if (g != generation || c.isClosedByUs()) {
            return;
        }
        // A dying tor drops its control connection at the moment it exits, and the two notices arrive in either
        // order. Give the exit a moment to come first, so the reason says how tor ended (exit code, last log
        // lines) rather than a race deciding; a tor that is still running is restarted all the same.
        schedule(g, EXIT_NOTICE_GRACE, () -> restart(g, "control connection lost: " + why));
    }

    /** RESTARTING with backoff, or FAILED once the restart budget is spent. */
    private void restart(int g, String reason) {
        if (g != generation) {
            return;
        }
        int next = ++generation;
        cancelTimer();
        Optional<Duration> delay = restarts.next(System.nanoTime());
        if (delay.isEmpty()) {
            fail("gave up after " + config.maxRestarts() + " restarts within " + config.restartWindow().toMillis()
                    + " ms; last problem: " + reason, null);
            return;
        }
        restartCount++;
        log.warn("tor instance '{}' restarting in {} ms: {}", name(), delay.get().toMillis(), reason);
        states.moveTo(RESTARTING, reason + "; restarting in " + delay.get().toMillis() + " ms");
        teardown();
        schedule(next, delay.get(), () -> launch(next, "restart after: " + reason));
    }

    private void fail(String reason, Throwable cause) {
        generation++;
        cancelTimer();
        teardown();
        log.error("tor instance '{}' FAILED: {}", name(), reason);
        states.moveTo(FAILED, reason);
        ready.completeExceptionally(new TorInstanceException("tor instance '" + name() + "' failed: " + reason, cause));
    }

    /** Ends the current tor, politely then firmly, and forgets it. */
    private void teardown() {
        TorControl c = control;
        TorProcess p = process;
        control = null;
        socksAddress = null;
        if (c != null && c.isOpen() && p != null && p.isAlive()) {
            try {
                c.shutdown().get(SHUTDOWN_SIGNAL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                log.debug("tor instance '{}': SIGNAL SHUTDOWN not acknowledged: {}", name(), e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (p != null) {
            p.stop(config.stopGrace());
        }
        if (c != null) {
            c.close();
        }
        process = null;
    }

    private void notifyListeners(InstanceState from, InstanceState to, String reason) {
        if (to == FAILED || to == RESTARTING || to == DEGRADED) {
            log.info("tor instance '{}': {} -> {} ({})", name(), from, to, reason);
        } else {
            log.debug("tor instance '{}': {} -> {} ({})", name(), from, to, reason);
        }
        for (StateListener l : listeners) {
            try {
                l.onStateChange(this, from, to, reason);
            } catch (RuntimeException e) {
                log.warn("tor instance '{}': state listener failed", name(), e);
            }
        }
    }
}
