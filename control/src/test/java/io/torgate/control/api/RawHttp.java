package io.torgate.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * One request written byte for byte on a plain socket, so the request target reaches the server exactly as
 * typed ({@code //status}, {@code /%2e/status}): the JDK HttpClient normalises paths before sending them.
 */
final class RawHttp {

    private static final ObjectMapper JSON = new ObjectMapper();

    record Response(String head, String body) {
        int status() {
            String[] parts = head.split(" ", 3);
            return Integer.parseInt(parts[1]);
        }

        Optional<String> header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT)
                        .equals(name.toLowerCase(Locale.ROOT))) {
                    return Optional.of(line.substring(colon + 1).trim());
                }
            }
            return Optional.empty();
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + this, e);
            }
        }

        @Override
        public String toString() {
            return head.replace("\r\n", " | ") + " || " + body;
        }
    }

    private RawHttp() {
    }

    /** Sends {@code METHOD TARGET HTTP/1.1} with {@code Connection: close} and the extra header lines given. */
    static Response send(InetSocketAddress server, String method, String target, String... headerLines)
            throws IOException {
        StringBuilder request = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1\r\nConnection: close\r\n");
        for (String h : headerLines) {
            request.append(h).append("\r\n");
        }
        request.append("\r\n");
        try (Socket s = new Socket(server.getAddress(), server.getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int end = all.indexOf("\r\n\r\n");
            if (end < 0) {
                throw new AssertionError("no complete response head for " + method + " " + target + ": '" + all + "'");
            }
            return new Response(all.substring(0, end), all.substring(end + 4));
        }
    }
}
