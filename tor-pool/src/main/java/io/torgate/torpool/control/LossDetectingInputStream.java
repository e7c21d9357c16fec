package io.torgate.torpool.control;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * Reports end-of-stream or a read error of the control socket once. jtorctl's reader thread just dies on
 * either (and on a broken socket it leaves callers waiting), so this is how loss is noticed without polling.
 */
final class LossDetectingInputStream extends FilterInputStream {

    private final Consumer<String> onLoss;
    private volatile boolean reported;

    LossDetectingInputStream(InputStream in, Consumer<String> onLoss) {
        super(in);
        this.onLoss = onLoss;
    }

    @Override
    public int read() throws IOException {
        try {
            int b = super.read();
            if (b < 0) {
                report("tor closed the control connection");
            }
            return b;
        } catch (IOException e) {
            report("control connection broke: " + e.getMessage());
            throw e;
        }
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        try {
            int n = super.read(buf, off, len);
            if (n < 0) {
                report("tor closed the control connection");
            }
            return n;
        } catch (IOException e) {
            report("control connection broke: " + e.getMessage());
            throw e;
        }
    }

    private void report(String why) {
        if (!reported) {
            reported = true;
            onLoss.accept(why);
        }
    }
}
