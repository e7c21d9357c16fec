package io.torgate.torpool.directory;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * Counts of refresh outcomes since the directory was opened.
 *
 * @param refreshed           new documents stored
 * @param unchanged           304 answers
 * @param failuresByReason    failed attempts per reason (every reason present, zero when none)
 * @param consecutiveFailures failures since the last success (0 after a refresh or a 304)
 * @param skippedRecords      invalid records skipped inside otherwise good documents
 */
public record RefreshCounters(long refreshed, long unchanged, Map<FailureReason, Long> failuresByReason,
                              long consecutiveFailures, long skippedRecords) {

    public RefreshCounters {
        EnumMap<FailureReason, Long> all = new EnumMap<>(FailureReason.class);
        for (FailureReason r : FailureReason.values()) {
            all.put(r, failuresByReason.getOrDefault(r, 0L));
        }
        failuresByReason = Collections.unmodifiableMap(all);
    }

    public long failures() {
        return failuresByReason.values().stream().mapToLong(Long::longValue).sum();
    }

    public long failures(FailureReason reason) {
        return failuresByReason.get(reason);
    }
}
