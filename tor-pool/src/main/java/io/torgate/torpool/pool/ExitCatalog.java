package io.torgate.torpool.pool;

import io.torgate.gateway.RoutingException;
import io.torgate.gateway.SocksReply;
import io.torgate.torpool.directory.ExitFilter;
import io.torgate.torpool.directory.NodeDirectory;
import io.torgate.torpool.directory.Relay;
import io.torgate.torpool.session.ExitInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * The router's view of the node directory: which exits are running for a demand, what to tell a client when
 * none is, and the details (nickname, address, country) recorded on sessions. Reads the directory's in-memory
 * snapshot only, so it is cheap enough for the routing path.
 */
final class ExitCatalog {

    private final NodeDirectory directory;

    ExitCatalog(NodeDirectory directory) {
        this.directory = directory;
    }

    /** No relay known yet (no Onionoo document fetched). */
    boolean isEmpty() {
        return directory.size() == 0;
    }

    /** Fingerprints of the usable exits that satisfy the demand (for ANY: every usable exit). */
    Set<String> running(ExitDemand demand) {
        Set<String> out = new TreeSet<>();
        if (demand.exit().isPresent()) {
            if (isRunning(demand.exit().get())) {
                out.add(demand.exit().get());
            }
            return out;
        }
        for (Relay r : directory.exits(demand.filter())) {
            out.add(r.fingerprint());
        }
        return out;
    }

    /** A usable exit right now: running in the directory (and in tor's consensus when one is attached). */
    boolean isRunning(String fingerprint) {
        for (Relay r : directory.exits(ExitFilter.ALL)) {
            if (r.fingerprint().equals(fingerprint)) {
                return true;
            }
        }
        return false;
    }

    /** Why an exit is not usable, for a session's problem and a client's error detail. */
    String whyNotRunning(String fingerprint) {
        Optional<Relay> r = directory.relay(fingerprint);
        if (r.isEmpty()) {
            // The directory holds Onionoo's running exits only: a relay missing from it is not running (as an exit).
            return "exit $" + fingerprint + " is not running (not among the running exits of the node directory"
                    + directory.age().map(a -> " as of " + a.toSeconds() + " s ago").orElse("") + ")";
        }
        Relay relay = r.get();
        String name = label(fingerprint);
        if (!relay.running()) {
            return "exit " + name + " is not running" + age();
        }
        if (!relay.hasFlag("Exit") || relay.hasFlag("BadExit")) {
            return "relay " + name + " is not a usable exit (flags " + relay.flags() + ")";
        }
        return "exit " + name + " is not in tor's consensus";
    }

    private String age() {
        return directory.age().map(a -> " (node directory as of " + a.toSeconds() + " s ago)").orElse("");
    }

    /** The refusal when no exit satisfies a demand: 0x04 / 502, naming what was asked for. */
    RoutingException noExitRunning(ExitDemand demand) {
        if (demand.exit().isPresent()) {
            return new RoutingException(SocksReply.HOST_UNREACHABLE, "exit_not_running", whyNotRunning(demand.exit().get()));
        }
        String detail = "no exit " + demand.describe() + " is running";
        if (directory.size() == 0) {
            detail += " (the node directory is empty: no relay list fetched yet)";
        }
        return new RoutingException(SocksReply.HOST_UNREACHABLE, "no_exit_running", detail);
    }

    /**
     * One of the candidates, chosen at random weighted by observed bandwidth as tor weighs its own choices
     * (uniformly when the directory gives no bandwidth).
     */
    String pick(Collection<String> candidates, RandomGenerator random) {
        List<String> fps = new ArrayList<>(candidates);
        if (fps.isEmpty()) {
            throw new IllegalArgumentException("no candidates");
        }
        long[] weights = new long[fps.size()];
        long total = 0;
        for (int i = 0; i < fps.size(); i++) {
            long w = directory.relay(fps.get(i)).flatMap(r -> r.observedBandwidth().isPresent()
                    ? Optional.of(r.observedBandwidth().getAsLong()) : Optional.empty()).orElse(0L);
            weights[i] = Math.max(0, w);
            total += weights[i];
        }
        if (total <= 0) {
            return fps.get(random.nextInt(fps.size()));
        }
        long x = random.nextLong(total);
        for (int i = 0; i < fps.size(); i++) {
            x -= weights[i];
            if (x < 0) {
                return fps.get(i);
            }
        }
        return fps.get(fps.size() - 1);
    }

    /** {@code nickname ($FP)} as the directory knows it. */
    String label(String fingerprint) {
        return directory.relay(fingerprint).flatMap(Relay::nickname).map(n -> n + " ($" + fingerprint + ")")
                .orElse("$" + fingerprint);
    }

    /** An exit with the directory's details and, when known, the circuit that used it. */
    ExitInfo describe(String fingerprint, Optional<String> nicknameFromTor, Optional<String> circuitId, List<String> path) {
        Optional<Relay> r = directory.relay(fingerprint);
        return new ExitInfo(fingerprint, nicknameFromTor.or(() -> r.flatMap(Relay::nickname)),
                r.map(x -> x.exitAddresses().get(0)), r.flatMap(Relay::country), circuitId, path);
    }

    /** Without a directory: only what tor said. */
    static ExitInfo describeBare(String fingerprint, Optional<String> nicknameFromTor, Optional<String> circuitId,
                                 List<String> path) {
        return new ExitInfo(fingerprint, nicknameFromTor, Optional.empty(), Optional.empty(), circuitId, path);
    }
}
