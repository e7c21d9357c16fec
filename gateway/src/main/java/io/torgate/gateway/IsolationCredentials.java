package io.torgate.gateway;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Derives the SOCKS5 username/password torgate sends to a Tor SocksPort so that Tor's IsolateSOCKSAuth puts
 * different users and sessions on different circuits, and the same user+session on the same one.
 * <p>
 * The username is an HMAC-SHA256, under a secret of this instance, of the request's user, session and exit
 * options ({@code tg-} + 32 hex characters): stable for equal requests, unrelated for different ones, and
 * meaningless to anyone reading tor's logs or control-port events. {@code rotate-each} mixes in a random nonce,
 * so every connection gets a credential of its own. The client's password is never part of it.
 */
public final class IsolationCredentials {

    /** The pair to send upstream; the password is constant, the username carries the isolation key. */
    public record Credential(String username, String password) {
        public Credential {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(password, "password");
        }
    }

    static final String PASSWORD = "torgate";
    private static final String ALGORITHM = "HmacSHA256";
    private static final int SECRET_BYTES = 32;

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    /** @param secret at least 16 bytes; equal secrets derive equal credentials (useful in tests) */
    public IsolationCredentials(byte[] secret) {
        Objects.requireNonNull(secret, "secret");
        if (secret.length < 16) {
            throw new IllegalArgumentException("isolation secret must be at least 16 bytes, got " + secret.length);
        }
        this.key = new SecretKeySpec(secret.clone(), ALGORITHM);
    }

    public static IsolationCredentials withRandomSecret() {
        byte[] secret = new byte[SECRET_BYTES];
        new SecureRandom().nextBytes(secret);
        return new IsolationCredentials(secret);
    }

    public Credential forRequest(RouteRequest request) {
        StringBuilder canonical = new StringBuilder()
                .append("user=").append(request.user())
                .append("\nsession=").append(request.session().orElse(""))
                .append("\ncountries=").append(String.join(",", request.countries()))
                .append("\nexcluded=").append(String.join(",", request.excluded()))
                .append("\nexit=").append(request.exitFingerprint().orElse(""))
                .append("\nmode=").append(request.mode());
        if (request.rotateEach()) {
            byte[] nonce = new byte[16];
            random.nextBytes(nonce);
            canonical.append("\nnonce=").append(HexFormat.of().formatHex(nonce));
        }
        byte[] digest = hmac(canonical.toString());
        return new Credential("tg-" + HexFormat.of().formatHex(digest, 0, 16), PASSWORD);
    }

    private byte[] hmac(String text) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java platform", e);
        }
    }
}
