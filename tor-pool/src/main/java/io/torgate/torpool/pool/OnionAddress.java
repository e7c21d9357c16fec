package io.torgate.torpool.pool;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Optional;

/**
 * What is wrong with a {@code .onion} host name, checked before tor is asked (rend-spec-v3 §6): the label before
 * {@code .onion} (subdomains are allowed and ignored) must be 56 base32 characters encoding a 32-byte public key,
 * a 2-byte checksum ({@code SHA3-256(".onion checksum" | pubkey | version)[:2]}) and version 3. Older v2 names
 * (16 characters) are no longer served by tor.
 */
final class OnionAddress {

    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

    private OnionAddress() {
    }

    /** Empty when {@code host} is a well-formed v3 onion name; otherwise why it is not. */
    static Optional<String> problem(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        String[] labels = h.split("\\.");
        if (labels.length < 2 || !labels[labels.length - 1].equals("onion")) {
            return Optional.of("not an onion name");
        }
        String id = labels[labels.length - 2];
        if (id.length() == 16) {
            return Optional.of("'" + id + ".onion' is a v2 onion name; tor serves only v3 (56 characters)");
        }
        if (id.length() != 56) {
            return Optional.of("an onion name has 56 characters before .onion, this one has " + id.length());
        }
        byte[] raw = new byte[35];
        long buffer = 0;
        int bits = 0;
        int out = 0;
        for (int i = 0; i < id.length(); i++) {
            int v = ALPHABET.indexOf(id.charAt(i));
            if (v < 0) {
                return Optional.of("an onion name is base32 (a-z, 2-7); '" + id.charAt(i) + "' is not");
            }
            buffer = buffer << 5 | v;
            bits += 5;
            if (bits >= 8) {
                bits -= 8;
                raw[out++] = (byte) (buffer >> bits);
            }
        }
        if (raw[34] != 3) {
            return Optional.of("unknown onion name version " + (raw[34] & 0xff) + " (tor serves version 3)");
        }
        byte[] digest;
        try {
            MessageDigest sha3 = MessageDigest.getInstance("SHA3-256");
            sha3.update(".onion checksum".getBytes(StandardCharsets.US_ASCII));
            sha3.update(raw, 0, 32);
            sha3.update((byte) 3);
            digest = sha3.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA3-256 is part of every Java platform since 9", e);
        }
        if (digest[0] != raw[32] || digest[1] != raw[33]) {
            return Optional.of("the onion name's checksum does not match (a typo?)");
        }
        return Optional.empty();
    }
}
