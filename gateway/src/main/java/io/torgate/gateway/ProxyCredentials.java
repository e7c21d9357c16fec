package io.torgate.gateway;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/** A {@code Proxy-Authorization: Basic …} header's user and password (RFC 7617). */
record ProxyCredentials(String username, String password) {

    private static final String BASIC = "basic ";

    /** @throws IllegalArgumentException when the header is not well-formed Basic credentials; says why */
    static ProxyCredentials parseBasic(String header) {
        String value = header.trim();
        if (!value.toLowerCase(Locale.ROOT).startsWith(BASIC)) {
            throw new IllegalArgumentException("only the Basic scheme is supported");
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(value.substring(BASIC.length()).trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the credentials are not valid base64");
        }
        String pair = new String(decoded, StandardCharsets.UTF_8);
        int colon = pair.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("the credentials have no ':' between user and password");
        }
        return new ProxyCredentials(pair.substring(0, colon), pair.substring(colon + 1));
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "ProxyCredentials[username=" + username + ", password=***]";
    }
}
