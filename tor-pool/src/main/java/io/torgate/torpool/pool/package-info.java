/**
 * The pool of tor instances and the router in front of it.
 * <p>
 * {@link io.torgate.torpool.pool.TorPool} starts, stops and (up to its max size) grows the instances.
 * {@link io.torgate.torpool.pool.TorPoolRouter} is the gateway's {@code Router}: exits are circuits, not
 * processes. Every instance in service has a {@link io.torgate.torpool.circuit.CircuitStack}
 * ({@link io.torgate.torpool.pool.PoolCircuits}) that builds circuits by tor's path rules and attaches each stream
 * to its isolation key's circuit, so any instance serves every exit, country, pinned exit and session at once.
 * Sticky sessions (user + session id) ride one circuit of their own; strict sessions keep one exit and fail with
 * 0x04 rather than switch; flexible ones keep theirs while it runs. Every tunnel's circuit is confirmed from tor's
 * answers and events before its client is answered. The sessions are listed, rotated and removed through
 * {@link io.torgate.torpool.session.Sessions}.
 * <p>
 * Internals are package-private: {@code CircuitRouting} (decisions under one lock, circuit builds completing
 * later), {@code Session}, {@code SessionControl}, {@code WarmGroups} (which exit groups are kept warm),
 * {@code ExitCatalog} (the node directory as routing reads it), {@code ExitHealth} (exits whose circuits keep
 * failing), {@code PoolConsensusView} (the tors' consensus, attached to the directory).
 */
package io.torgate.torpool.pool;
