package io.torgate.gateway.testing;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.SplittableRandom;

/** Deterministic pseudo-random bytes for bulk transfers, with the SHA-256 of everything produced so far. */
public final class PatternStream {

    private final SplittableRandom random;
    private final MessageDigest digest = sha256();

    public PatternStream(long seed) {
        random = new SplittableRandom(seed);
    }

    /** Fills the buffer with the next bytes of the stream and adds them to the digest. */
    public void fill(byte[] buffer, int length) {
        ByteBuffer view = ByteBuffer.wrap(buffer, 0, length);
        while (view.remaining() >= Long.BYTES) {
            view.putLong(random.nextLong());
        }
        while (view.hasRemaining()) {
            view.put((byte) random.nextInt());
        }
        digest.update(buffer, 0, length);
    }

    public byte[] digest() {
        return digest.digest();
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
