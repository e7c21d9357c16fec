package io.torgate.torpool.directory;

import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the router status entries of a consensus into relay fingerprints.
 *
 * <p>Each entry starts with an "r" line (dir-spec §3.4.1):
 * {@code r nickname IDENTITY DIGEST published-date published-time IP ORPort DirPort} where IDENTITY is the
 * relay's 20-byte RSA identity digest in base64 without its trailing "=". The microdesc flavour has no DIGEST,
 * but IDENTITY stays the third token in both, so this parser only relies on that position.
 */
public final class ConsensusFingerprints {

    private static final Logger log = LoggerFactory.getLogger(ConsensusFingerprints.class);
    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    /** 20 bytes are 27 base64 characters without padding. */
    private static final int IDENTITY_B64_LENGTH = 27;
    private static final int IDENTITY_BYTES = 20;

    private ConsensusFingerprints() {
    }

    /**
     * Parses the value of {@code GETINFO ns/all} (or a whole cached-consensus file). It accepts the control
     * port's framing too: {@code 250+ns/all=} before, {@code .} and {@code 250 OK} after, CRLF or LF line ends,
     * dot-stuffed lines. "r" lines that cannot be read are skipped and counted in a debug log line, so one odd
     * entry does not hide the whole consensus.
     *
     * @return upper-case 40-hex fingerprints in document order, unmodifiable
     */
    public static Set<String> fromNsAll(String nsAll) {
        Set<String> fingerprints = new LinkedHashSet<>();
        int bad = 0;
        for (String raw : nsAll.split("\r?\n")) {
            String line = raw.startsWith("..") ? raw.substring(1) : raw;
            if (!line.startsWith("r ")) {
                continue;
            }
            String fp = identityOf(line);
            if (fp == null) {
                bad++;
            } else {
                fingerprints.add(fp);
            }
        }
        if (bad > 0) {
            log.debug("skipped {} unreadable 'r' lines of {} in ns/all", bad, bad + fingerprints.size());
        }
        return Collections.unmodifiableSet(fingerprints);
    }

    /** The fingerprint named by one "r" line, or null when the line is not a readable router status. */
    static String identityOf(String rLine) {
        String[] t = rLine.strip().split("\\s+");
        // "r" nickname identity [digest] date time ip orport dirport: 8 tokens in microdesc flavour, 9 in ns.
        if (t.length < 8 || !t[0].equals("r")) {
            return null;
        }
        return base64IdentityToHex(t[2]);
    }

    /** Decodes an unpadded (or padded) base64 identity digest to 40 upper-case hex; null if it is not one. */
    static String base64IdentityToHex(String b64) {
        String s = b64.endsWith("=") ? b64.substring(0, b64.length() - 1) : b64;
        if (s.length() != IDENTITY_B64_LENGTH) {
            return null;
        }
        try {
            byte[] digest = Base64.getDecoder().decode(s + "=");
            return digest.length == IDENTITY_BYTES ? HEX.formatHex(digest) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
