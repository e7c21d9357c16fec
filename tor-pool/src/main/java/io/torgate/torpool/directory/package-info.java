/**
 * The node directory: which exit relays exist, where they are and where their traffic leaves from, as the
 * Onionoo service describes them.
 *
 * <p>{@link io.torgate.torpool.directory.NodeDirectory} is the entry point. It fetches Onionoo's
 * {@code details} document for running exits (gzip, {@code If-Modified-Since}), keeps it in a SQLite file
 * ({@code nodes.db}, WAL mode, schema versioned with {@code PRAGMA user_version}) and serves lookups from an
 * immutable in-memory copy that is swapped whole after each committed refresh.
 *
 * <p>Failure policy, in short:
 * <ul>
 * <li>A refresh that fails in any way (no connection, timeout, 5xx, a body that is not an Onionoo document,
 *     a store error) changes nothing: the last good directory stays, the failure is counted under a
 *     {@link io.torgate.torpool.directory.FailureReason}, logged once per streak, and retried with backoff.</li>
 * <li>Individual bad records inside a good document are skipped and counted; more bad than good records, or
 *     none usable, fails the refresh instead (see {@code OnionooParser}).</li>
 * <li>An unreadable database file is moved aside as {@code nodes.db.corrupt-<time>} and rebuilt empty.</li>
 * <li>An attached {@link io.torgate.torpool.directory.ConsensusView} hides exits a running tor does not list;
 *     when the view is empty or fails, exits are not cross-checked rather than all hidden.</li>
 * </ul>
 */
package io.torgate.torpool.directory;
