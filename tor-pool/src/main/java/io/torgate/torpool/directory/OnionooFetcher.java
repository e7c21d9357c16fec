package io.torgate.torpool.directory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Fetches Onionoo's {@code details} document for running exits with the JDK {@link HttpClient}: gzip on the
 * wire (decompressed here, within the size limit), a conditional GET with {@code If-Modified-Since}, and one
 * deadline for the whole exchange including the body, so a server that trickles bytes cannot stall a refresh.
 */
final class OnionooFetcher {

    /** The fields the directory stores; asking for only these keeps the document small. */
    static final String FIELDS = "nickname,fingerprint,or_addresses,exit_addresses,country,country_name,flags,"
            + "observed_bandwidth,exit_policy_summary,first_seen,last_seen,running";
    static final String QUERY = "type=relay&running=true&flag=Exit&fields=" + FIELDS;

    /** A fetch ended with either a new document or "not modified". */
    sealed interface Result permits NotModified, Document {
    }

    /** 304: the copy we have is current. */
    record NotModified() implements Result {
    }

    /**
     * 200 with a body (already decompressed).
     *
     * @param lastModified the Last-Modified header when it is a valid HTTP date, to send back next time
     */
    record Document(byte[] json, Optional<String> lastModified, long wireBytes) implements Result {
    }

    private final URI detailsUri;
    private final Duration timeout;
    private final long maxBodyBytes;
    private final HttpClient client;

    OnionooFetcher(URI baseUrl, Duration timeout, long maxBodyBytes, Executor executor) {
        this.detailsUri = detailsUri(baseUrl);
        this.timeout = timeout;
        this.maxBodyBytes = maxBodyBytes;
        this.client = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .executor(executor)
                .build();
    }

    static URI detailsUri(URI baseUrl) {
        return URI.create(baseUrl + "/details?" + QUERY);
    }

    URI detailsUri() {
        return detailsUri;
    }

    /**
     * One GET. Blocks the calling thread for at most the configured timeout.
     *
     * @param ifModifiedSince the Last-Modified value of the stored document, if there is one
     */
    Result fetch(Optional<String> ifModifiedSince) throws FetchException, InterruptedException {
        HttpRequest.Builder rb = HttpRequest.newBuilder(detailsUri)
                .GET()
                .timeout(timeout)
                .header("Accept", "application/json")
                .header("Accept-Encoding", "gzip")
                .header("User-Agent", "torgate");
        ifModifiedSince.filter(OnionooFetcher::isHttpDate).ifPresent(v -> rb.header("If-Modified-Since", v));
        CompletableFuture<HttpResponse<byte[]>> future = client.sendAsync(rb.build(), this::bodyFor);
        HttpResponse<byte[]> response;
        try {
            response = future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new FetchException(FailureReason.TIMEOUT, 0, "no complete answer from " + detailsUri.getHost()
                    + " within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        } catch (CancellationException e) {
            throw new FetchException(FailureReason.INTERNAL, 0, "the request was cancelled", e);
        } catch (ExecutionException e) {
            throw classify(e.getCause());
        }
        int status = response.statusCode();
        if (status == 304) {
            return new NotModified();
        }
        if (status >= 500 && status <= 599) {
            throw new FetchException(FailureReason.HTTP_SERVER_ERROR, status, "Onionoo answered HTTP " + status);
        }
        if (status != 200) {
            throw new FetchException(FailureReason.HTTP_UNEXPECTED_STATUS, status, "Onionoo answered HTTP " + status
                    + " (expected 200 or 304)");
        }
        byte[] wire = response.body();
        byte[] json = decode(wire, response.headers().firstValue("Content-Encoding").orElse("identity"), status);
        Optional<String> lastModified = response.headers().firstValue("Last-Modified").filter(OnionooFetcher::isHttpDate);
        return new Document(json, lastModified, wire.length);
    }

    /** Only 200 bodies are read; any other status's body is discarded unread. */
    private HttpResponse.BodySubscriber<byte[]> bodyFor(HttpResponse.ResponseInfo info) {
        if (info.statusCode() != 200) {
            return HttpResponse.BodySubscribers.replacing(new byte[0]);
        }
        long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1);
        return new BoundedBodySubscriber(maxBodyBytes, declared);
    }

    private byte[] decode(byte[] wire, String contentEncoding, int status) throws FetchException {
        String enc = contentEncoding.strip().toLowerCase(Locale.ROOT);
        if (enc.isEmpty() || enc.equals("identity")) {
            return wire;
        }
        if (!enc.equals("gzip") && !enc.equals("x-gzip")) {
            throw new FetchException(FailureReason.BAD_ENCODING, status, "unsupported Content-Encoding '"
                    + contentEncoding + "' (we asked for gzip)");
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(wire))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, wire.length * 4));
            byte[] buf = new byte[16 * 1024];
            long total = 0;
            for (int n; (n = in.read(buf)) >= 0; ) {
                total += n;
                if (total > maxBodyBytes) {
                    throw new FetchException(FailureReason.BODY_TOO_LARGE, status, "the body unzips to more than the limit of "
                            + maxBodyBytes + " bytes");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (EOFException e) {
            throw new FetchException(FailureReason.BAD_ENCODING, status, "the gzip body is cut short", e);
        } catch (ZipException e) {
            throw new FetchException(FailureReason.BAD_ENCODING, status, "the gzip body is corrupt: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new FetchException(FailureReason.BAD_ENCODING, status, "cannot unzip the body: " + e, e);
        }
    }

    private FetchException classify(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof BoundedBodySubscriber.TooLargeException) {
                return new FetchException(FailureReason.BODY_TOO_LARGE, 200, c.getMessage(), t);
            }
            if (c instanceof HttpConnectTimeoutException || c instanceof HttpTimeoutException) {
                return new FetchException(FailureReason.TIMEOUT, 0, "no answer from " + detailsUri.getHost()
                        + " within " + timeout.toMillis() + " ms", t);
            }
            if (c instanceof ConnectException || c instanceof UnresolvedAddressException) {
                return new FetchException(FailureReason.CONNECTION_FAILED, 0, "cannot connect to "
                        + detailsUri.getHost() + ":" + port() + ": " + describe(c), t);
            }
        }
        if (t instanceof IOException) {
            return new FetchException(FailureReason.CONNECTION_FAILED, 0, "the connection to " + detailsUri.getHost()
                    + ":" + port() + " failed: " + describe(t), t);
        }
        return new FetchException(FailureReason.INTERNAL, 0, "unexpected failure fetching " + detailsUri + ": " + t, t);
    }

    private int port() {
        if (detailsUri.getPort() > 0) {
            return detailsUri.getPort();
        }
        return "https".equalsIgnoreCase(detailsUri.getScheme()) ? 443 : 80;
    }

    /** The first message down the cause chain: the JDK client's ConnectException has none, its cause says "Connection refused". */
    private static String describe(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConnectException && (c.getMessage() == null || c.getMessage().isBlank())) {
                return "connection refused"; // what the JDK client's bare ConnectException stands for
            }
            String m = c.getMessage();
            if (m != null && !m.isBlank()) {
                return m;
            }
        }
        return t.getClass().getSimpleName();
    }

    static boolean isHttpDate(String value) {
        try {
            ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }
}
