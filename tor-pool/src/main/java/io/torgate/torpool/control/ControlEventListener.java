package io.torgate.torpool.control;

/**
 * Hears a tor's events. Called on the control connection's reader thread, in tor's order: implementations
 * must be quick and must never wait on a {@link TorControl} future (the reply they would wait for is read
 * by the very thread they are blocking).
 */
public interface ControlEventListener {

    default void onCircuit(CircuitEvent event) { }

    default void onStream(StreamEvent event) { }

    default void onBootstrap(BootstrapStatus status) { }
}
