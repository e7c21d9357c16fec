package io.torgate.control.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.sun.net.httpserver.HttpServer;
import io.torgate.control.api.ApiConfig;
import io.torgate.control.api.ControlPlane;
import io.torgate.control.api.PoolAdmin;
import io.torgate.gateway.DirectRouter;
import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import io.torgate.torpool.directory.NodeDirectory;
import io.torgate.torpool.directory.NodeDirectoryConfig;
import io.torgate.torpool.instance.TorInstanceConfig;
import io.torgate.torpool.pool.TorPool;
import io.torgate.torpool.pool.TorPoolRouter;
import io.torgate.torpool.support.Socks5Client;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment files in config/ against the real thing: the Grafana dashboards are valid JSON and query only
 * metrics a real torgate scrape (GET /metrics on a running control API) contains (histogram suffixes included), the scrape passes promtool, the
 * Prometheus config passes promtool, and docker-compose.yml points at files that exist.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeploymentFilesTest {

    /** cAdvisor's metrics (another scrape job): allowed on the infrastructure dashboard, only with job="cadvisor". */
    private static final Set<String> CADVISOR = Set.of("container_cpu_usage_seconds_total",
            "container_memory_working_set_bytes", "container_network_receive_bytes_total",
            "container_network_transmit_bytes_total");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static final Path CONFIG = Path.of(System.getProperty("basedir", "."), "..", "config").normalize();

    private TorgateMetrics metrics;
    private ControlPlane control;
    private Gateway gateway;
    private TorPool pool;
    private NodeDirectory directory;
    private HttpServer web;
    private String scrape;

    /** A torgate's registry with every binder attached and a little of everything happened. */
    @BeforeAll
    void scrapeARealRegistry() throws Exception {
        web = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] onionoo;
        try (InputStream in = DeploymentFilesTest.class.getResourceAsStream("/directory/details-sample.json")) {
            onionoo = in.readAllBytes();
        }
        web.createContext("/details", ex -> reply(ex, "application/json", onionoo));
        web.createContext("/page", ex -> reply(ex, "text/plain", "hello".getBytes(StandardCharsets.UTF_8)));
        web.start();

        metrics = TorgateMetrics.create();
        DirectRouter router = new DirectRouter();
        GatewayConfig config = GatewayConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0))
                .router(router).listener(metrics.gatewayListener()).build();
        gateway = Gateway.start(config);
        // A pool that is never started: its instances are STOPPED, their meters exist all the same.
        pool = TorPool.create(List.of(TorInstanceConfig.builder("tor-0", dir).build(),
                TorInstanceConfig.builder("tor-1", dir).build()));
        directory = NodeDirectory.open(NodeDirectoryConfig.builder()
                .baseUrl("http://127.0.0.1:" + web.getAddress().getPort()).stateDir(dir.resolve("nodes")).build());
        assertThat(directory.refreshNow().get(30, TimeUnit.SECONDS).isFailure()).isFalse();
        control = ControlPlane.builder().upstream("direct").metrics(metrics).gateway(gateway, config, router)
                .pool(new PoolAdmin(pool, new TorPoolRouter(pool), name -> TorInstanceConfig.builder(name, dir).build(),
                        "tor-", 4, Duration.ofSeconds(1)))
                .directory(directory).build();
        InetSocketAddress api = control.startApi(ApiConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0)).build())
                .address();
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest scrapeRequest = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.getPort() + "/metrics")).build();

        int webPort = web.getAddress().getPort();
        try (Socket s = Socks5Client.connect(gateway.address(), "127.0.0.1", webPort, "alice", "x", 10_000)) {
            assertThat(Socks5Client.get(s, "/page")).isEqualTo("hello");
        }
        // A refusal (direct upstreams cannot choose exits) and a garbage handshake, so those series exist too.
        try (Socket s = Socks5Client.connect(gateway.address(), "127.0.0.1", webPort, "alice-country-de", "x", 10_000)) {
            throw new AssertionError("a country request through a direct upstream must be refused");
        } catch (IOException expected) {
            assertThat(expected.getMessage()).contains("reply code 2");
        }
        try (Socket s = new Socket("127.0.0.1", gateway.address().getPort())) {
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {0x16, 0x03, 0x01});
            out.flush();
            s.getInputStream().read();
        }
        System.gc(); // JVM GC pause timers appear with the first collection seen
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        do {
            HttpResponse<String> r = http.send(scrapeRequest, HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            scrape = r.body();
        } while (!(scrape.contains("torgate_api_requests_total{") && scrape.contains("torgate_handshake_failures_total{")
                && scrape.contains("jvm_gc_pause_seconds_count"))
                && System.nanoTime() < deadline && sleepBriefly());
    }

    private static boolean sleepBriefly() {
        try {
            Thread.sleep(50); // polling a scrape for an asynchronous series, bounded by the deadline above
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    private static void reply(com.sun.net.httpserver.HttpExchange ex, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }

    @AfterAll
    void stop() {
        if (control != null) {
            control.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (pool != null) {
            pool.close();
        }
        if (directory != null) {
            directory.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        if (web != null) {
            web.stop(0);
        }
    }

    /** Series names of the scrape (histograms as _bucket, _count and _sum). */
    private Set<String> scrapedNames() {
        Set<String> names = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                int end = line.indexOf('{');
                names.add(line.substring(0, end >= 0 ? end : line.indexOf(' ')));
            }
        }
        return names;
    }

    private static List<Path> dashboards() throws IOException {
        try (Stream<Path> files = Files.list(CONFIG.resolve("grafana/dashboards"))) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    private static void collectExprs(JsonNode node, List<String> out) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("expr") && e.getValue().isTextual()) {
                    out.add(e.getValue().textValue());
                } else {
                    collectExprs(e.getValue(), out);
                }
            }
        } else if (node.isArray()) {
            node.forEach(n -> collectExprs(n, out));
        }
    }

    @Test
    void theScrapeHasEveryKindOfMetricAndPassesPromtool() throws Exception {
        Set<String> names = scrapedNames();
        assertThat(names).contains("torgate_tunnels_active", "torgate_tunnels_opened_total",
                "torgate_handshake_duration_seconds_bucket", "torgate_upstream_connect_duration_seconds_sum",
                "torgate_upstream_failures_total", "torgate_routing_rejections_total", "torgate_tor_instances",
                "torgate_tor_bootstrap_progress_ratio", "torgate_tor_circuits_total", "torgate_tor_newnym_signals_total",
                "torgate_directory_exits", "torgate_directory_age_seconds", "torgate_directory_refresh_failures_total",
                "torgate_gateway_direct_memory_used_bytes", "jvm_memory_used_bytes", "jvm_gc_pause_seconds_count");
        assertThat(scrape).contains("torgate_directory_exits{country=\"de\"} 1.0", "torgate_tor_instances{state=\"stopped\"} 2.0",
                "torgate_routing_rejections_total{reason=");
        Promtool.Result check = Promtool.checkMetrics(scrape);
        assertThat(check.exitCode()).as(check.output()).isZero();
    }

    @Test
    void promqlNameExtractionFindsMetricsAndNothingElse() {
        assertThat(PromqlNames.of("histogram_quantile(0.95, sum by (le, protocol) (rate(torgate_handshake_duration_seconds_bucket[$__rate_interval])))"))
                .containsExactly("torgate_handshake_duration_seconds_bucket");
        assertThat(PromqlNames.of("sum by (instance) (rate(a_total{outcome=\"failed\"}[5m])) / on (instance) group_left sum(b_total) and c offset 1h"))
                .containsExactly("a_total", "b_total", "c");
        assertThat(PromqlNames.of("topk(25, torgate_directory_exits) > bool 1e3")).containsExactly("torgate_directory_exits");
        assertThat(PromqlNames.of("-sum(x{job=\"cadvisor\",name=~\".+\"}) * 2")).containsExactly("x");
    }

    @Test
    void dashboardsAreValidJsonAndQueryOnlyMetricsTorgateExports() throws Exception {
        List<Path> files = dashboards();
        assertThat(files).extracting(p -> p.getFileName().toString()).containsExactlyInAnyOrder(
                "torgate-control-plane.json", "torgate-tor-nodes.json", "torgate-infrastructure.json");
        Set<String> exported = scrapedNames();
        Set<String> uids = new HashSet<>();
        List<String> problems = new ArrayList<>();
        Set<String> used = new TreeSet<>();
        for (Path file : files) {
            JsonNode d = JSON.readTree(file.toFile());
            assertThat(uids.add(d.path("uid").asText())).as("unique uid in %s", file).isTrue();
            assertThat(d.path("title").asText()).as(file.toString()).startsWith("torgate");
            List<String> exprs = new ArrayList<>();
            collectExprs(d, exprs);
            assertThat(exprs).as("queries in %s", file).isNotEmpty();
            for (String expr : exprs) {
                for (String name : PromqlNames.of(expr)) {
                    used.add(name);
                    boolean cadvisor = CADVISOR.contains(name) && expr.contains("job=\"cadvisor\"");
                    if (!exported.contains(name) && !cadvisor) {
                        problems.add(file.getFileName() + ": " + name + " in " + expr);
                    }
                }
            }
            d.path("panels").forEach(p -> {
                if (!p.path("type").asText().equals("row")) {
                    assertThat(p.path("datasource").path("uid").asText()).as("datasource of %s", p.path("title"))
                            .isEqualTo("prometheus");
                }
            });
        }
        assertThat(problems).as("dashboard queries naming metrics torgate does not export").isEmpty();
        // Every torgate metric family is on some dashboard.
        Set<String> families = new TreeSet<>();
        exported.stream().filter(n -> n.startsWith("torgate_"))
                .map(n -> n.replaceAll("_(bucket|count|sum)$", "")).forEach(families::add);
        Set<String> usedFamilies = new TreeSet<>();
        used.forEach(n -> usedFamilies.add(n.replaceAll("_(bucket|count|sum)$", "")));
        families.removeAll(usedFamilies);
        families.remove("torgate_tunnels_closed_total"); // opened minus active says the same
        assertThat(families).as("torgate metrics no dashboard shows").isEmpty();
    }

    @Test
    void grafanaProvisioningPointsAtTheDashboardsAndTheDatasourceTheyUse() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        JsonNode ds = yaml.readTree(CONFIG.resolve("grafana/provisioning/datasources/prometheus.yml").toFile());
        assertThat(ds.path("datasources").get(0).path("uid").asText()).isEqualTo("prometheus");
        JsonNode providers = yaml.readTree(CONFIG.resolve("grafana/provisioning/dashboards/torgate.yml").toFile());
        assertThat(providers.path("providers").get(0).path("options").path("path").asText())
                .isEqualTo("/var/lib/grafana/dashboards");
    }

    @Test
    void thePrometheusConfigPassesPromtool() throws Exception {
        // promtool checks that the token file exists: point the config at a stand-in for the Docker secret.
        Path token = Files.writeString(dir.resolve("torgate_api_token"), "stand-in-token-0123456789\n");
        String config = Files.readString(CONFIG.resolve("prometheus/prometheus.yml"));
        assertThat(config).contains("credentials_file: /run/secrets/torgate_api_token", "torgate:8080", "cadvisor:8080");
        Path copy = Files.writeString(dir.resolve("prometheus.yml"),
                config.replace("/run/secrets/torgate_api_token", token.toString()));
        Promtool.Result check = Promtool.checkConfig(copy);
        assertThat(check.exitCode()).as(check.output()).isZero();
    }

    @Test
    void dockerComposeRunsTheFourServicesFromFilesThatExist() throws Exception {
        JsonNode compose = new ObjectMapper(new YAMLFactory()).readTree(CONFIG.resolve("docker-compose.yml").toFile());
        JsonNode services = compose.path("services");
        assertThat(services.has("torgate") && services.has("prometheus") && services.has("grafana")
                && services.has("cadvisor")).as(services.toString()).isTrue();
        Path context = CONFIG.resolve(services.path("torgate").path("build").path("context").asText()).normalize();
        assertThat(context.resolve(services.path("torgate").path("build").path("dockerfile").asText())).isRegularFile();
        assertThat(context.resolve("mvnw")).isRegularFile();
        for (JsonNode service : services) {
            for (JsonNode volume : service.path("volumes")) {
                String source = volume.asText().split(":")[0];
                if (source.startsWith("./") && !source.equals("./users.yaml")) {
                    assertThat(CONFIG.resolve(source).normalize()).as(volume.asText()).exists();
                }
            }
            for (JsonNode port : service.path("ports")) {
                assertThat(port.asText()).as("published on loopback only").startsWith("127.0.0.1:");
            }
        }
        assertThat(CONFIG.resolve("users.example.yaml")).isRegularFile();
        assertThat(services.path("torgate").path("command").toString()).contains("--api", "0.0.0.0:8080", "--users");
        assertThat(Files.readString(CONFIG.resolve("Dockerfile"))).contains("./mvnw", "apt-get install", "tor",
                "control/target/torgate.jar");
        assertThat(Files.readString(CONFIG.resolve("systemd/torgate.service"))).contains("ExecStart=", "KillSignal=SIGTERM",
                "RestartPreventExitStatus=2", "EnvironmentFile=");
    }
}
