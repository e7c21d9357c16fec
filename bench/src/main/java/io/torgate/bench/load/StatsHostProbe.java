package io.torgate.bench.load;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Reads a {@link TorgateStatsHost}'s stats line. */
final class StatsHostProbe implements MemoryProbe {

    private final InetSocketAddress stats;

    StatsHostProbe(InetSocketAddress stats) {
        this.stats = stats;
    }

    @Override
    public Sample sample() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(stats, 5_000);
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            return parse(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
        }
    }

    static Sample parse(String line) throws IOException {
        Map<String, Long> values = new HashMap<>();
        for (String part : line.split(" ")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                values.put(part.substring(0, eq), Long.parseLong(part.substring(eq + 1)));
            }
        }
        for (String key : new String[] {"pooledDirect", "rss", "pss", "heapAfterGc"}) {
            if (!values.containsKey(key)) {
                throw new IOException("stats line without " + key + ": '" + line + "'");
            }
        }
        return new Sample(values.get("rss"), values.get("pss"), values.get("pooledDirect"), values.get("heapAfterGc"), 1);
    }
}
