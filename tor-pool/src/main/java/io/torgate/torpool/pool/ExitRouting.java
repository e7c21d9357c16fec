package io.torgate.torpool.pool;

import io.torgate.gateway.ConnectRequest;
import io.torgate.gateway.IsolationCredentials;
import io.torgate.gateway.RouteRequest;
import io.torgate.gateway.RoutingException;
import io.torgate.gateway.SocksReply;
import io.torgate.gateway.Tunnel;
import io.torgate.torpool.control.CircuitEvent;
import io.torgate.torpool.control.Hop;
import io.torgate.torpool.control.StreamExit;
import io.torgate.torpool.control.TorControl;
import io.torgate.torpool.instance.InstanceState;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.session.ExitInfo;
import io.torgate.torpool.session.Rotation;
import io.torgate.torpool.session.SessionInfo;
import io.torgate.torpool.session.SessionNotFoundException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routing state of a tor pool: each instance's exit profile, the sticky sessions, and the decisions that
 * tie them together. Every decision is taken under one lock and is quick (no I/O); control-port work
 * (re-profiling, starting an instance) is started under it and completes later, after which the waiting
 * request plans again from scratch — the world may have changed meanwhile, and a plan made on fresh state is
 * the only one worth trusting.
 * <p>
 * Where a request goes, in order of preference: an instance whose profile is exactly what it needs; one being
 * set up for that; an idle instance (no live tunnels, routes or sessions), least recently used first,
 * re-profiled; an instance whose profile is narrower but inside what it needs; a new instance while the pool
 * may grow; for requests without exit options, any READY instance. Otherwise the request is refused.
 * <p>
 * Re-profiling relies on tor's own behaviour, measured on the testnet: changing {@code ExitNodes} makes tor
 * abandon every existing circuit for new streams (0 of 84 streams used an old circuit across 12 switches, for
 * old and new credentials alike), while setting the same value again keeps them. The slot's generation in
 * every isolation username is a second guard that costs nothing. No NEWNYM is needed, so no session on other
 * instances is disturbed and tor's 10 s NEWNYM limit never delays a switch.
 */
final class ExitRouting {

    private static final Logger log = LoggerFactory.getLogger(ExitRouting.class);

    /**
     * Tor stops putting new streams on a circuit 10 minutes after its first stream (MaxCircuitDirtiness). An
     * unpinned session whose circuit is older than this margin gets pinned to its exit before tor would build
     * a new circuit through some other exit of the group.
     */
    static final Duration CIRCUIT_REUSE_LIMIT = Duration.ofMinutes(9);
    static final int MAX_ATTEMPTS = 4;
    private static final int SWEEP_EVERY = 256;

    /** What a successful plan hands to the router: where to send one connection, and how to track it. */
    record Routed(Slot slot, Session session, ExitProfile profile, int epoch, InetSocketAddress socks,
                  String username, String password) { }

    private sealed interface Plan permits Go, Wait { }

    private record Go(Slot slot) implements Plan { }

    /** Come back when {@code until} completes; {@code slot} (if any) is held for us meanwhile. */
    private record Wait(Slot slot, CompletableFuture<Void> until) implements Plan { }

    private record Growth(ExitProfile target, CompletableFuture<Void> ready) { }

    private final TorPool pool;
    private final ExitCatalog catalog;
    private final InstanceSelector selector;
    private final LongSupplier nanoClock;
    private final RandomGenerator random;

    private final Object lock = new Object();
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private final Map<String, Session> sessions = new HashMap<>();
    private final List<Growth> growths = new ArrayList<>();
    private final ExitHealth health = new ExitHealth();
    private long operations;

    ExitRouting(TorPool pool, ExitCatalog catalog, InstanceSelector selector, LongSupplier nanoClock,
                RandomGenerator random) {
        this.pool = pool;
        this.catalog = catalog;
        this.selector = selector;
        this.nanoClock = nanoClock;
        this.random = random;
        synchronized (lock) {
            refreshSlots();
        }
    }

    // ---- routing ---------------------------------------------------------------------------------------

    /** Plans one connection; completes when an instance is ready for it, or fails with a RoutingException. */
    CompletableFuture<Routed> route(ConnectRequest request, IsolationCredentials.Credential credential) {
        CompletableFuture<Routed> result = new CompletableFuture<>();
        attempt(request, credential, result, MAX_ATTEMPTS, null, null);
        return result;
    }

    private void attempt(ConnectRequest request, IsolationCredentials.Credential credential,
                         CompletableFuture<Routed> result, int attemptsLeft, Slot held, Throwable lastWaitFailure) {
        Object outcome;
        synchronized (lock) {
            if (held != null) {
                held.pending--;
            }
            try {
                Plan plan = plan(request, credential);
                if (plan instanceof Go go) {
                    outcome = admit(go.slot(), request, credential);
                } else {
                    Wait wait = (Wait) plan;
                    if (attemptsLeft <= 1) {
                        outcome = notPrepared(wait.slot(), lastWaitFailure);
                    } else {
                        if (wait.slot() != null) {
                            wait.slot().pending++;
                        }
                        outcome = wait;
                    }
                }
            } catch (RoutingException e) {
                outcome = e;
            } catch (RuntimeException e) {
                log.error("routing failed", e);
                outcome = e;
            }
        }
        if (outcome instanceof Routed routed) {
            result.complete(routed);
        } else if (outcome instanceof Wait wait) {
            wait.until().whenCompleteAsync((v, e) -> attempt(request, credential, result, attemptsLeft - 1,
                    wait.slot(), e == null ? lastWaitFailure : unwrap(e)));
        } else {
            result.completeExceptionally((Throwable) outcome);
        }
    }

    private RoutingException notPrepared(Slot slot, Throwable cause) {
        return new RoutingException(SocksReply.GENERAL_FAILURE, "instance_not_prepared",
                "no tor instance could be prepared for this request" + (slot == null ? "" : " (last tried " + slot.name() + ")")
                        + (cause == null ? "" : ": " + cause.getMessage()));
    }

    private Plan plan(ConnectRequest request, IsolationCredentials.Credential credential) throws RoutingException {
        refreshSlots();
        RouteRequest r = request.route();
        ExitDemand demand = ExitDemand.of(r);
        if (!demand.isAny() && catalog == null) {
            throw new RoutingException(SocksReply.NOT_ALLOWED_BY_RULESET, "exit_selection_unsupported",
                    "exit selection (country, exclude, exit) needs the node directory, which this tor pool runs without");
        }
        if (++operations % SWEEP_EVERY == 0) {
            sweep();
        }
        if (growths.isEmpty() && !pool.canGrow() && slots.values().stream()
                .noneMatch(s -> s.instance.state() == InstanceState.READY)) {
            throw noneReady();
        }
        if (r.session().isPresent() && !r.rotateEach()) {
            return planSession(sessionFor(r, credential), demand, request);
        }
        if (demand.isAny()) {
            return planProfile(ExitProfile.ANY, null, null, true, request)
                    .orElseThrow(() -> noInstanceFree(ExitProfile.ANY));
        }
        Set<String> want = usableExits(demand, catalog);
        if (want.isEmpty()) {
            throw noUsableExit(demand, catalog);
        }
        ExitProfile target = targetFor(demand, want);
        return planProfile(target, want, null, true, request).orElseThrow(() -> noInstanceFree(target));
    }

    private static ExitProfile targetFor(ExitDemand demand, Set<String> want) {
        if (demand.exit().isPresent()) {
            return ExitProfile.one(demand.exit().get());
        }
        return demand.isAny() ? ExitProfile.ANY : ExitProfile.group(demand.label(), want);
    }

    /** Reserves the slot for one connection and builds its isolation username. */
    private Routed admit(Slot slot, ConnectRequest request, IsolationCredentials.Credential credential) {
        long now = nanoClock.getAsLong();
        slot.pending++;
        slot.lastUsedNanos = now;
        Session s = null;
        RouteRequest r = request.route();
        if (r.session().isPresent() && !r.rotateEach()) {
            s = sessions.get(Session.key(r.user(), r.session().get()));
        }
        String username;
        String password;
        int epoch = 0;
        if (s != null) {
            bind(s, slot);
            s.pending++;
            s.touch(now, Instant.now());
            s.problem = null;
            epoch = s.epoch;
            username = s.credentialUser + "-g" + slot.generation + "-e" + s.epoch;
            password = s.credentialPassword;
        } else {
            username = credential.username() + "-g" + slot.generation;
            password = credential.password();
        }
        return new Routed(slot, s, slot.profile, epoch, slot.instance.socksAddress().orElseThrow(), username, password);
    }

    // ---- sessions ----------------------------------------------------------------------------------------

    private Session sessionFor(RouteRequest r, IsolationCredentials.Credential credential) {
        String key = Session.key(r.user(), r.session().orElseThrow());
        long now = nanoClock.getAsLong();
        Session s = sessions.get(key);
        if (s != null && s.expired(now)) {
            drop(s);
            s = null;
        } else if (s != null && !s.sameOptions(r)) {
            log.debug("{} comes with other exit options: starting it afresh", s);
            drop(s);
            s = null;
        }
        if (s == null) {
            // Without the rotate-each nonce (a session never has it), equal requests give equal credentials.
            s = new Session(key, r, credential.username(), credential.password(), now, Instant.now());
            sessions.put(key, s);
        }
        s.ttl = r.ttl();
        s.touch(now, Instant.now());
        return s;
    }

    private Plan planSession(Session s, ExitDemand demand, ConnectRequest request) throws RoutingException {
        ExitCatalog known = catalogFor(demand);
        if (s.pin == null && s.strict() && known != null) {
            Set<String> want = usableExits(demand, known);
            if (want.isEmpty()) {
                throw problem(s, noUsableExit(demand, known));
            }
            s.pin = demand.exit().orElseGet(() -> choosePin(want, s));
            s.epoch++;
        }
        if (s.pin != null) {
            return planPinned(s, demand, request);
        }
        Set<String> want = known == null || demand.isAny() ? null : usableExits(demand, known);
        if (want != null && want.isEmpty()) {
            throw problem(s, noUsableExit(demand, known));
        }
        if (s.slot != null) {
            String leaving = whyNotServing(s, want, known);
            if (leaving == null) {
                return new Go(s.slot);
            }
            Slot old = s.slot;
            unbind(s);
            if (s.exit != null) {
                return leave(s, demand, want, known, old.name(), leaving, request);
            }
        }
        ExitProfile target = targetFor(demand, want == null ? Set.of() : want);
        Optional<Plan> p = planProfile(target, want, s, true, request);
        if (p.isEmpty()) {
            throw problem(s, noInstanceFree(target));
        }
        return p.get();
    }

    /**
     * An unpinned flexible session must leave its instance: it keeps its exit if that still runs (pinned to it
     * on a one-exit instance, so tor cannot pick another), else it moves to another exit of its group.
     */
    private Plan leave(Session s, ExitDemand demand, Set<String> want, ExitCatalog known, String from,
                       String why, ConnectRequest request) throws RoutingException {
        String fp = s.exit.fingerprint();
        String gone = whyExitGone(fp, known);
        boolean alive = gone == null;
        if (alive && (want == null || want.contains(fp))) {
            log.info("{}: holding exit {} on a one-exit instance ({} {})", s, s.exit.label(), from, why);
            s.pin = fp;
        } else {
            Set<String> others = new TreeSet<>(want == null ? usableExits(demand, known) : want);
            others.remove(fp);
            if (others.isEmpty()) {
                throw problem(s, noUsableExit(demand, known));
            }
            s.pin = choosePin(others, s);
            s.expectedChange = "moved from " + s.exit.label() + " to " + label(s.pin) + ": "
                    + (alive ? "it is not " + demand.describe() + " any more" : gone);
            log.info("{}: {}", s, s.expectedChange);
        }
        s.epoch++;
        return planPinned(s, demand, request);
    }

    /** Why an unpinned session's instance would not give it the same exit again; null when it would. */
    private String whyNotServing(Session s, Set<String> want, ExitCatalog known) {
        Slot slot = s.slot;
        if (!slot.usable()) {
            return "its tor instance " + slot.name() + " is " + slot.instance.state()
                    + (slot.applying != null ? " and being re-profiled" : "");
        }
        if (slot.generation != s.slotGeneration) {
            return "its tor instance " + slot.name() + " was restarted or re-profiled";
        }
        if (want != null && !slot.profile.within(want)) {
            return "the exits of its instance " + slot.name() + " no longer all run";
        }
        if (s.exit != null) {
            String gone = whyExitGone(s.exit.fingerprint(), known);
            if (gone != null) {
                return gone;
            }
        }
        if (s.circuitId != null) {
            Optional<CircuitEvent> c = slot.instance.circuits().circuit(s.circuitId);
            if (c.isEmpty() || c.get().isTerminal()) {
                return "its circuit " + s.circuitId + " closed";
            }
            if (nanoClock.getAsLong() - s.circuitSinceNanos > CIRCUIT_REUSE_LIMIT.toNanos()) {
                return "its circuit " + s.circuitId + " is too old for tor to reuse";
            }
        }
        return null;
    }

    private Plan planPinned(Session s, ExitDemand demand, ConnectRequest request) throws RoutingException {
        ExitCatalog known = catalogFor(demand);
        String why = whyExitGone(s.pin, known);
        if (why != null) {
            if (s.strict() || known == null) {
                throw problem(s, new RoutingException(SocksReply.HOST_UNREACHABLE, "session_exit_gone",
                        why + "; " + (s.strict() ? "strict " : "") + "session " + s.id
                                + " keeps its exit and fails rather than switch"));
            }
            Set<String> others = usableExits(demand, known);
            others.remove(s.pin);
            if (others.isEmpty()) {
                throw problem(s, noUsableExit(demand, known));
            }
            String next = choosePin(others, s);
            s.expectedChange = "moved from " + label(s.pin) + " to " + label(next) + ": " + why;
            log.info("{}: {}", s, s.expectedChange);
            s.pin = next;
            s.epoch++;
        }
        ExitProfile target = ExitProfile.one(s.pin);
        if (s.slot != null && s.slot.usable() && s.slot.profile.sameExits(target)) {
            return new Go(s.slot);
        }
        Optional<Plan> p = planProfile(target, Set.of(s.pin), s, false, request);
        if (p.isPresent()) {
            return p.get();
        }
        if (!s.strict()) {
            // Flexible sessions may move within their group rather than fail.
            Set<String> want = known == null || demand.isAny() ? null : usableExits(demand, known);
            ExitProfile group = targetFor(demand, want == null ? Set.of() : want);
            Optional<Plan> g = planProfile(group, want, s, true, request);
            if (g.isPresent()) {
                s.expectedChange = "no tor instance was free to hold exit " + label(s.pin) + "; moved within "
                        + demand.label();
                s.pin = null;
                s.epoch++;
                unbind(s);
                return g.get();
            }
        }
        throw problem(s, noInstanceFree(target));
    }

    private RoutingException problem(Session s, RoutingException e) {
        s.problem = e.detail();
        return e;
    }

    /** Exits for a demand: none (no catalog) for ANY demands when the directory is still empty. */
    private ExitCatalog catalogFor(ExitDemand demand) {
        if (catalog == null || (demand.isAny() && catalog.isEmpty())) {
            return null;
        }
        return catalog;
    }

    /**
     * A new exit for a session among {@code candidates}. When no instance is idle and the pool cannot grow,
     * exits that already have a one-exit instance are preferred: the session can share it.
     */
    private String choosePin(Set<String> candidates, Session requester) {
        if (lruIdle(requester) == null && !pool.canGrow()) {
            Set<String> served = new TreeSet<>();
            for (Slot slot : slots.values()) {
                ExitProfile p = slot.applying != null ? slot.target : slot.profile;
                if (p.kind() == ExitProfile.Kind.ONE && candidates.containsAll(p.exits())) {
                    served.addAll(p.exits());
                }
            }
            if (!served.isEmpty()) {
                return catalog.pick(served, random);
            }
        }
        return catalog.pick(candidates, random);
    }

    private String label(String fingerprint) {
        return catalog == null ? "$" + fingerprint : catalog.label(fingerprint);
    }

    private void bind(Session s, Slot slot) {
        if (s.slot != slot) {
            unbind(s);
            s.slot = slot;
            slot.bound.add(s);
        }
        s.slotGeneration = slot.generation;
    }

    private void unbind(Session s) {
        if (s.slot != null) {
            s.slot.bound.remove(s);
            s.slot = null;
        }
    }

    private void drop(Session s) {
        unbind(s);
        sessions.remove(s.key, s);
    }

    private void sweep() {
        long now = nanoClock.getAsLong();
        for (Iterator<Session> it = sessions.values().iterator(); it.hasNext(); ) {
            Session s = it.next();
            if (s.expired(now)) {
                unbind(s);
                it.remove();
            }
        }
    }

    // ---- instances and profiles ------------------------------------------------------------------------

    /**
     * The plan for a connection that needs {@code target}: see the class comment for the order. {@code want}
     * is the set of acceptable exits (null: any exit is acceptable); {@code allowNarrower} lets a profile
     * inside {@code want} serve when none matches exactly.
     */
    private Optional<Plan> planProfile(ExitProfile target, Set<String> want, Session requester,
                                       boolean allowNarrower, ConnectRequest request) throws RoutingException {
        List<Slot> exact = new ArrayList<>();
        for (Slot slot : slots.values()) {
            if (slot.usable() && slot.profile.sameExits(target)) {
                exact.add(slot);
            }
        }
        if (!exact.isEmpty()) {
            return Optional.of(new Go(select(exact, request)));
        }
        for (Slot slot : slots.values()) {
            if (slot.applying != null && slot.target.sameExits(target)) {
                return Optional.of(new Wait(slot, slot.applying));
            }
        }
        for (Growth g : growths) {
            if (g.target().sameExits(target)) {
                return Optional.of(new Wait(null, g.ready()));
            }
        }
        Slot idle = lruIdle(requester);
        if (idle != null) {
            return Optional.of(new Wait(idle, configure(idle, target)));
        }
        if (allowNarrower) {
            List<Slot> narrower = new ArrayList<>();
            for (Slot slot : slots.values()) {
                if (slot.usable() && (want == null || slot.profile.within(want))) {
                    narrower.add(slot);
                }
            }
            if (!narrower.isEmpty()) {
                return Optional.of(new Go(select(narrower, request)));
            }
        }
        if (pool.canGrow()) {
            return Optional.of(new Wait(null, grow(target)));
        }
        return Optional.empty();
    }

    private Slot select(List<Slot> candidates, ConnectRequest request) throws RoutingException {
        if (candidates.size() == 1 || request == null) {
            return candidates.stream().min(Comparator.comparingInt(s -> s.tunnels.size() + s.pending)).orElseThrow();
        }
        List<Candidate> offered = new ArrayList<>();
        for (Slot s : candidates) {
            offered.add(new Candidate(s.instance, s.tunnels.size()));
        }
        Candidate chosen = selector.select(request, offered);
        for (Slot s : candidates) {
            if (s.instance == chosen.instance()) {
                return s;
            }
        }
        throw new IllegalStateException("the instance selector chose " + chosen.name() + ", which was not offered");
    }

    /**
     * The least recently used instance nobody needs: READY, no live tunnel or route on its way (other than the
     * requester's own tunnels, which keep their circuits whatever the profile becomes), no live session bound
     * to it other than the requester.
     */
    private Slot lruIdle(Session requester) {
        long now = nanoClock.getAsLong();
        Slot best = null;
        for (Slot slot : slots.values()) {
            if (idle(slot, requester, now) && (best == null || slot.lastUsedNanos - best.lastUsedNanos < 0)) {
                best = slot;
            }
        }
        return best;
    }

    private boolean idle(Slot slot, Session requester, long now) {
        if (!slot.usable() || slot.pending > 0) {
            return false;
        }
        for (Tunnel t : slot.tunnels) {
            if (requester == null || !requester.tunnels.contains(t)) {
                return false;
            }
        }
        for (Iterator<Session> it = slot.bound.iterator(); it.hasNext(); ) {
            Session b = it.next();
            if (b == requester) {
                continue;
            }
            if (!b.expired(now)) {
                return false;
            }
            it.remove(); // expired: it no longer holds the instance
            b.slot = null;
            sessions.remove(b.key, b);
        }
        return true;
    }

    /** Sets the slot's profile over the control port; the slot is unusable until that completes. */
    private CompletableFuture<Void> configure(Slot slot, ExitProfile target) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Optional<TorControl> control = slot.instance.control();
        if (control.isEmpty()) {
            done.completeExceptionally(new IllegalStateException("tor instance " + slot.name() + " has no control connection"));
            return done;
        }
        TorControl c = control.get();
        ExitProfile from = slot.profile;
        slot.target = target;
        slot.applying = done;
        long t0 = nanoClock.getAsLong();
        CompletableFuture<Void> sent = target.kind() == ExitProfile.Kind.ANY
                ? c.resetConf(target.torOptions().keySet())
                : c.setConf(target.torOptions());
        sent.whenCompleteAsync((v, e) -> {
            boolean applied;
            synchronized (lock) {
                slot.applying = null;
                slot.target = null;
                applied = e == null && slot.instance.control().orElse(null) == c;
                if (applied) {
                    slot.detachWatch();
                    slot.profile = target;
                    slot.appliedOn = c;
                    slot.generation++;
                    slot.lastUsedNanos = nanoClock.getAsLong();
                    if (target.kind() == ExitProfile.Kind.ONE) {
                        slot.watch = new PinnedExitWatch(target.exits().iterator().next(), watchCallback(slot));
                        c.addListener(slot.watch);
                    }
                }
            }
            long ms = (nanoClock.getAsLong() - t0) / 1_000_000;
            if (applied) {
                log.info("tor instance {} re-profiled from {} to {} in {} ms", slot.name(), from, target, ms);
                done.complete(null);
            } else {
                Throwable cause = e != null ? unwrap(e)
                        : new IllegalStateException("tor instance " + slot.name() + " restarted while being re-profiled");
                log.warn("tor instance {}: setting profile {} failed after {} ms: {}", slot.name(), target, ms, cause.getMessage());
                done.completeExceptionally(cause);
            }
        });
        return done;
    }

    /** Starts one more instance; the waiting request plans again once it is READY (and then profiles it). */
    private CompletableFuture<Void> grow(ExitProfile target) {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Growth g = new Growth(target, ready);
        growths.add(g);
        long t0 = nanoClock.getAsLong();
        pool.addInstance().whenCompleteAsync((instance, e) -> {
            // Forget the growth before anyone waiting on it plans again, or they would wait on it again.
            synchronized (lock) {
                growths.remove(g);
                refreshSlots();
            }
            if (e == null) {
                log.info("tor pool grew by {} for {} in {} ms", instance.name(), target,
                        (nanoClock.getAsLong() - t0) / 1_000_000);
                ready.complete(null);
            } else {
                log.warn("tor pool could not grow for {}: {}", target, unwrap(e).getMessage());
                ready.completeExceptionally(unwrap(e));
            }
        });
        return ready;
    }

    private void refreshSlots() {
        long now = nanoClock.getAsLong();
        List<TorInstance> members = pool.instances();
        Set<String> names = new HashSet<>();
        for (TorInstance i : members) {
            names.add(i.name());
            Slot slot = slots.get(i.name());
            if (slot == null || slot.instance != i) {
                slots.put(i.name(), new Slot(i, now));
            }
        }
        // An instance taken out of the pool is never routed to again, but its slot stays while its tunnels
        // drain, so liveTunnels() keeps counting them for whoever drains it.
        for (Slot slot : slots.values()) {
            slot.retired = !names.contains(slot.name());
        }
        slots.values().removeIf(slot -> slot.retired && slot.tunnels.isEmpty() && slot.pending == 0);
    }

    /** An instance left service (restarting, stopped, failed): its tor forgets the profile and circuits. */
    List<Tunnel> instanceLeftService(TorInstance instance, String why) {
        synchronized (lock) {
            Slot slot = slots.get(instance.name());
            if (slot == null) {
                return List.of();
            }
            slot.reset();
            for (Session s : List.copyOf(slot.bound)) {
                unbind(s);
                log.debug("{} unbound from {}: {}", s, slot.name(), why);
            }
            return List.copyOf(slot.tunnels);
        }
    }

    private PinnedExitWatch.Callback watchCallback(Slot slot) {
        return new PinnedExitWatch.Callback() {
            @Override
            public void failing(PinnedExitWatch watch, String fingerprint, String reason) {
                pinnedExitFailing(slot, watch, fingerprint, reason);
            }

            @Override
            public void built(PinnedExitWatch watch, String fingerprint) {
                synchronized (lock) {
                    health.clear(fingerprint);
                }
            }
        };
    }

    /**
     * Circuits of a one-exit instance keep failing: the exit is marked unreachable (strict sessions on it fail
     * with 0x04, flexible ones move), and the instance goes back to any exit once nothing depends on it, so
     * its tor stops failing circuits (and is not restarted for it).
     */
    private void pinnedExitFailing(Slot slot, PinnedExitWatch watch, String fingerprint, String reason) {
        synchronized (lock) {
            if (slot.watch != watch) {
                return; // the profile changed meanwhile
            }
            long now = nanoClock.getAsLong();
            boolean fresh = health.unreachable(fingerprint, now).isEmpty();
            health.mark(fingerprint, reason, now);
            if (fresh) {
                log.warn("exit {} looks unreachable from {}: {}", label(fingerprint), slot.name(), reason);
            }
            for (Session s : List.copyOf(slot.bound)) {
                if (!fingerprint.equals(s.pin)) {
                    continue;
                }
                if (s.strict()) {
                    s.problem = unreachableDetail(fingerprint, reason) + "; strict session " + s.id
                            + " keeps its exit and fails rather than switch";
                }
                if (s.tunnels.isEmpty() && s.pending == 0) {
                    unbind(s); // nothing of it lives here: it no longer holds the instance
                }
            }
            if (idle(slot, null, now)) {
                configure(slot, ExitProfile.ANY);
            }
        }
    }

    private String unreachableDetail(String fingerprint, String reason) {
        return "exit " + label(fingerprint) + " is unreachable: " + reason;
    }

    /** Why an exit cannot be used now (not running per the directory, or its circuits fail); null if it can. */
    private String whyExitGone(String fingerprint, ExitCatalog known) {
        if (known != null && !known.isRunning(fingerprint)) {
            return known.whyNotRunning(fingerprint);
        }
        return health.unreachable(fingerprint, nanoClock.getAsLong())
                .map(reason -> unreachableDetail(fingerprint, reason)).orElse(null);
    }

    /** The refusal when {@link #usableExits} is empty: 0x04, naming what was asked for and why it is missing. */
    private RoutingException noUsableExit(ExitDemand demand, ExitCatalog known) {
        Set<String> running = known.running(demand);
        if (running.isEmpty()) {
            return known.noExitRunning(demand);
        }
        long now = nanoClock.getAsLong();
        List<String> reasons = new ArrayList<>();
        for (String fp : running) {
            health.unreachable(fp, now).ifPresent(r -> reasons.add(unreachableDetail(fp, r)));
        }
        return new RoutingException(SocksReply.HOST_UNREACHABLE, demand.exit().isPresent() ? "exit_unreachable" : "no_exit_running",
                demand.exit().isPresent() ? String.join("; ", reasons)
                        : "no exit " + demand.describe() + " is reachable: " + String.join("; ", reasons));
    }

    /** Running exits for a demand, without those whose circuits keep failing. */
    private Set<String> usableExits(ExitDemand demand, ExitCatalog known) {
        Set<String> out = new TreeSet<>(known.running(demand));
        long now = nanoClock.getAsLong();
        out.removeIf(fp -> health.unreachable(fp, now).isPresent());
        return out;
    }

    private RoutingException noneReady() {
        StringBuilder states = new StringBuilder();
        for (Slot s : slots.values()) {
            states.append(states.length() == 0 ? "" : ", ").append(s.name()).append(' ').append(s.instance.state());
        }
        return new RoutingException(SocksReply.GENERAL_FAILURE, "no_tor_ready", "no tor instance is ready (" + states + ")");
    }

    private RoutingException noInstanceFree(ExitProfile target) {
        return new RoutingException(SocksReply.GENERAL_FAILURE, "no_instance_free",
                "no tor instance is free to serve " + target + ": all " + slots.size() + " instances (max "
                        + pool.maxSize() + ") serve other exits and are in use, or are not ready");
    }

    // ---- tunnel life ------------------------------------------------------------------------------------

    void established(Routed r, Tunnel tunnel) {
        synchronized (lock) {
            r.slot().pending--;
            r.slot().tunnels.add(tunnel);
            r.slot().lastUsedNanos = nanoClock.getAsLong();
            Session s = r.session();
            if (s != null) {
                s.pending--;
                s.tunnels.add(tunnel);
                s.connections++;
                s.touch(nanoClock.getAsLong(), Instant.now());
            }
        }
    }

    void failed(Routed r, SocksReply reply, Throwable cause) {
        synchronized (lock) {
            r.slot().pending--;
            Session s = r.session();
            if (s != null) {
                s.pending--;
                s.touch(nanoClock.getAsLong(), Instant.now());
                if (!(cause instanceof ClosedChannelException)) { // the client left: nothing wrong with the session
                    s.problem = "a connection through " + r.slot().name() + " failed with " + reply
                            + (cause == null || cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")");
                }
            }
        }
    }

    void closed(Routed r, Tunnel tunnel) {
        synchronized (lock) {
            long now = nanoClock.getAsLong();
            r.slot().tunnels.remove(tunnel);
            r.slot().lastUsedNanos = now;
            Session s = r.session();
            if (s != null) {
                s.tunnels.remove(tunnel);
                s.touch(now, Instant.now());
            }
        }
    }

    /**
     * Checks the exit tor used against the profile the connection was routed under, and records it on the
     * session. Returns false when the exit breaks the profile: the caller closes the tunnel.
     */
    boolean exitLearned(Routed r, Tunnel tunnel, StreamExit exit) {
        Optional<Hop> hop = exit.exit();
        if (hop.isEmpty() || hop.get().fingerprint().isEmpty()) {
            return true; // tor never told us the circuit's path; nothing to check or record
        }
        String fp = hop.get().fingerprint();
        Session s = r.session();
        boolean inProfile = r.profile().kind() == ExitProfile.Kind.ANY || r.profile().exits().contains(fp);
        if (!inProfile) {
            log.error("tunnel {} on {} left through exit ${} outside its profile {}; closing it", tunnel.id(),
                    r.slot().name(), fp, r.profile());
        }
        if (s == null) {
            return inProfile;
        }
        List<String> path = exit.path().stream().map(Hop::toString).toList();
        Optional<String> nick = hop.get().nickname().isEmpty() ? Optional.empty() : Optional.of(hop.get().nickname());
        ExitInfo info = catalog != null ? catalog.describe(fp, nick, Optional.of(exit.circuitId()), path)
                : ExitCatalog.describeBare(fp, nick, Optional.of(exit.circuitId()), path);
        synchronized (lock) {
            if (!inProfile) {
                s.problem = "tor used exit " + info.label() + " outside the profile " + r.profile()
                        + "; the connection was closed";
                return false;
            }
            if (r.epoch() != s.epoch || sessions.get(s.key) != s) {
                return true; // routed before a rotation or move (or the session ended): not its current exit
            }
            if (s.exit != null && !s.exit.fingerprint().equals(fp)) {
                s.exitChanges++;
                s.lastExitChange = s.expectedChange != null ? s.expectedChange
                        : "tor built a new circuit through " + info.label() + " (was " + s.exit.label() + ")";
            }
            s.expectedChange = null;
            if (s.circuitId == null || !s.circuitId.equals(exit.circuitId()) || s.slot != r.slot()) {
                s.circuitId = exit.circuitId();
                s.circuitSinceNanos = nanoClock.getAsLong();
            }
            s.exit = info;
            s.problem = null;
        }
        return true;
    }

    // ---- the Sessions API ------------------------------------------------------------------------------

    List<SessionInfo> sessions() {
        synchronized (lock) {
            sweep();
            return sessions.values().stream().map(Session::snapshot)
                    .sorted(Comparator.comparing(SessionInfo::user).thenComparing(SessionInfo::session))
                    .toList();
        }
    }

    Optional<SessionInfo> session(String user, String session) {
        synchronized (lock) {
            Session s = sessions.get(Session.key(user, session));
            if (s == null || s.expired(nanoClock.getAsLong())) {
                return Optional.empty();
            }
            return Optional.of(s.snapshot());
        }
    }

    /** Forgets the session and returns its live tunnels for the caller to close. */
    Optional<List<Tunnel>> remove(String user, String session) {
        synchronized (lock) {
            Session s = sessions.get(Session.key(user, session));
            if (s == null) {
                return Optional.empty();
            }
            boolean wasLive = !s.expired(nanoClock.getAsLong());
            drop(s);
            return wasLive ? Optional.of(List.copyOf(s.tunnels)) : Optional.empty();
        }
    }

    CompletableFuture<Rotation> rotate(String user, String session) {
        long t0 = nanoClock.getAsLong();
        Session s;
        Optional<ExitInfo> old;
        String next;
        synchronized (lock) {
            refreshSlots();
            s = sessions.get(Session.key(user, session));
            if (s == null || s.expired(t0)) {
                return CompletableFuture.failedFuture(new SessionNotFoundException(user, session));
            }
            if (catalog == null) {
                return CompletableFuture.failedFuture(new UnsupportedOperationException(
                        "rotation needs the node directory, which this tor pool runs without"));
            }
            Set<String> want = usableExits(s.demand, catalog);
            String current = s.exit != null ? s.exit.fingerprint() : s.pin;
            Set<String> others = new TreeSet<>(want);
            if (current != null) {
                others.remove(current);
            }
            if (others.isEmpty()) {
                RoutingException e = want.isEmpty() ? noUsableExit(s.demand, catalog)
                        : new RoutingException(SocksReply.HOST_UNREACHABLE, "no_other_exit", "only one exit "
                        + s.demand.describe() + " is running (" + label(current) + "): there is no other to rotate to");
                return CompletableFuture.failedFuture(e);
            }
            next = choosePin(others, s);
            Optional<Plan> plan;
            try {
                plan = planProfile(ExitProfile.one(next), Set.of(next), s, false, null);
            } catch (RoutingException e) {
                return CompletableFuture.failedFuture(e);
            }
            if (plan.isEmpty()) {
                return CompletableFuture.failedFuture(noInstanceFree(ExitProfile.one(next)));
            }
            old = current == null ? Optional.empty()
                    : Optional.of(s.exit != null ? s.exit : catalog.describe(current, Optional.empty(), Optional.empty(), List.of()));
            s.pin = next;
            s.epoch++;
            s.rotations++;
            s.expectedChange = "rotated from " + (current == null ? "no exit" : label(current)) + " to " + label(next);
            s.problem = null;
            holdFor(s, plan.get());
        }
        Session rotated = s;
        return pinnedSlotReady(rotated, MAX_ATTEMPTS).thenApply(v -> {
            Duration took = Duration.ofNanos(nanoClock.getAsLong() - t0);
            log.info("{} rotated in {} ms: {}", rotated, took.toMillis(), rotated.expectedChange);
            return new Rotation(user, session, old, catalog.describe(next, Optional.empty(), Optional.empty(), List.of()), took);
        });
    }

    /** Binds the session to the plan's slot so nobody re-profiles it away while it is being set up. */
    private void holdFor(Session s, Plan plan) {
        Slot slot = plan instanceof Go go ? go.slot() : ((Wait) plan).slot();
        if (slot != null) {
            bind(s, slot);
        }
    }

    /** Completes once an instance runs the session's one-exit profile and the session is bound to it. */
    private CompletableFuture<Void> pinnedSlotReady(Session s, int attemptsLeft) {
        CompletableFuture<Void> wait;
        synchronized (lock) {
            if (s.pin == null) {
                return CompletableFuture.completedFuture(null);
            }
            ExitProfile target = ExitProfile.one(s.pin);
            if (s.slot != null && s.slot.usable() && s.slot.profile.sameExits(target)) {
                s.slotGeneration = s.slot.generation;
                return CompletableFuture.completedFuture(null);
            }
            if (s.slot != null && s.slot.applying != null && target.sameExits(s.slot.target)) {
                wait = s.slot.applying;
            } else {
                Optional<Plan> plan;
                try {
                    plan = planProfile(target, Set.of(s.pin), s, false, null);
                } catch (RoutingException e) {
                    return CompletableFuture.failedFuture(e);
                }
                if (plan.isEmpty()) {
                    return CompletableFuture.failedFuture(problem(s, noInstanceFree(target)));
                }
                holdFor(s, plan.get());
                if (plan.get() instanceof Go) {
                    return CompletableFuture.completedFuture(null);
                }
                wait = ((Wait) plan.get()).until();
            }
            if (attemptsLeft <= 1) {
                return CompletableFuture.failedFuture(notPrepared(s.slot, null));
            }
        }
        return wait.handle((v, e) -> null).thenComposeAsync(v -> pinnedSlotReady(s, attemptsLeft - 1));
    }

    // ---- views ---------------------------------------------------------------------------------------------

    int liveTunnels(String instance) {
        synchronized (lock) {
            Slot slot = slots.get(instance);
            return slot == null ? 0 : slot.tunnels.size();
        }
    }

    Map<String, ExitProfile> profiles() {
        synchronized (lock) {
            refreshSlots();
            Map<String, ExitProfile> out = new LinkedHashMap<>();
            for (Slot slot : slots.values()) {
                out.put(slot.name(), slot.profileCurrent() ? slot.profile : ExitProfile.ANY);
            }
            return out;
        }
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }
}
