package io.torgate.torpool.pool;

import io.torgate.gateway.RoutingException;
import io.torgate.gateway.SocksReply;
import java.util.Optional;

/**
 * tor's extended SOCKS5 errors for onion services (torspec socks-extensions, {@code ExtendedErrors} on the
 * SocksPort), answered to the client as a standard reply with the reason in words: most SOCKS5 clients know only
 * 0x00–0x08, and an HTTP client deserves to read why.
 */
final class OnionErrors {

    private OnionErrors() {
    }

    static Optional<RoutingException> explain(int code) {
        return Optional.ofNullable(switch (code) {
            case 0xF0 -> unreachable("onion_not_found", "the onion service's descriptor was not found: the service is"
                    + " offline or the name is wrong (tor's 0xF0)");
            case 0xF1 -> unreachable("onion_descriptor_invalid", "the onion service's descriptor is invalid (tor's 0xF1)");
            case 0xF2 -> unreachable("onion_intro_failed", "the onion service's introduction points could not be"
                    + " reached (tor's 0xF2)");
            case 0xF3 -> unreachable("onion_rendezvous_failed", "the rendezvous with the onion service failed (tor's 0xF3)");
            case 0xF4 -> new RoutingException(SocksReply.NOT_ALLOWED_BY_RULESET, "onion_auth_missing",
                    "the onion service requires client authorization, which this gateway does not have (tor's 0xF4)");
            case 0xF5 -> new RoutingException(SocksReply.NOT_ALLOWED_BY_RULESET, "onion_auth_wrong",
                    "the onion service refused this gateway's client authorization (tor's 0xF5)");
            case 0xF6 -> unreachable("onion_name_invalid", "tor found the onion name invalid (tor's 0xF6)");
            case 0xF7 -> new RoutingException(SocksReply.TTL_EXPIRED, "onion_intro_timeout",
                    "the onion service's introduction timed out (tor's 0xF7)");
            default -> null;
        });
    }

    private static RoutingException unreachable(String reason, String detail) {
        return new RoutingException(SocksReply.HOST_UNREACHABLE, reason, detail);
    }
}
