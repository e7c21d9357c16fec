package io.torgate.torpool.circuit;

import io.torgate.torpool.control.ControlEventListener;
import io.torgate.torpool.control.StreamEvent;
import io.torgate.torpool.control.TorControl;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The I/O shell around a {@link StreamAttacher} on one instance: for every user stream tor leaves unattached (NEW,
 * or DETACHED from a circuit that failed), asks the attacher and sends its answer ({@code ATTACHSTREAM sid cid},
 * {@code ATTACHSTREAM sid 0}, or {@code CLOSESTREAM}). Streams that are not the user's ({@code PURPOSE} other than
 * USER: tor's directory fetches and the like) go back to tor at once. A decision that takes longer than
 * {@code decisionTimeout} closes the stream with TIMEOUT, so no stream waits unattached for tor's own two-minute
 * limit. Register it as a listener of the instance's control connection; never blocks the event thread.
 */
public final class StreamAttachment implements ControlEventListener {

    private static final Logger log = LoggerFactory.getLogger(StreamAttachment.class);

    /** tor-spec RELAY_END reasons used here. */
    static final int END_MISC = 1;
    static final int END_TIMEOUT = 7;

    private final TorControl control;
    private final StreamAttacher attacher;
    private final Duration decisionTimeout;
    private final LongConsumer attachNanos;

    /**
     * @param attachNanos hears how long each stream waited for its ATTACHSTREAM (from the event to tor's 250)
     */
    public StreamAttachment(TorControl control, StreamAttacher attacher, Duration decisionTimeout,
                            LongConsumer attachNanos) {
        this.control = Objects.requireNonNull(control, "control");
        this.attacher = Objects.requireNonNull(attacher, "attacher");
        this.decisionTimeout = Objects.requireNonNull(decisionTimeout, "decisionTimeout");
        this.attachNanos = Objects.requireNonNull(attachNanos, "attachNanos");
    }

    @Override
    public void onStream(StreamEvent e) {
        // NEW: a stream's first wait. DETACHED: its circuit failed under it; tor keeps it for the controller again.
        if (e.status() != StreamEvent.Status.NEW && e.status() != StreamEvent.Status.DETACHED) {
            return;
        }
        long seen = System.nanoTime();
        if (!"USER".equals(e.purpose())) {
            control.attachStream(e.id(), "0");
            return;
        }
        CompletableFuture<StreamAttacher.Decision> decision;
        try {
            decision = attacher.attach(e).toCompletableFuture();
        } catch (RuntimeException ex) {
            decision = CompletableFuture.failedFuture(ex);
        }
        decision.orTimeout(decisionTimeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((d, error) -> {
            if (error != null) {
                boolean late = error instanceof java.util.concurrent.TimeoutException
                        || error.getCause() instanceof java.util.concurrent.TimeoutException;
                log.debug("stream {} not attached ({}); closing it", e.id(), late ? "no decision within "
                        + decisionTimeout.toMillis() + " ms" : error.toString());
                control.closeStream(e.id(), late ? END_TIMEOUT : END_MISC);
                return;
            }
            if (d instanceof StreamAttacher.Attach a) {
                control.attachStream(e.id(), a.circuitId()).whenComplete((ok, x) -> {
                    if (x == null) {
                        attachNanos.accept(System.nanoTime() - seen);
                    } else {
                        // 552/555: the circuit went away meanwhile. Closing answers the client now, where waiting
                        // would leave it to tor's two-minute limit.
                        log.debug("ATTACHSTREAM {} {} refused: {}", e.id(), a.circuitId(), x.getMessage());
                        control.closeStream(e.id(), END_MISC);
                    }
                });
            } else if (d instanceof StreamAttacher.Close c) {
                log.debug("closing stream {}: {}", e.id(), c.why());
                control.closeStream(e.id(), c.endReason());
            } else {
                control.attachStream(e.id(), "0");
            }
        });
    }
}
