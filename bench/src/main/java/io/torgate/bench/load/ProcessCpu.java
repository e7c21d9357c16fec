package io.torgate.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * CPU time used so far by a process and its live descendants (user + system, /proc/PID/stat), plus what its
 * exited and reaped children used. CPU per unit of work stays meaningful on a busy machine, where throughput
 * ratios are at the mercy of whatever else runs.
 */
final class ProcessCpu {

    /** Linux reports CPU times in clock ticks of 1/100 s on every mainstream architecture. */
    static final double TICKS_PER_SECOND = 100.0;

    private final long pid;

    ProcessCpu(long pid) {
        this.pid = pid;
    }

    /** CPU seconds so far; NaN when the process is gone. */
    double seconds() {
        try {
            long ticks = ticks(pid, true);
            ProcessHandle root = ProcessHandle.of(pid).orElse(null);
            if (root != null) {
                for (ProcessHandle d : (Iterable<ProcessHandle>) root.descendants()::iterator) {
                    ticks += ticks(d.pid(), false);
                }
            }
            return ticks / TICKS_PER_SECOND;
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    private static long ticks(long pid, boolean withReapedChildren) throws IOException {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (NoSuchFileException gone) {
            return 0;
        }
        // Fields after the command name, which is in parentheses and may contain spaces.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
        if (withReapedChildren) {
            ticks += Long.parseLong(f[13]) + Long.parseLong(f[14]); // cutime, cstime
        }
        return ticks;
    }
}
