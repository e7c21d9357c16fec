package io.torgate.torpool.pool;

import io.torgate.torpool.instance.TorInstance;
import java.util.Objects;

/**
 * A READY instance offered to an {@link InstanceSelector}, with how many tunnels it carries right now.
 *
 * @param instance    the instance (READY when offered; it may change state at any moment after)
 * @param liveTunnels established tunnels through it that have not closed yet
 */
public record Candidate(TorInstance instance, int liveTunnels) {
    public Candidate {
        Objects.requireNonNull(instance, "instance");
    }

    public String name() {
        return instance.name();
    }
}
