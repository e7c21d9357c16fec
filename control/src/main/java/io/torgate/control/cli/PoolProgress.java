package io.torgate.control.cli;

import io.torgate.torpool.control.BootstrapStatus;
import io.torgate.torpool.instance.InstanceState;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.pool.TorPool;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Shows each tor instance's bootstrap while the pool starts: one redrawn line of progress bars on a
 * terminal, plain lines (only when something changed) otherwise, so logs and pipes stay readable.
 */
final class PoolProgress {

    private static final int BAR = 20;

    private final TorPool pool;
    private final PrintWriter out;
    private final boolean terminal;
    private final Map<String, String> lastShown = new HashMap<>();

    PoolProgress(TorPool pool, PrintWriter out, boolean terminal) {
        this.pool = pool;
        this.out = out;
        this.terminal = terminal;
    }

    /** Is stdout a terminal (so a redrawn line makes sense)? */
    static boolean stdoutIsTerminal() {
        return System.console() != null && System.getenv("TERM") != null && !"dumb".equals(System.getenv("TERM"));
    }

    /**
     * Shows progress until {@code started} completes (or {@code stop} says to give up); returns its result.
     * Waits on the future with a short timeout between redraws: the future, not a timer, ends the wait.
     */
    <T> T follow(CompletableFuture<T> started, java.util.function.BooleanSupplier stop)
            throws InterruptedException, ExecutionException {
        while (true) {
            show();
            try {
                T result = started.get(500, TimeUnit.MILLISECONDS);
                show();
                if (terminal) {
                    out.println();
                    out.flush();
                }
                return result;
            } catch (TimeoutException stillStarting) {
                if (stop.getAsBoolean()) {
                    throw new InterruptedException("stop requested while the tor pool was starting");
                }
            }
        }
    }

    private void show() {
        List<TorInstance> instances = pool.instances();
        if (terminal) {
            StringBuilder line = new StringBuilder("\r");
            for (TorInstance i : instances) {
                line.append(bar(i)).append("  ");
            }
            out.print(line);
            out.flush();
            return;
        }
        for (TorInstance i : instances) {
            String text = describe(i);
            if (!text.equals(lastShown.put(i.name(), text))) {
                out.println("  " + i.name() + ": " + text);
            }
        }
        out.flush();
    }

    static String describe(TorInstance i) {
        InstanceState state = i.state();
        BootstrapStatus b = i.bootstrap();
        return switch (state) {
            case BOOTSTRAPPING, STARTING -> state.name().toLowerCase() + " " + b.progress() + "% (" + b.summary() + ")";
            default -> state.name().toLowerCase();
        };
    }

    static String bar(TorInstance i) {
        int pct = i.state() == InstanceState.READY ? 100 : Math.max(0, Math.min(100, i.bootstrap().progress()));
        int filled = pct * BAR / 100;
        return i.name() + " [" + "#".repeat(filled) + ".".repeat(BAR - filled) + "] "
                + String.format("%3d%%", pct) + " " + i.state().name().toLowerCase();
    }
}
