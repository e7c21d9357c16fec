package io.torgate.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * RSS (VmRSS in /proc/PID/status) and PSS (/proc/PID/smaps_rollup) of a process and all its descendants: Dante
 * forks worker processes, and their memory is part of the server's.
 */
final class ProcessMemory implements MemoryProbe {

    private final long pid;

    ProcessMemory(long pid) {
        this.pid = pid;
    }

    @Override
    public Sample sample() throws IOException {
        List<Long> pids = new ArrayList<>();
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent(p -> p.descendants().forEach(d -> pids.add(d.pid())));
        long rss = 0;
        long pss = 0;
        int counted = 0;
        for (long p : pids) {
            try {
                rss += kilobytes(Path.of("/proc", Long.toString(p), "status"), "VmRSS:") * 1024;
                pss += kilobytes(Path.of("/proc", Long.toString(p), "smaps_rollup"), "Pss:") * 1024;
                counted++;
            } catch (NoSuchFileException gone) {
                // a worker that exited between listing and reading: it holds no memory any more
            }
        }
        if (counted == 0) {
            throw new IOException("process " + pid + " is not running");
        }
        return new Sample(rss, pss, -1, -1, counted);
    }

    /** The value of a "Name:   1234 kB" line. */
    static long kilobytes(Path file, String field) throws IOException {
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith(field)) {
                String[] parts = line.substring(field.length()).trim().split("\\s+");
                return Long.parseLong(parts[0]);
            }
        }
        throw new IOException("no " + field + " in " + file);
    }

    static long ownPid() {
        return ProcessHandle.current().pid();
    }
}
