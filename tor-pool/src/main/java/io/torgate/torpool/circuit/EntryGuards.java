package io.torgate.torpool.circuit;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The instance's guards as {@code GETINFO entry-guards} lists them ({@code $FP~nick up}, {@code $FP~nick
 * never-connected}, …), in tor's order: the circuits torgate builds start at the first one that fits, as tor's own
 * do, so torgate adds no new entry point to the network's view of this client.
 */
public final class EntryGuards {

    private EntryGuards() {
    }

    /** Fingerprints of the guards tor marks {@code up}, in its order. */
    public static List<String> up(String entryGuards) {
        List<String> out = new ArrayList<>();
        for (String raw : entryGuards.split("\n")) {
            String[] f = raw.strip().split("\\s+");
            if (f.length < 2 || !f[0].startsWith("$") || f[0].length() < 41 || !f[1].equals("up")) {
                continue;
            }
            String fp = f[0].substring(1, 41).toUpperCase(Locale.ROOT);
            if (fp.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                out.add(fp);
            }
        }
        return List.copyOf(out);
    }
}
