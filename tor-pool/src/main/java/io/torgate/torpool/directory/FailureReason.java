package io.torgate.torpool.directory;

/**
 * Why a refresh did not produce a new directory. A small fixed set, so it can label a metric without
 * unbounded cardinality; the human-readable detail goes into {@link RefreshOutcome#error()}.
 */
public enum FailureReason {
    /** Nothing listens, the host is unreachable, or the connection was reset before an answer. */
    CONNECTION_FAILED,
    /** No complete answer within the configured HTTP timeout. */
    TIMEOUT,
    /** The server answered 5xx. */
    HTTP_SERVER_ERROR,
    /** The server answered a status other than 200, 304 or 5xx (a 4xx, a redirect we do not follow, ...). */
    HTTP_UNEXPECTED_STATUS,
    /** The body (compressed or not) is larger than the configured maximum. */
    BODY_TOO_LARGE,
    /** An unsupported Content-Encoding, or a gzip stream that is corrupt or cut short. */
    BAD_ENCODING,
    /** The body is not JSON: truncated, an HTML error page, binary garbage. */
    MALFORMED_JSON,
    /** JSON, but not an Onionoo details document (no "relays" array, wrong types at the top level). */
    NOT_ONIONOO,
    /** An Onionoo document without a single usable exit, or with more bad records than good ones. */
    NO_USABLE_RELAYS,
    /** The fetched directory could not be written to the SQLite store. */
    STORE_FAILED,
    /** A bug: an exception nobody expected. Logged with its stack trace. */
    INTERNAL
}
