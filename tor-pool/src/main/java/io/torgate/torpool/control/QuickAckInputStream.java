package io.torgate.torpool.control;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import jdk.net.ExtendedSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acknowledges what tor sent on its control connection at once (Linux {@code TCP_QUICKACK}, re-armed after every
 * read: the kernel leaves quick-ack mode by itself). tor does not set TCP_NODELAY on control connections, so an
 * event it writes while an earlier one is unacknowledged waits for our ACK, which an interactive connection delays
 * by ~40 ms. With streams left for torgate to attach, that hit every sequential connection: a stream's NEW event
 * written after the previous stream's CLOSED waited for the delayed ACK (testnet: connect through a built circuit
 * p50 44 ms). Where the option is missing (not Linux) this does nothing.
 */
final class QuickAckInputStream extends FilterInputStream {

    private static final Logger log = LoggerFactory.getLogger(QuickAckInputStream.class);

    private final Socket socket;
    private volatile boolean enabled;

    QuickAckInputStream(InputStream in, Socket socket) {
        super(in);
        this.socket = socket;
        this.enabled = socket.supportedOptions().contains(ExtendedSocketOptions.TCP_QUICKACK);
        rearm();
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        rearm();
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n > 0) {
            rearm();
        }
        return n;
    }

    private void rearm() {
        if (!enabled) {
            return;
        }
        try {
            socket.setOption(ExtendedSocketOptions.TCP_QUICKACK, true);
        } catch (IOException | UnsupportedOperationException e) {
            enabled = false; // closed, or refused: nothing to gain from trying again
            log.debug("TCP_QUICKACK on tor's control connection: {}", e.toString());
        }
    }
}
