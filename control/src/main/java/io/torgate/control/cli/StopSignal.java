package io.torgate.control.cli;

import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * Waits for SIGTERM or SIGINT.
 * <p>
 * Handling the signals ourselves (rather than only in a shutdown hook) lets the main thread drain the gateway
 * and then return exit status 0: when a JVM is stopped by a signal through its default handler, the status
 * is 128 + the signal number whatever the hooks do, and a hook may not call {@code System.exit}.
 * <p>
 * A second signal while draining means "now": the process halts at once with status 128 + signal number,
 * as an impatient Ctrl-C expects.
 */
final class StopSignal {

    private final CountDownLatch received = new CountDownLatch(1);
    private volatile String name;

    private StopSignal() {
    }

    /** Replaces the JVM's TERM and INT handlers; from now on those signals only wake {@link #await()}. */
    static StopSignal install() {
        StopSignal stop = new StopSignal();
        for (String signal : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(signal), stop::received);
        }
        return stop;
    }

    private void received(Signal s) {
        if (received.getCount() == 0) {
            Runtime.getRuntime().halt(128 + s.getNumber());
        }
        name = "SIG" + s.getName();
        received.countDown();
    }

    /** True once a signal has arrived. */
    boolean received() {
        return received.getCount() == 0;
    }

    /** Blocks until a signal arrives; returns its name, e.g. {@code SIGTERM}. */
    String await() throws InterruptedException {
        received.await();
        return name;
    }
}
