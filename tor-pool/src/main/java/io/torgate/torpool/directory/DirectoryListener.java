package io.torgate.torpool.directory;

/**
 * Metrics hooks of a {@link NodeDirectory}, called on its refresh thread after each attempt. Implementations
 * must be quick and must not throw (an exception is logged and otherwise ignored).
 */
public interface DirectoryListener {

    /** A listener that ignores everything. */
    DirectoryListener NONE = new DirectoryListener() {
    };

    /** A new document was fetched and stored. */
    default void refreshed(RefreshOutcome outcome) {
    }

    /** The server said 304 Not Modified: the stored directory is current. */
    default void unchanged(RefreshOutcome outcome) {
    }

    /** The attempt failed; the last good directory is kept. */
    default void failed(FailureReason reason, RefreshOutcome outcome) {
    }
}
