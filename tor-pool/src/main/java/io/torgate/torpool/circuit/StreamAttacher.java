package io.torgate.torpool.circuit;

import io.torgate.torpool.control.StreamEvent;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * Decides where a stream goes that tor left for the controller ({@code __LeaveStreamsUnattached 1}): as
 * txtorcon's {@code IStreamAttacher} and exitmap's {@code StreamAttacher} do, one small interface, asked once per
 * NEW (or DETACHED) stream, answering with a circuit, "tor, attach it yourself" ({@code .onion}, tor's own streams,
 * streams of no tunnel torgate knows), or "close it". The answer may take a while (a circuit being built);
 * {@link StreamAttachment} bounds that wait.
 */
@FunctionalInterface
public interface StreamAttacher {

    CompletionStage<Decision> attach(StreamEvent stream);

    /** What to do with one stream. */
    sealed interface Decision permits Attach, HandBack, Close {
    }

    /** Send it down this circuit. */
    record Attach(String circuitId) implements Decision {
        public Attach {
            Objects.requireNonNull(circuitId, "circuitId");
        }
    }

    /** {@code ATTACHSTREAM sid 0}: tor attaches it itself (onion services do their own rendezvous). */
    record HandBack() implements Decision {
    }

    /** End it, with a tor-spec RELAY_END reason code and a reason for the log. */
    record Close(int endReason, String why) implements Decision {
    }
}
