package io.torgate.bench.load;

import io.torgate.gateway.ConnectRequest;
import io.torgate.gateway.GatewayListener;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * torgate's own share of each connection, from its {@link GatewayListener} hooks: the client handshake (accept →
 * CONNECT request), the upstream (routing decision → upstream's CONNECT reply, which contains tor's own stream
 * set-up) and the admission (upstream reply → client answered). Collected per measuring phase; event loops add,
 * the bench reads between phases.
 */
final class GatewayShare implements GatewayListener {

    private final List<Double> handshake = new ArrayList<>();
    private final List<Double> upstream = new ArrayList<>();
    private final List<Double> admission = new ArrayList<>();

    @Override
    public synchronized void handshakeCompleted(ConnectRequest.Protocol protocol, long nanos) {
        handshake.add(nanos / 1e6);
    }

    @Override
    public synchronized void upstreamConnected(long nanos) {
        upstream.add(nanos / 1e6);
    }

    @Override
    public synchronized void upstreamAdmitted(long nanos) {
        admission.add(nanos / 1e6);
    }

    synchronized void reset() {
        handshake.clear();
        upstream.clear();
        admission.clear();
    }

    /** p50/p90/p99 (ms) of each part since the last reset. */
    synchronized Map<String, Object> summary() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("client_handshake_ms", TorPairedLatency.percentiles(handshake));
        out.put("upstream_connect_ms", TorPairedLatency.percentiles(upstream));
        out.put("admission_ms", TorPairedLatency.percentiles(admission));
        return out;
    }
}
