package io.torgate.torpool.pool;

import io.torgate.torpool.circuit.CircuitStack;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Which exit groups every instance keeps warm circuits for: "any" always, and the country groups asked for most
 * recently (at most {@code maxGroups}; the least recently asked one is dropped first), {@code perGroup} built,
 * unused circuits each, towards {@link CircuitRouting#WARM_PORT}. A new session or country then takes a built
 * circuit instead of waiting for one. Guarded by the router's lock.
 */
final class WarmGroups {

    static final String ANY = "any";

    private final int perGroup;
    private final int maxGroups;
    private final Supplier<Collection<CircuitStack>> stacks;
    /** group → its exits, in access order (the eldest is dropped first). */
    private final LinkedHashMap<String, Set<String>> groups = new LinkedHashMap<>(16, 0.75f, true);

    WarmGroups(int perGroup, int maxGroups, Supplier<Collection<CircuitStack>> stacks) {
        if (perGroup < 0 || maxGroups < 0) {
            throw new IllegalArgumentException("warm circuits and groups must be >= 0");
        }
        this.perGroup = perGroup;
        this.maxGroups = maxGroups;
        this.stacks = stacks;
    }

    int perGroup() {
        return perGroup;
    }

    /** Whether the group is kept warm already (without refreshing its place). */
    boolean has(String group) {
        return groups.containsKey(group);
    }

    /** A group was asked for: keep it warm on every instance (its exits may have changed since). */
    void wanted(String group, Set<String> exits) {
        if (perGroup == 0 || maxGroups == 0) {
            return;
        }
        Set<String> before = groups.get(group);
        if (exits.equals(before)) {
            return; // get() above refreshed its place
        }
        groups.put(group, Set.copyOf(exits));
        for (CircuitStack s : stacks.get()) {
            s.circuits().keepWarm(group, exits, CircuitRouting.WARM_PORT, perGroup);
        }
        for (Iterator<Map.Entry<String, Set<String>>> it = groups.entrySet().iterator(); groups.size() > maxGroups; ) {
            String eldest = it.next().getKey();
            it.remove();
            for (CircuitStack s : stacks.get()) {
                s.circuits().keepWarm(eldest, Set.of(), CircuitRouting.WARM_PORT, 0);
            }
        }
    }

    /** A stack opened: it keeps "any" and every group warm from now on. */
    void opened(CircuitStack stack) {
        if (perGroup == 0) {
            return;
        }
        stack.circuits().keepWarm(ANY, Set.of(), CircuitRouting.WARM_PORT, perGroup);
        groups.forEach((group, exits) -> stack.circuits().keepWarm(group, exits, CircuitRouting.WARM_PORT, perGroup));
    }
}
