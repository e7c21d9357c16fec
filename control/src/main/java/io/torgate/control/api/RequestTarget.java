package io.torgate.control.api;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The request target of an API request, parsed by torgate itself from the raw request line: origin-form
 * ({@code /pool/instances/tor-1?grace=2m}) or absolute-form ({@code http://host:port/...}, RFC 9112 §3.2.2).
 * Paths are matched only in their canonical form: no empty segments ({@code //status}, {@code /status/}), no
 * {@code .} or {@code ..} segments, raw or percent-encoded, no encoded {@code /} or {@code \} and no control
 * characters. A non-canonical path is nobody's path (404); nothing is normalised, so no spelling of a path
 * can reach an endpoint that its canonical spelling would not. Parsed only after the token check.
 *
 * @param path     the raw path as sent, for messages (see {@link #printable})
 * @param segments the percent-decoded segments; null when the path is not canonical
 * @param rawQuery the part after {@code ?}, still encoded; null when there is none
 */
record RequestTarget(String path, List<String> segments, String rawQuery) {

    /** @throws ApiException 400 when the target is not a path or its percent-encoding is malformed */
    static RequestTarget parse(String target) {
        String t = stripAbsoluteForm(target);
        if (t.isEmpty() || t.charAt(0) != '/') {
            throw ApiException.badRequest("bad_request", "the request target '" + printable(target)
                    + "' is not a path; send e.g. GET /status");
        }
        int q = t.indexOf('?');
        String path = q < 0 ? t : t.substring(0, q);
        String query = q < 0 ? null : t.substring(q + 1);
        return new RequestTarget(path, canonicalSegments(path), query);
    }

    boolean canonical() {
        return segments != null;
    }

    /** {@code http://host:port/path} → {@code /path}; anything else unchanged. */
    private static String stripAbsoluteForm(String target) {
        String lower = target.toLowerCase(Locale.ROOT);
        int schemeEnd = lower.startsWith("http://") ? 7 : lower.startsWith("https://") ? 8 : -1;
        if (schemeEnd < 0) {
            return target;
        }
        int slash = target.indexOf('/', schemeEnd);
        int question = target.indexOf('?', schemeEnd);
        if (slash < 0 || (question >= 0 && question < slash)) {
            return "/" + (question < 0 ? "" : target.substring(question));
        }
        return target.substring(slash);
    }

    private static List<String> canonicalSegments(String path) {
        List<String> out = new ArrayList<>();
        if (path.equals("/")) {
            return out;
        }
        // -1: keep trailing empty strings, so "/status/" shows its empty last segment.
        String[] raw = path.substring(1).split("/", -1);
        List<String> decoded = new ArrayList<>(raw.length);
        boolean canonical = true;
        for (String r : raw) {
            String d = decode(r); // decoded even when already non-canonical: malformed encoding is always a 400
            decoded.add(d);
            canonical &= !d.isEmpty() && !d.equals(".") && !d.equals("..") && cleanChars(d);
        }
        if (!canonical) {
            return null;
        }
        out.addAll(decoded);
        return out;
    }

    private static boolean cleanChars(String segment) {
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '/' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    /** Strict RFC 3986 percent-decoding as UTF-8 ({@code +} stays {@code +}: this is a path, not a form). */
    private static String decode(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        ByteBuffer bytes = ByteBuffer.allocate(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%') {
                int hi = i + 2 < segment.length() ? Character.digit(segment.charAt(i + 1), 16) : -1;
                int lo = hi < 0 ? -1 : Character.digit(segment.charAt(i + 2), 16);
                if (lo < 0) {
                    throw malformed();
                }
                bytes.put((byte) (hi << 4 | lo));
                i += 2;
            } else if (c < 0x80) {
                bytes.put((byte) c);
            } else {
                throw malformed(); // a request line is ASCII; anything else is not a path we could match
            }
        }
        bytes.flip();
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw malformed();
        }
    }

    private static ApiException malformed() {
        return ApiException.badRequest("bad_request", "malformed percent-encoding in the path");
    }

    /** A client's text in a message: at most 100 characters, printable ASCII only. */
    static String printable(String text) {
        String shortened = text.length() > 100 ? text.substring(0, 100) + "..." : text;
        return shortened.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
