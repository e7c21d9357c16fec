package io.torgate.torpool.control;

import java.util.Objects;
import java.util.Optional;

/**
 * How far tor has bootstrapped, from {@code GETINFO status/bootstrap-phase} or a {@code STATUS_CLIENT}
 * BOOTSTRAP event (same syntax): {@code NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY="Done"}. A WARN
 * line carries tor's complaint (e.g. {@code WARNING="Connection refused" REASON=CONNECTREFUSED}).
 *
 * @param progress 0–100
 * @param tag      tor's phase tag, e.g. {@code conn}, {@code handshake}, {@code done}
 * @param summary  tor's human phrase for the phase
 * @param warning  tor's warning when the line was a WARN, e.g. "Connection refused"
 */
public record BootstrapStatus(int progress, String tag, String summary, Optional<String> warning) {

    public static final BootstrapStatus UNKNOWN = new BootstrapStatus(0, "unknown", "not yet known", Optional.empty());

    public BootstrapStatus {
        if (progress < 0 || progress > 100) {
            throw new IllegalArgumentException("bootstrap progress out of range: " + progress);
        }
        Objects.requireNonNull(tag, "tag");
        Objects.requireNonNull(summary, "summary");
        Objects.requireNonNull(warning, "warning");
    }

    /**
     * Parses {@code SEVERITY BOOTSTRAP PROGRESS=… TAG=… SUMMARY=…}; empty when the line is another kind of
     * client status (CIRCUIT_ESTABLISHED, ENOUGH_DIR_INFO, …) or has no readable progress.
     */
    public static Optional<BootstrapStatus> parse(String line) {
        ControlLine l = ControlLine.parse(line);
        if (!l.arg(1).map("BOOTSTRAP"::equalsIgnoreCase).orElse(false)) {
            return Optional.empty();
        }
        int progress;
        try {
            progress = Integer.parseInt(l.keyword("PROGRESS").orElse(""));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (progress < 0 || progress > 100) {
            return Optional.empty();
        }
        boolean warn = l.arg(0).map("WARN"::equalsIgnoreCase).orElse(false);
        return Optional.of(new BootstrapStatus(progress, l.keyword("TAG").orElse(""), l.keyword("SUMMARY").orElse(""),
                warn ? Optional.of(l.keyword("WARNING").orElse(l.keyword("REASON").orElse("warning"))) : Optional.empty()));
    }

    public boolean isDone() {
        return progress == 100;
    }

    @Override
    public String toString() {
        return progress + "% (" + tag + "): " + summary + warning.map(w -> " [warning: " + w + "]").orElse("");
    }
}
