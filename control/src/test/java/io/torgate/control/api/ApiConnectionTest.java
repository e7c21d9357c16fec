package io.torgate.control.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** HTTP on one API connection: keep-alive, pipelining, Expect: 100-continue, bodies, slow and idle clients. */
class ApiConnectionTest {

    private static final String TOKEN = "s3cret-token-0123456789";
    private static final Duration REQUEST_TIME = Duration.ofMillis(700);

    private ApiServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start(String token) throws ApiStartException {
        Routes routes = new Routes()
                .add("GET", "/status", req -> ApiResponse.ok(Map.of("ok", true)))
                .add("POST", "/echo", req -> ApiResponse.json(201, Map.of("bytes", req.body().length)));
        server = ApiServer.start(ApiConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0)).token(token).build(),
                routes, null, REQUEST_TIME);
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(server.address().getAddress(), server.address().getPort());
        s.setSoTimeout(5_000);
        return s;
    }

    private static void write(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Reads one response (head and Content-Length body) off the stream. */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("connection closed after '" + head + "'");
            }
            head.write(b);
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : h.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return h + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    @Test
    void keepAliveAndPipelinedRequestsAreAnsweredInOrder() throws Exception {
        start(null);
        try (Socket s = connect()) {
            write(s, "GET /status HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                    + "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
            InputStream in = s.getInputStream();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200").contains("\"ok\":true");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 201").contains("\"bytes\":5");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 404").contains("not_found");
            write(s, "GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close");
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void chunkedBodiesAreReadAndOversizedOnesRefused() throws Exception {
        start(null);
        try (Socket s = connect()) {
            write(s, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
            assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 201").contains("\"bytes\":7");
        }
        try (Socket s = connect()) {
            String chunk = Integer.toHexString(40_000) + "\r\n" + "x".repeat(40_000) + "\r\n";
            write(s, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + chunk);
            assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 413").contains("body_too_large");
        }
    }

    @Test
    void expectContinueIsAnsweredAfterTheTokenCheck() throws Exception {
        start(TOKEN);
        try (Socket s = connect()) {
            write(s, "POST /echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                    + "\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
            InputStream in = s.getInputStream();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 100");
            write(s, "abc");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 201").contains("\"bytes\":3");
        }
        // Without the token: the 401 at once, no 100, and the body is never read.
        try (Socket s = connect()) {
            write(s, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
            InputStream in = s.getInputStream();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 401").contains("unauthorized");
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void anUnauthenticatedOversizedBodyIs401NotRead() throws Exception {
        start(TOKEN);
        try (Socket s = connect()) {
            write(s, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n" + "x".repeat(1000));
            assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 401");
        }
    }

    @Test
    void malformedHttpIs400AsJson() throws Exception {
        start(TOKEN);
        try (Socket s = connect()) {
            write(s, "GET /status HTTP/9.x\r\nHost: x\r\n\r\n");
            assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 400").contains("\"error\":\"bad_request\"");
        }
        try (Socket s = connect()) {
            write(s, "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 414");
        }
    }

    @Test
    void aTricklingOrIdleClientIsDisconnectedAfterTheRequestTime() throws Exception {
        start(null);
        try (Socket trickling = connect(); Socket idle = connect()) {
            write(trickling, "GET /status HTTP/1.1\r\n");
            long t0 = System.nanoTime();
            assertThat(trickling.getInputStream().read()).isEqualTo(-1);
            assertThat(idle.getInputStream().read()).isEqualTo(-1);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).isBetween(REQUEST_TIME.toMillis() / 2, REQUEST_TIME.toMillis() + 3_000);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server kept a slow client's connection open", e);
        }
        // Between requests of a kept-alive connection, the same clock runs.
        try (Socket s = connect()) {
            write(s, "GET /status HTTP/1.1\r\nHost: x\r\n\r\n");
            InputStream in = s.getInputStream();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200");
            assertThat(in.read()).isEqualTo(-1);
        }
    }
}
