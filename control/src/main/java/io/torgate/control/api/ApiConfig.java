package io.torgate.control.api;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the control API listens and the bearer token it requires. Made with {@link #builder()}.
 * The token is never printed: {@link #toString()} says only whether there is one.
 */
public final class ApiConfig {

    /** Shorter tokens are refused: the API can scale the pool and open proxies. */
    public static final int MIN_TOKEN_LENGTH = 16;
    public static final InetSocketAddress DEFAULT_LISTEN = new InetSocketAddress("127.0.0.1", 8080);

    private final InetSocketAddress listen;
    private final String token;
    private final int threads;

    private ApiConfig(Builder b) {
        this.listen = b.listen;
        this.token = b.token;
        this.threads = b.threads;
    }

    public static Builder builder() {
        return new Builder();
    }

    public InetSocketAddress listen() {
        return listen;
    }

    public Optional<String> token() {
        return Optional.ofNullable(token);
    }

    public int threads() {
        return threads;
    }

    /**
     * Refuses an API anyone on the network could drive: off loopback a token is required. A token, when given,
     * must be at least {@link #MIN_TOKEN_LENGTH} characters without whitespace.
     *
     * @throws ApiStartException (a config error) saying why
     */
    public void checkSafe() throws ApiStartException {
        if (listen.isUnresolved()) {
            throw new ApiStartException("API address '" + listen.getHostString() + "' is not an IP address;"
                    + " give an IP such as 127.0.0.1", true, null);
        }
        if (token != null && (token.length() < MIN_TOKEN_LENGTH || !token.chars().noneMatch(Character::isWhitespace))) {
            throw new ApiStartException("the API token must be at least " + MIN_TOKEN_LENGTH
                    + " characters without spaces (it has " + token.length() + ")", true, null);
        }
        if (token == null && !listen.getAddress().isLoopbackAddress()) {
            throw new ApiStartException("refusing to serve the control API on " + hostPort(listen)
                    + " without a token: anyone who can reach it could scale the pool and open proxies."
                    + " Set --api-token or TORGATE_API_TOKEN, or listen on a loopback address such as 127.0.0.1",
                    true, null);
        }
    }

    static String hostPort(InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    @Override
    public String toString() {
        return "ApiConfig[" + hostPort(listen) + ", " + (token == null ? "no token" : "token set") + "]";
    }

    public static final class Builder {
        private InetSocketAddress listen = DEFAULT_LISTEN;
        private String token;
        private int threads = 4;

        private Builder() {
        }

        public Builder listen(InetSocketAddress listen) {
            this.listen = Objects.requireNonNull(listen, "listen");
            return this;
        }

        /** Null or empty = no token. */
        public Builder token(String token) {
            this.token = token == null || token.isEmpty() ? null : token;
            return this;
        }

        public Builder threads(int threads) {
            if (threads < 1 || threads > 64) {
                throw new IllegalArgumentException("API threads must be 1-64, got " + threads);
            }
            this.threads = threads;
            return this;
        }

        public ApiConfig build() {
            return new ApiConfig(this);
        }
    }
}
