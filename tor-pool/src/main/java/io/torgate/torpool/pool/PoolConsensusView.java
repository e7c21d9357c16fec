package io.torgate.torpool.pool;

import io.torgate.torpool.control.TorControl;
import io.torgate.torpool.directory.ConsensusFingerprints;
import io.torgate.torpool.directory.ConsensusView;
import io.torgate.torpool.instance.TorInstance;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relays of the consensus the pool's tors use ({@code GETINFO ns/all} of a READY instance), so the node
 * directory never offers an exit tor would not build a circuit to. Never blocks: a stale set is refreshed in
 * the background when asked for, and until the first answer the set is empty, which tells the directory not to
 * filter at all.
 */
final class PoolConsensusView implements ConsensusView {

    private static final Logger log = LoggerFactory.getLogger(PoolConsensusView.class);

    /** Tor fetches a new consensus about hourly; a few minutes' lag on top costs nothing. */
    static final Duration MAX_AGE = Duration.ofMinutes(5);
    private static final Duration RETRY = Duration.ofSeconds(30);

    private final TorPool pool;
    private final LongSupplier nanoClock;
    private final AtomicBoolean fetching = new AtomicBoolean();
    private volatile Set<String> fingerprints = Set.of();
    private volatile long nextFetchNanos;

    PoolConsensusView(TorPool pool, LongSupplier nanoClock) {
        this.pool = pool;
        this.nanoClock = nanoClock;
        this.nextFetchNanos = nanoClock.getAsLong();
    }

    @Override
    public Set<String> fingerprints() {
        if (nanoClock.getAsLong() - nextFetchNanos >= 0 && fetching.compareAndSet(false, true)) {
            refresh();
        }
        return fingerprints;
    }

    private void refresh() {
        Optional<TorControl> control = pool.ready().stream().map(TorInstance::control)
                .flatMap(Optional::stream).findFirst();
        if (control.isEmpty()) {
            fetching.set(false); // nothing READY yet: ask again next time
            return;
        }
        control.get().getInfo("ns/all").whenComplete((nsAll, e) -> {
            long now = nanoClock.getAsLong();
            if (e == null) {
                Set<String> parsed = ConsensusFingerprints.fromNsAll(nsAll);
                if (!parsed.isEmpty()) {
                    fingerprints = parsed;
                }
                nextFetchNanos = now + MAX_AGE.toNanos();
                log.debug("consensus view: {} relays from {}", parsed.size(), control.get().name());
            } else {
                nextFetchNanos = now + RETRY.toNanos();
                log.debug("consensus view: ns/all failed on {}: {}", control.get().name(), e.toString());
            }
            fetching.set(false);
        });
    }
}
