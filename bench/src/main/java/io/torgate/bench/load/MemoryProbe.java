package io.torgate.bench.load;

import java.io.IOException;

/** Reads a peer's memory now. */
@FunctionalInterface
interface MemoryProbe {

    /**
     * @param rssBytes          resident set size, summed over the peer's processes
     * @param pssBytes          proportional set size (shared pages split between the processes sharing them), -1
     *                          when unknown; the fair sum for a multi-process server such as Dante
     * @param pooledDirectBytes torgate only: pooled direct memory in use by the gateway's allocator, else -1
     * @param heapAfterGcBytes  torgate only: Java heap in use right after a full GC (live objects), else -1
     * @param processes         how many processes were summed
     */
    record Sample(long rssBytes, long pssBytes, long pooledDirectBytes, long heapAfterGcBytes, int processes) {
    }

    Sample sample() throws IOException;
}
