package io.torgate.torpool.testnet;

import io.torgate.torpool.process.TorNotFoundException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Decides the relays of a network from the options and whatever an earlier run left in the state directory:
 * names, roles and loopback addresses follow from the options; keys are reused when present and made when not
 * (in parallel, since tor-gencert alone takes 0.5-1.8 s per authority); ports are reused when still free.
 */
final class NetworkPlanner {

    static final int AUTHORITIES = 3;

    private final Path stateDir;
    private final RelayKeys keys;
    private final ExecutorService pool;

    NetworkPlanner(Path stateDir, RelayKeys keys, ExecutorService pool) {
        this.stateDir = stateDir;
        this.keys = keys;
        this.pool = pool;
    }

    /** Nicknames, roles and addresses (see {@link Topology}) in order: authorities, middles, exits. */
    static List<RelaySpec> skeleton(int middles, int exits) {
        Topology topology = new Topology(middles, exits);
        List<RelaySpec> out = new ArrayList<>();
        for (int i = 0; i < AUTHORITIES; i++) {
            out.add(new RelaySpec("auth" + i, TestRelay.Role.AUTHORITY, null, 0, 0, null, null));
        }
        for (int i = 0; i < middles; i++) {
            out.add(new RelaySpec("middle" + i, TestRelay.Role.MIDDLE, null, 0, 0, null, null));
        }
        for (int i = 0; i < exits; i++) {
            out.add(new RelaySpec("exit" + i, TestRelay.Role.EXIT, null, 0, 0, null, null));
        }
        for (int i = 0; i < out.size(); i++) {
            out.set(i, out.get(i).withAddress(topology.address(i, out.get(i).nickname())));
        }
        return out;
    }

    /**
     * The layout for this run. {@code forceNewPorts} names relays whose ports must change (they lost a race
     * for them on the previous attempt).
     */
    NetworkLayout plan(int middles, int exits, Optional<NetworkLayout> previous, Set<String> forceNewPorts)
            throws IOException, InterruptedException, TorNotFoundException {
        List<RelaySpec> wanted = skeleton(middles, exits);
        List<RelaySpec> withPorts = new ArrayList<>();
        for (RelaySpec r : wanted) {
            Optional<RelaySpec> old = previous.flatMap(p -> p.find(r.nickname())).filter(o -> o.role() == r.role());
            boolean fresh = forceNewPorts.contains(r.nickname());
            int or = FreePorts.reuseOrPick(r.address(), fresh ? 0 : old.map(RelaySpec::orPort).orElse(0), 0);
            int dir = r.isAuthority()
                    ? FreePorts.reuseOrPick(r.address(), fresh ? 0 : old.map(RelaySpec::dirPort).orElse(0), or)
                    : 0;
            withPorts.add(r.withPorts(or, dir));
        }
        List<Future<RelaySpec>> identities = new ArrayList<>();
        for (RelaySpec r : withPorts) {
            identities.add(pool.submit(() -> withIdentity(r)));
        }
        List<RelaySpec> done = new ArrayList<>();
        for (Future<RelaySpec> f : identities) {
            done.add(get(f));
        }
        long created = previous.map(NetworkLayout::createdEpochSecond).orElse(Instant.now().getEpochSecond());
        return new NetworkLayout(NetworkLayout.FORMAT, created, done);
    }

    private RelaySpec withIdentity(RelaySpec r) throws Exception {
        Path dataDir = ManagedRelay.dataDir(stateDir, r.nickname());
        String fp = keys.relayFingerprint(dataDir);
        String v3 = r.isAuthority() ? keys.authorityV3Ident(dataDir, r.address(), r.dirPort()) : null;
        return r.withIdentity(fp, v3);
    }

    /** Relays whose keys will have to be made (for the progress line: "making keys for 10 relays"). */
    static int missingKeys(Path stateDir, List<RelaySpec> relays) {
        Set<String> missing = new HashSet<>();
        for (RelaySpec r : relays) {
            Path d = ManagedRelay.dataDir(stateDir, r.nickname());
            if (!d.resolve("keys/secret_id_key").toFile().isFile()
                    || (r.isAuthority() && !d.resolve("keys/authority_identity_key").toFile().isFile())) {
                missing.add(r.nickname());
            }
        }
        return missing.size();
    }

    private static <T> T get(Future<T> f) throws IOException, InterruptedException, TorNotFoundException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof TorNotFoundException t) {
                throw t;
            }
            if (c instanceof InterruptedException ie) {
                throw ie;
            }
            throw new IOException(c.getMessage(), c);
        }
    }
}
