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
 * {@code ATTACHSTREAM sid 0}, or {@code CLOSESTREAM}). Streams that are not a client's (no SOCKS username and a {@code PURPOSE} other
 * than USER: tor's directory fetches and the like) go back to tor at once. A decision that takes longer than
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
    private final AttachedStreams attached = new AttachedStreams();

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

    /** Which circuit each stream (by source port) was attached to. */
    public AttachedStreams attached() {
        return attached;
    }

    @Override
    public void onStream(StreamEvent e) {
        if (e.status() == StreamEvent.Status.CLOSED || e.status() == StreamEvent.Status.FAILED) {
            attached.ended(e.id());
            return;
        }
        // NEW: a stream's first wait. DETACHED: its circuit failed under it; tor keeps it for the controller again.
        if (e.status() != StreamEvent.Status.NEW && e.status() != StreamEvent.Status.DETACHED) {
            return;
        }
        long seen = System.nanoTime();
        // tor's own streams (directory fetches and the like) go back to tor. A stream with a SOCKS username is a
        // client's whatever its event says: DETACHED events carry no PURPOSE, and handing such a stream back let tor
        // retry it on a circuit of its own choosing, through another exit (seen on the testnet when an exit died).
        boolean torsOwn = e.socksUsername().isEmpty() && !"USER".equals(e.purpose());
        if (torsOwn) {
            control.attachStream(e.id(), "0");
            return;
        }
        decide(e, seen, true);
    }

    /** Asks the attacher and carries out its decision; {@code again}: one more try if the circuit vanished. */
    private void decide(StreamEvent e, long seen, boolean again) {
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
                String why = late ? "no decision within " + decisionTimeout.toMillis() + " ms" : error.toString();
                log.debug("stream {} not attached ({}); closing it", e.id(), why);
                attached.refused(e.id(), e.sourcePort(), why, System.nanoTime());
                control.closeStream(e.id(), late ? END_TIMEOUT : END_MISC);
                return;
            }
            if (d instanceof StreamAttacher.Attach a) {
                control.attachStream(e.id(), a.circuitId()).whenComplete((ok, x) -> {
                    if (x == null) {
                        long now = System.nanoTime();
                        attached.attached(e.id(), e.sourcePort(), a.circuitId(), now);
                        attachNanos.accept(now - seen);
                    } else if (again && control.isOpen()) {
                        // 552 "Unknown circuit": it closed between the decision and the attach (an exit going down
                        // takes its circuits with it). Its CLOSED event has been read by now, so asking again gets
                        // the key a new circuit for the same request — or a refusal that says why.
                        log.debug("ATTACHSTREAM {} {} refused ({}); deciding again", e.id(), a.circuitId(), x.getMessage());
                        decide(e, seen, false);
                    } else {
                        // Closing answers the client now, where waiting would leave it to tor's two-minute limit.
                        log.debug("ATTACHSTREAM {} {} refused: {}", e.id(), a.circuitId(), x.getMessage());
                        attached.refused(e.id(), e.sourcePort(), "its circuit closed before the stream was attached",
                                System.nanoTime());
                        control.closeStream(e.id(), END_MISC);
                    }
                });
            } else if (d instanceof StreamAttacher.Close c) {
                log.debug("closing stream {}: {}", e.id(), c.why());
                // Recorded first: the router's watch tells the client why before tor's SOCKS failure reaches it.
                attached.refused(e.id(), e.sourcePort(), c.why(), System.nanoTime());
                control.closeStream(e.id(), c.endReason());
            } else {
                control.attachStream(e.id(), "0");
            }
        });
    }
}
