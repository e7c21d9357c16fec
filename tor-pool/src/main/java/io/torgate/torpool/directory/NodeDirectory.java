package io.torgate.torpool.directory;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exit relays of the Tor network as Onionoo describes them, kept in SQLite under the state directory and
 * served from memory.
 *
 * <p>A refresh fetches Onionoo's details for running exits (conditional on the last document's Last-Modified),
 * checks it, writes it to the store in one transaction and then swaps the in-memory directory in one step.
 * Whatever goes wrong (Onionoo down, slow, answering 5xx or garbage, the disk failing) the last good directory
 * stays in use; {@link #age()} says how old it is, {@link #counters()} how often and why refreshes failed.
 * After a failed automatic refresh the next try comes after {@link NodeDirectoryConfig#retryInterval()},
 * doubling per failure up to the refresh interval; a manual {@link #refreshNow()} never puts the next automatic
 * refresh further off than that (see {@link RefreshSchedule}).
 *
 * <p>Open with {@link #open(NodeDirectoryConfig)}, which loads what the last run stored; {@link #start()}
 * begins the scheduled refreshes. Thread-safe; refreshes run one at a time on the directory's own thread.
 */
public final class NodeDirectory implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeDirectory.class);
    private static final String UNKNOWN_COUNTRY = "??";

    private final NodeDirectoryConfig config;
    private final Clock clock;
    private final NodeStore store;
    private final OnionooFetcher fetcher;
    private final ScheduledExecutorService refresher;
    private final ExecutorService httpExecutor;
    private final FailureLog failureLog = new FailureLog();

    private volatile DirectorySnapshot snapshot;
    private volatile Optional<Instant> lastGoodAt;
    private volatile Optional<RefreshOutcome> lastOutcome = Optional.empty();
    private volatile ConsensusView consensus;
    private volatile boolean consensusFailureLogged;
    /** Only touched on the refresher thread. */
    private Optional<String> lastModified;

    private final Object lock = new Object();
    private CompletableFuture<RefreshOutcome> inFlight;
    /** Whether the timer started or joined the attempt in flight (it then counts as automatic). */
    private boolean inFlightAutomatic;
    private ScheduledFuture<?> next;
    private final RefreshSchedule schedule;
    private boolean started;
    private boolean closed;

    private long refreshed;
    private long unchanged;
    private long skippedRecords;
    private long consecutiveFailures;
    private final EnumMap<FailureReason, Long> failures = new EnumMap<>(FailureReason.class);

    private NodeDirectory(NodeDirectoryConfig config, NodeStore store, StoredDirectory stored) {
        this.config = config;
        this.clock = config.clock();
        this.schedule = new RefreshSchedule(config.refreshInterval(), config.retryInterval());
        this.store = store;
        this.snapshot = new DirectorySnapshot(stored.relays());
        this.lastGoodAt = stored.lastGoodAt();
        this.lastModified = stored.lastModified();
        this.refresher = Executors.newSingleThreadScheduledExecutor(daemon("torgate-node-directory"));
        this.httpExecutor = Executors.newCachedThreadPool(daemon("torgate-onionoo-http"));
        this.fetcher = new OnionooFetcher(config.baseUrl(), config.httpTimeout(), config.maxBodyBytes(), httpExecutor);
    }

    /**
     * Opens the store under the configured state directory (creating, migrating or, when unreadable, moving it
     * aside and starting afresh) and loads what it holds. Does not fetch anything: call {@link #start()} or
     * {@link #refreshNow()}.
     *
     * @throws NodeDirectoryException when no usable database can be made in the state directory
     */
    public static NodeDirectory open(NodeDirectoryConfig config) throws NodeDirectoryException {
        Objects.requireNonNull(config, "config");
        NodeStore store;
        StoredDirectory stored;
        try {
            store = NodeStore.open(config.dbFile(), config.clock());
        } catch (SQLException e) {
            throw new NodeDirectoryException("cannot open the node database " + config.dbFile() + ": " + e.getMessage(), e);
        }
        try {
            stored = store.load();
        } catch (SQLException e) {
            store.close();
            throw new NodeDirectoryException("cannot read the node database " + config.dbFile() + ": " + e.getMessage(), e);
        }
        NodeDirectory d = new NodeDirectory(config, store, stored);
        log.info("node directory {} opened with {} relays{}", config.dbFile(), stored.relays().size(),
                stored.lastGoodAt().map(t -> " from " + t).orElse(""));
        return d;
    }

    public NodeDirectoryConfig config() {
        return config;
    }

    /**
     * Starts scheduled refreshes: the first one at once when the stored directory is empty or older than the
     * refresh interval, else when it reaches that age. Calling it again does nothing.
     */
    public void start() {
        synchronized (lock) {
            ensureOpen();
            if (started) {
                return;
            }
            started = true;
            Duration delay = Duration.ZERO;
            Optional<Duration> age = age();
            if (!snapshot.isEmpty() && age.isPresent() && age.get().compareTo(config.refreshInterval()) < 0) {
                delay = config.refreshInterval().minus(age.get());
            }
            scheduleNext(delay);
            log.info("node directory refreshes from {} every {}, first in {}", config.baseUrl(),
                    human(config.refreshInterval()), human(delay));
        }
    }

    /**
     * Refreshes now, or joins the refresh already running. The future completes with the outcome (a failure is
     * an outcome, not an exception); it completes exceptionally only when the directory is closed first.
     */
    public CompletableFuture<RefreshOutcome> refreshNow() {
        return refresh(false);
    }

    /** The timer's refresh. */
    private void refreshAutomatically() {
        refresh(true);
    }

    private CompletableFuture<RefreshOutcome> refresh(boolean automatic) {
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("the node directory is closed"));
            }
            if (inFlight != null && !inFlight.isDone()) {
                inFlightAutomatic |= automatic;
                return inFlight.copy(); // a copy, so a caller cancelling its future cannot affect the others
            }
            CompletableFuture<RefreshOutcome> f = new CompletableFuture<>();
            inFlight = f;
            inFlightAutomatic = automatic;
            refresher.execute(() -> f.complete(refreshOnThisThread()));
            return f.copy();
        }
    }

    /** Time until the next automatic refresh, while one is scheduled (not before {@link #start()}). */
    Optional<Duration> nextRefreshIn() {
        synchronized (lock) {
            if (next == null || next.isDone()) {
                return Optional.empty();
            }
            return Optional.of(remaining(next));
        }
    }

    /** Usable exits (running, Exit, not BadExit; in the consensus when one is attached) matching the filter, by fingerprint. */
    public List<Relay> exits(ExitFilter filter) {
        Objects.requireNonNull(filter, "filter");
        Set<String> inConsensus = consensusFingerprints();
        List<Relay> out = new ArrayList<>();
        for (Relay r : snapshot.relays()) {
            if (r.isUsableExit() && filter.matches(r) && (inConsensus == null || inConsensus.contains(r.fingerprint()))) {
                out.add(r);
            }
        }
        return Collections.unmodifiableList(out);
    }

    public List<Relay> exits() {
        return exits(ExitFilter.ALL);
    }

    /** Any stored relay, usable or not, in the consensus or not; the fingerprint in either case. */
    public Optional<Relay> relay(String fingerprint) {
        Objects.requireNonNull(fingerprint, "fingerprint");
        if (!Fingerprints.isValid(fingerprint)) {
            return Optional.empty();
        }
        return snapshot.relay(Fingerprints.canonical(fingerprint));
    }

    /** Relays stored, usable or not. */
    public int size() {
        return snapshot.size();
    }

    /** Usable exits per lower-case country code ({@code "??"} when Onionoo does not know it), sorted by code. */
    public Map<String, Integer> countByCountry() {
        Map<String, Integer> counts = new TreeMap<>();
        for (Relay r : exits()) {
            counts.merge(r.country().orElse(UNKNOWN_COUNTRY), 1, Integer::sum);
        }
        return Collections.unmodifiableMap(counts);
    }

    /**
     * Time since the last good refresh (a stored document or a 304 confirming it), also across restarts;
     * empty when there never was one.
     */
    public Optional<Duration> age() {
        Instant now = clock.instant();
        return lastGoodAt.map(t -> now.isBefore(t) ? Duration.ZERO : Duration.between(t, now));
    }

    /** The outcome of the newest finished refresh attempt of this run. */
    public Optional<RefreshOutcome> lastOutcome() {
        return lastOutcome;
    }

    public RefreshCounters counters() {
        synchronized (lock) {
            return new RefreshCounters(refreshed, unchanged, failures, consecutiveFailures, skippedRecords);
        }
    }

    /** The newest entries of the persisted refresh log (this run and earlier ones), newest first. */
    public List<RefreshOutcome> refreshLog(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive, got " + limit);
        }
        try {
            return store.recentLog(limit);
        } catch (SQLException e) {
            log.warn("cannot read the node directory's refresh log: {}", e.getMessage());
            return List.of();
        }
    }

    /**
     * From now on, {@link #exits(ExitFilter)} only returns relays this view lists. Replaces any view attached
     * before.
     */
    public void attachConsensus(ConsensusView view) {
        this.consensus = Objects.requireNonNull(view, "view");
        this.consensusFailureLogged = false;
    }

    public void detachConsensus() {
        this.consensus = null;
    }

    /** The attached view's set, or null for "do not filter" (none attached, empty, or it failed). */
    private Set<String> consensusFingerprints() {
        ConsensusView view = consensus;
        if (view == null) {
            return null;
        }
        try {
            Set<String> fps = view.fingerprints();
            return fps == null || fps.isEmpty() ? null : fps;
        } catch (RuntimeException e) {
            if (!consensusFailureLogged) {
                consensusFailureLogged = true;
                log.warn("the consensus view failed ({}); exits are not cross-checked until it works", e.toString());
            }
            return null;
        }
    }

    // ---- refreshing (runs on the refresher thread only) ----

    private RefreshOutcome refreshOnThisThread() {
        RefreshOutcome outcome;
        try {
            outcome = attempt();
        } catch (RuntimeException | Error e) {
            Instant now = clock.instant();
            outcome = RefreshOutcome.failed(now, Duration.ZERO, 0, snapshot.size(), FailureReason.INTERNAL, e.toString());
            record(outcome, e);
        }
        return outcome;
    }

    private RefreshOutcome attempt() {
        Instant startedAt = clock.instant();
        long t0 = System.nanoTime();
        DirectorySnapshot current = snapshot;
        // Asking "only if modified" makes sense only when we hold the document that date belongs to.
        Optional<String> ims = current.isEmpty() ? Optional.empty() : lastModified;
        int status = 0;
        try {
            OnionooFetcher.Result result = fetcher.fetch(ims);
            if (result instanceof OnionooFetcher.NotModified) {
                status = 304;
                if (ims.isEmpty()) {
                    throw new FetchException(FailureReason.HTTP_UNEXPECTED_STATUS, 304,
                            "Onionoo answered 304 Not Modified to an unconditional request");
                }
                RefreshOutcome o = RefreshOutcome.unchanged(startedAt, since(t0), current.size());
                if (store.confirmUnchanged(o)) {
                    lastModified = Optional.empty(); // the store was rebuilt empty: fetch everything next time
                }
                lastGoodAt = Optional.of(startedAt.plus(o.duration()));
                record(o, null);
                return o;
            }
            OnionooFetcher.Document doc = (OnionooFetcher.Document) result;
            status = 200;
            ParsedDocument parsed = OnionooParser.parse(doc.json());
            RefreshOutcome o = RefreshOutcome.refreshed(startedAt, since(t0), parsed.relays().size(), parsed.skipped());
            store.replace(parsed, doc.lastModified(), o);
            snapshot = new DirectorySnapshot(parsed.relays());
            lastModified = doc.lastModified();
            lastGoodAt = Optional.of(startedAt.plus(o.duration()));
            log.info("node directory refreshed: {} exit relays in {} ms ({} bytes on the wire, {} as JSON){}",
                    parsed.relays().size(), o.duration().toMillis(), doc.wireBytes(), doc.json().length,
                    parsed.skipped() == 0 ? "" : "; skipped " + parsed.skipped() + " invalid records " + parsed.skippedByCause());
            record(o, null);
            return o;
        } catch (FetchException e) {
            RefreshOutcome o = RefreshOutcome.failed(startedAt, since(t0), e.httpStatus(), current.size(), e.reason(),
                    e.getMessage());
            record(o, e.reason() == FailureReason.INTERNAL ? e : null);
            return o;
        } catch (SQLException e) {
            RefreshOutcome o = RefreshOutcome.failed(startedAt, since(t0), status, current.size(),
                    FailureReason.STORE_FAILED, "cannot store the directory: " + e.getMessage());
            record(o, null);
            return o;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            RefreshOutcome o = RefreshOutcome.failed(startedAt, since(t0), 0, current.size(), FailureReason.INTERNAL,
                    "interrupted (the directory is closing)");
            synchronized (lock) {
                lastOutcome = Optional.of(o);
            }
            return o;
        }
    }

    /** Counts, logs, persists a failure, notifies the listener and schedules the next attempt. */
    private void record(RefreshOutcome o, Throwable bug) {
        Duration nextIn;
        synchronized (lock) {
            lastOutcome = Optional.of(o);
            switch (o.kind()) {
                case REFRESHED -> {
                    refreshed++;
                    skippedRecords += o.skipped();
                    consecutiveFailures = 0;
                }
                case UNCHANGED -> {
                    unchanged++;
                    consecutiveFailures = 0;
                }
                case FAILED -> {
                    failures.merge(o.reason().orElseThrow(), 1L, Long::sum);
                    consecutiveFailures++;
                }
            }
            boolean automaticPending = started && next != null && !next.isDone();
            Optional<Duration> reschedule = schedule.after(o.isFailure(), inFlightAutomatic, automaticPending);
            if (reschedule.isPresent() && started && !closed) {
                scheduleNext(reschedule.get());
            }
            nextIn = reschedule.orElseGet(() -> remaining(next));
        }
        if (o.isFailure()) {
            failureLog.failed(o, snapshot.size(), age().map(NodeDirectory::human).orElse("never refreshed"),
                    nextIn, bug);
            try {
                store.logFailure(o);
            } catch (SQLException e) {
                log.debug("cannot write the failure to the refresh log: {}", e.getMessage());
            }
        } else {
            failureLog.succeeded(o);
        }
        notifyListener(o);
    }

    private void notifyListener(RefreshOutcome o) {
        DirectoryListener l = config.listener();
        try {
            switch (o.kind()) {
                case REFRESHED -> l.refreshed(o);
                case UNCHANGED -> l.unchanged(o);
                case FAILED -> l.failed(o.reason().orElseThrow(), o);
            }
        } catch (RuntimeException e) {
            log.warn("node directory listener {} threw on {}: {}", l.getClass().getName(), o.kind(), e.toString());
        }
    }

    /** Caller holds {@link #lock}. */
    private void scheduleNext(Duration delay) {
        if (next != null) {
            next.cancel(false);
        }
        next = refresher.schedule(this::refreshAutomatically, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static Duration remaining(ScheduledFuture<?> f) {
        return Duration.ofMillis(Math.max(0, f.getDelay(TimeUnit.MILLISECONDS)));
    }

    private static Duration since(long t0) {
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 1) {
            return d.toMillis() + " ms";
        }
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return (s / 60) + " min";
        }
        return (s / 3600) + " h " + (s % 3600 / 60) + " min";
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the node directory is closed");
        }
    }

    /** Stops refreshing (an attempt in progress is abandoned) and closes the store. Idempotent. */
    @Override
    public void close() {
        CompletableFuture<RefreshOutcome> pending;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (next != null) {
                next.cancel(false);
            }
            pending = inFlight;
        }
        refresher.shutdownNow();
        try {
            if (!refresher.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("the node directory's refresh thread did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (pending != null) {
            pending.completeExceptionally(new IllegalStateException("the node directory was closed"));
        }
        httpExecutor.shutdownNow();
        store.close();
        log.debug("node directory {} closed", config.dbFile());
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
