package io.torgate.control.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Map;

/**
 * Checks {@code Authorization: Bearer TOKEN}. Compares SHA-256 digests in constant time, so neither the
 * token's content nor its length leaks through timing. The token itself is never logged or echoed.
 */
final class BearerToken {

    private static final Map<String, String> CHALLENGE = Map.of("WWW-Authenticate", "Bearer realm=\"torgate\"");

    private final byte[] digest;

    BearerToken(String token) {
        this.digest = sha256(token);
    }

    /** Passes, or throws 401 saying what was wrong (missing, malformed, wrong) without quoting anything. */
    void check(String authorizationHeader) {
        if (authorizationHeader == null) {
            throw new ApiException(401, "unauthorized",
                    "this API needs a token: send 'Authorization: Bearer <token>'", CHALLENGE);
        }
        String h = authorizationHeader.strip();
        if (h.length() < 7 || !h.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            throw new ApiException(401, "unauthorized",
                    "the Authorization header must be 'Bearer <token>'", CHALLENGE);
        }
        if (!MessageDigest.isEqual(digest, sha256(h.substring(7).strip()))) {
            throw new ApiException(401, "unauthorized", "the token is not valid", CHALLENGE);
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
