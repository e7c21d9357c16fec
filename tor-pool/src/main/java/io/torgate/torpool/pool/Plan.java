package io.torgate.torpool.pool;

import java.util.concurrent.CompletableFuture;

/** What routing decided for one request: go to an instance now, or come back when something is ready. */
sealed interface Plan permits Plan.Go, Plan.Wait {

    /** Route through this slot now. */
    record Go(Slot slot) implements Plan { }

    /** Plan again when {@code until} completes; {@code slot} (if any) is held for the request meanwhile. */
    record Wait(Slot slot, CompletableFuture<Void> until) implements Plan { }

    /** The slot the plan uses or waits for; null while waiting for a new instance. */
    default Slot slotOrNull() {
        return this instanceof Go go ? go.slot() : ((Wait) this).slot();
    }
}
