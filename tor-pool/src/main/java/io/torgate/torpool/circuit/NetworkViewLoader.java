package io.torgate.torpool.circuit;

import io.torgate.torpool.control.TorControl;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Reads a {@link NetworkView} off a running tor instance: its microdescriptor consensus, the microdescriptors of
 * its relays (in batches: one {@code GETINFO md/id/A md/id/B …} per {@link #BATCH} relays) and its
 * {@code EnforceDistinctSubnets}. A relay whose microdescriptor tor does not have yet gets none, which keeps it
 * from being an exit until the next load.
 */
public final class NetworkViewLoader {

    /** Microdescriptors asked for in one GETINFO (one on the public network is ~1 KB). */
    static final int BATCH = 200;

    private NetworkViewLoader() {
    }

    public static CompletableFuture<NetworkView> load(TorControl control) {
        CompletableFuture<String> enforce = control.getConf("EnforceDistinctSubnets");
        return control.getInfo("dir/status-vote/current/consensus-microdesc")
                .thenApply(NetworkView::parseConsensus)
                .thenCompose(consensus -> microdescriptors(control, consensus)
                        .thenCombine(enforce, (mds, distinct) ->
                                NetworkView.build(consensus, mds, !"0".equals(distinct.strip()))));
    }

    private static CompletableFuture<Map<String, NetworkView.Microdescriptor>> microdescriptors(
            TorControl control, NetworkView.Consensus consensus) {
        List<CompletableFuture<Map<String, String>>> batches = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (NetworkView.ConsensusEntry e : consensus.entries()) {
            keys.add("md/id/" + e.fingerprint());
            if (keys.size() == BATCH) {
                batches.add(batch(control, keys));
                keys = new ArrayList<>();
            }
        }
        if (!keys.isEmpty()) {
            batches.add(batch(control, keys));
        }
        return CompletableFuture.allOf(batches.toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<String, NetworkView.Microdescriptor> out = new HashMap<>();
            for (CompletableFuture<Map<String, String>> b : batches) {
                b.join().forEach((key, text) -> out.put(key.substring("md/id/".length()),
                        NetworkView.parseMicrodescriptor(text)));
            }
            return out;
        });
    }

    /**
     * One GETINFO for many relays. tor fails the whole command when it lacks one of them (552), so a failed batch
     * is asked again relay by relay and the missing ones left out.
     */
    private static CompletableFuture<Map<String, String>> batch(TorControl control, List<String> keys) {
        return control.getInfo(keys).exceptionallyCompose(e -> {
            List<CompletableFuture<Map<String, String>>> one = new ArrayList<>();
            for (String k : keys) {
                one.add(control.getInfo(List.of(k)).exceptionally(x -> Map.of()));
            }
            return CompletableFuture.allOf(one.toArray(CompletableFuture[]::new)).thenApply(v -> {
                Map<String, String> out = new HashMap<>();
                one.forEach(f -> out.putAll(f.join()));
                return out;
            });
        });
    }
}
