package io.torgate.torpool.circuit;

import java.util.List;
import java.util.Objects;

/** A three-hop path: the instance's guard, a middle, the exit. */
public record Path(Node guard, Node middle, Node exit) {

    public Path {
        Objects.requireNonNull(guard, "guard");
        Objects.requireNonNull(middle, "middle");
        Objects.requireNonNull(exit, "exit");
    }

    public List<Node> hops() {
        return List.of(guard, middle, exit);
    }

    /** As {@code EXTENDCIRCUIT 0} takes it: {@code FP,FP,FP}. */
    public String extendArgument() {
        return guard.fingerprint() + "," + middle.fingerprint() + "," + exit.fingerprint();
    }

    @Override
    public String toString() {
        return guard + "," + middle + "," + exit;
    }
}
