package io.torgate.torpool.pool;

import io.torgate.gateway.UpstreamCause;
import java.util.Optional;

/**
 * Which of an exit's reasons for ending a stream (tor's {@code REMOTE_REASON}) are the final word for the client.
 * Only a resolve failure is: the exit's resolver gave it no address for the name (a transient resolver failure,
 * a timeout or SERVFAIL, tor's exits report as TIMEOUT). Tor would still ask two more exits, each on a new
 * circuit (it marks the failed one unusable for new streams), and wait 10-15 s on any exit that stays silent,
 * so its answer came anywhere from at once to past the connect timeout; torgate answers on the first exit's
 * word. Other reasons (exit policy, a refused or timed-out connection, a circuit torn down) are ones tor rightly
 * retries elsewhere, or answers itself.
 */
final class ExitVerdict {

    private ExitVerdict() {
    }

    static Optional<UpstreamCause> of(String remoteReason) {
        return "RESOLVEFAILED".equals(remoteReason) ? Optional.of(UpstreamCause.DNS_ERROR) : Optional.empty();
    }
}
