package io.torgate.torpool.testnet;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Asks an authority's DirPort which relay descriptors it holds ({@code GET /tor/server/all}), so start-up
 * can see when every relay has uploaded and name the ones that have not.
 */
final class DirectoryProbe {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    /** Fingerprints of the descriptors {@code authority} serves; empty if it does not answer (yet). */
    Set<String> descriptors(RelaySpec authority) {
        URI uri = URI.create("http://" + authority.address() + ":" + authority.dirPort() + "/tor/server/all");
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString(java.nio.charset.StandardCharsets.ISO_8859_1));
            if (r.statusCode() != 200) {
                return Set.of();
            }
            Set<String> out = new HashSet<>();
            for (String line : r.body().split("\n")) {
                if (line.startsWith("fingerprint ")) {
                    out.add(line.substring("fingerprint ".length()).replace(" ", "").strip().toUpperCase(Locale.ROOT));
                }
            }
            return out;
        } catch (IOException e) {
            return Set.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Set.of();
        }
    }
}
