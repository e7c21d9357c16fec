package io.torgate.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * What the load client says to the far end once a tunnel is open, and what counts as a good answer: the
 * harness's own sink ({@link #SINK}), or an HTTP server such as the Tor test network's whoami server.
 */
interface Workload {

    /** A request after which the far end streams until the client closes (or a very long time). */
    ByteBuf bulkRequest(ByteBufAllocator alloc);

    /** A request with a small answer, after which the far end closes. */
    ByteBuf pingRequest(ByteBufAllocator alloc);

    /** Whether {@code bytes} received before the far end closed are a complete answer to the ping. */
    boolean pingAnswered(long bytes);

    /** A request with a small answer after which the connection stays open; null when not supported. */
    ByteBuf holdRequest(ByteBufAllocator alloc);

    /** How many answer bytes mean the hold request was answered. */
    long holdAnswerBytes();

    /**
     * Asks the far end to close first (see {@link SinkProtocol}); null when it cannot be asked, and the client
     * closes itself.
     */
    ByteBuf stopRequest(ByteBufAllocator alloc);

    Workload SINK = new Workload() {
        @Override
        public ByteBuf bulkRequest(ByteBufAllocator alloc) {
            return SinkProtocol.request(alloc, SinkProtocol.DOWNLOAD, Long.MAX_VALUE);
        }

        @Override
        public ByteBuf pingRequest(ByteBufAllocator alloc) {
            return SinkProtocol.request(alloc, SinkProtocol.PING, 42);
        }

        @Override
        public boolean pingAnswered(long bytes) {
            return bytes == SinkProtocol.ANSWER_BYTES;
        }

        @Override
        public ByteBuf holdRequest(ByteBufAllocator alloc) {
            return SinkProtocol.request(alloc, SinkProtocol.HOLD, 7);
        }

        @Override
        public long holdAnswerBytes() {
            return SinkProtocol.ANSWER_BYTES;
        }

        @Override
        public ByteBuf stopRequest(ByteBufAllocator alloc) {
            return alloc.buffer(1).writeByte(SinkProtocol.STOP);
        }

        @Override
        public String toString() {
            return "the sink";
        }
    };

    /**
     * HTTP/1.1 GETs with {@code Connection: close}: {@code /bytes?n=BIG} for bulk, {@code /} for the ping (the
     * server answers and closes). Any answer of at least an HTTP status line counts.
     */
    static Workload http(String hostHeader, long bulkBytes) {
        return new Workload() {
            @Override
            public ByteBuf bulkRequest(ByteBufAllocator alloc) {
                return get(alloc, "/bytes?n=" + bulkBytes);
            }

            @Override
            public ByteBuf pingRequest(ByteBufAllocator alloc) {
                return get(alloc, "/");
            }

            @Override
            public boolean pingAnswered(long bytes) {
                return bytes >= "HTTP/1.1 200 \r\n\r\n".length();
            }

            @Override
            public ByteBuf holdRequest(ByteBufAllocator alloc) {
                return null;
            }

            @Override
            public long holdAnswerBytes() {
                return 0;
            }

            @Override
            public ByteBuf stopRequest(ByteBufAllocator alloc) {
                return null;
            }

            private ByteBuf get(ByteBufAllocator alloc, String path) {
                byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII);
                return alloc.buffer(request.length).writeBytes(request);
            }

            @Override
            public String toString() {
                return "whoami (HTTP, via the exits)";
            }
        };
    }
}
