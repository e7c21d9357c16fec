/**
 * The pool of tor instances and the router in front of it.
 * <p>
 * {@link io.torgate.torpool.pool.TorPool} starts, stops and (up to its max size) grows the instances.
 * {@link io.torgate.torpool.pool.TorPoolRouter} is the gateway's {@code Router}: each instance runs with an
 * {@link io.torgate.torpool.pool.ExitProfile} (any exit, a group of exits, or one exit, set as
 * {@code ExitNodes}/{@code StrictNodes} over its control port), and each request goes to an instance whose
 * profile fits it — re-profiling an idle instance, least recently used first, or starting one more when none
 * fits. Sticky sessions (user + session id) get an isolation credential of their own, so tor keeps each on its
 * own circuit; strict sessions are pinned to one exit and fail with 0x04 rather than switch; every tunnel's
 * exit is learned from tor's STREAM events and checked against the profile it was routed under. The sessions
 * are listed, rotated and removed through {@link io.torgate.torpool.session.Sessions}.
 * <p>
 * Internals are package-private: {@code ExitRouting} (decisions under one lock, control-port work completing
 * later), {@code Slot} (per-instance state), {@code Session}, {@code ExitCatalog} (the node directory as
 * routing reads it), {@code PinnedExitWatch} and {@code ExitHealth} (exits whose circuits keep failing),
 * {@code PoolConsensusView} (the tors' consensus, attached to the directory).
 */
package io.torgate.torpool.pool;
