package io.torgate.torpool.directory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records every listener call as "refreshed", "unchanged" or "failed:REASON". */
final class RecordingListener implements DirectoryListener {

    final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public void refreshed(RefreshOutcome outcome) {
        calls.add("refreshed");
    }

    @Override
    public void unchanged(RefreshOutcome outcome) {
        calls.add("unchanged");
    }

    @Override
    public void failed(FailureReason reason, RefreshOutcome outcome) {
        if (outcome.reason().orElseThrow() != reason) {
            throw new AssertionError("listener told " + reason + " but the outcome says " + outcome.reason());
        }
        calls.add("failed:" + reason);
    }
}
