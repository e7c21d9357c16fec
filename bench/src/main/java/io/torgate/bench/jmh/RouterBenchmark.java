package io.torgate.bench.jmh;

import io.torgate.gateway.ConnectRequest;
import io.torgate.gateway.Destination;
import io.torgate.gateway.DirectRouter;
import io.torgate.gateway.IsolationCredentials;
import io.torgate.gateway.RouteRequest;
import io.torgate.gateway.RouteRequestException;
import io.torgate.gateway.Router;
import io.torgate.gateway.Socks5ChainRouter;
import io.torgate.gateway.UsernameGrammar;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The routing decision made once per CONNECT: {@link DirectRouter}, and {@link Socks5ChainRouter}, whose cost is
 * mostly the HMAC of {@link IsolationCredentials} (a fresh nonce too with {@code rotate-each}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RouterBenchmark {

    @Param({"alice", "alice-session-x7k2Q9-ttl-30m", "alice-rotate-each"})
    public String username;

    private ConnectRequest request;
    private RouteRequest route;
    private Router direct;
    private Router chain;
    private IsolationCredentials isolation;

    @Setup
    public void setup() throws RouteRequestException {
        route = UsernameGrammar.parse(username);
        request = new ConnectRequest(route, new Destination("example.com", 443, Destination.Kind.DOMAIN),
                new InetSocketAddress("127.0.0.1", 50000), ConnectRequest.Protocol.SOCKS5);
        direct = new DirectRouter();
        isolation = new IsolationCredentials("bench-secret-0123456789".getBytes(StandardCharsets.US_ASCII));
        chain = new Socks5ChainRouter(new InetSocketAddress("127.0.0.1", 9050), isolation);
    }

    @Benchmark
    public CompletionStage<?> direct() {
        return direct.route(request);
    }

    @Benchmark
    public CompletionStage<?> socks5Chain() {
        return chain.route(request);
    }

    @Benchmark
    public IsolationCredentials.Credential isolationCredential() {
        return isolation.forRequest(route);
    }
}
