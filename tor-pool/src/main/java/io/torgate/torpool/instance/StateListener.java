package io.torgate.torpool.instance;

/**
 * Hears every state change of a {@link TorInstance}, in order, on the instance's supervisor thread: must
 * return quickly and must not wait on the instance (hand blocking work to another thread).
 */
@FunctionalInterface
public interface StateListener {
    void onStateChange(TorInstance instance, InstanceState from, InstanceState to, String reason);
}
