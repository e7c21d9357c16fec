/**
 * Sticky sessions of a tor pool as callers outside the data path see them (the REST API, tests): what each
 * session is held to, which exit its connections actually used (learned from tor's own circuit and stream
 * events), and the operations list / get / rotate / remove. The implementation lives with the router in
 * {@code io.torgate.torpool.pool}; obtain it from {@code TorPoolRouter.sessions()}.
 */
package io.torgate.torpool.session;
