package io.torgate.gateway;

/**
 * The outcome of a CONNECT, as a SOCKS5 reply code (RFC 1928 §6) and the HTTP status the HTTP CONNECT
 * front door answers with for the same outcome. One table keeps the two front doors consistent.
 */
public enum SocksReply {
    SUCCEEDED(0x00, 200),
    GENERAL_FAILURE(0x01, 502),
    NOT_ALLOWED_BY_RULESET(0x02, 403),
    NETWORK_UNREACHABLE(0x03, 502),
    HOST_UNREACHABLE(0x04, 502),
    CONNECTION_REFUSED(0x05, 502),
    TTL_EXPIRED(0x06, 504),
    COMMAND_NOT_SUPPORTED(0x07, 501),
    ADDRESS_TYPE_NOT_SUPPORTED(0x08, 502);

    private final byte code;
    private final int httpStatus;

    SocksReply(int code, int httpStatus) {
        this.code = (byte) code;
        this.httpStatus = httpStatus;
    }

    public byte code() {
        return code;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The reply for a code received from an upstream SOCKS5 server; unknown codes are general failures. */
    public static SocksReply of(int code) {
        for (SocksReply r : values()) {
            if (r.code == (byte) code) {
                return r;
            }
        }
        return GENERAL_FAILURE;
    }
}
