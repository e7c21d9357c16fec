package io.torgate.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TorPairedLatencyTest {

    @Test
    void markdownHasOneRowPerClientKindWithTheMedianPairDifferenceAndItsInterval() {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("environment", Map.of("date", "2026-11-23T08:35:00Z", "cpu", "AMD EPYC", "cores", 2));
        report.put("loadavg_before", "2.37");
        report.put("loadavg_after", "1.88");
        report.put("paired_java_client", Map.of("1_clients", result(1500, 0.547, 0.502, 0.602, 0.779)));
        report.put("paired_curl_sequential", result(100, 0.533, 0.208, 0.737, 0.66));

        String md = TorPairedLatency.markdown(report, Path.of("bench/results/x-tor-paired.json"));

        assertThat(md).contains("load average before/after: 2.37 / 1.88 · `bench/results/x-tor-paired.json`");
        assertThat(md).contains("| 1 (Java) | 1500 | 2.00 / 4.50 / 42.30 | 2.60 / 6.20 / 44.00 | **+0.55** (+0.50 … +0.60)"
                + " | 78 % |");
        assertThat(md).contains("| 1 (curl) | 100 | 2.00 / 4.50 / 42.30 | 2.60 / 6.20 / 44.00 | **+0.53** (+0.21 … +0.74)"
                + " | 66 % |");
    }

    private static Map<String, Object> result(int pairs, double median, double low, double high, double slower) {
        Map<String, Object> socks = new LinkedHashMap<>();
        socks.put("tor", Map.of("p50", 2.0, "p90", 4.5, "p99", 42.3));
        socks.put("torgate", Map.of("p50", 2.6, "p90", 6.2, "p99", 44.0));
        socks.put("pair_difference_median", median);
        socks.put("pair_difference_median_ci95", List.of(low, high));
        socks.put("torgate_slower_share", slower);
        return Map.of("pairs", pairs, "socks_ms", socks);
    }
}
