package io.torgate.gateway;

import io.netty.util.NetUtil;

/** Parses a CONNECT request-target (authority-form, RFC 9110 §9.3.6): {@code host:port} or {@code [v6]:port}. */
final class HttpTarget {

    private HttpTarget() {
    }

    /** @throws IllegalArgumentException naming what is wrong with the target */
    static Destination parse(String target) {
        int colon = target.lastIndexOf(':');
        if (colon <= 0 || colon == target.length() - 1) {
            throw new IllegalArgumentException("expected host:port");
        }
        String host = target.substring(0, colon);
        int port = port(target.substring(colon + 1));
        if (host.startsWith("[") && host.endsWith("]")) {
            String v6 = host.substring(1, host.length() - 1);
            if (!NetUtil.isValidIpV6Address(v6)) {
                throw new IllegalArgumentException("'" + v6 + "' is not an IPv6 address");
            }
            return new Destination(v6, port, Destination.Kind.IPV6);
        }
        if (NetUtil.isValidIpV4Address(host)) {
            return new Destination(host, port, Destination.Kind.IPV4);
        }
        if (!isHostName(host)) {
            throw new IllegalArgumentException("'" + host + "' is not a host name");
        }
        return new Destination(host, port, Destination.Kind.DOMAIN);
    }

    private static int port(String text) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("port '" + text + "' is not a number");
        }
        int port = Integer.parseInt(text);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range 1-65535");
        }
        return port;
    }

    /** Letters, digits, '-', '_' and '.', at most 255 characters (the SOCKS5 DOMAINNAME limit). */
    private static boolean isHostName(String host) {
        if (host.isEmpty() || host.length() > 255) {
            return false;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
