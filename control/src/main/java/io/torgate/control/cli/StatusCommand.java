package io.torgate.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code torgate status}: GET /status and /health of a running torgate, as readable lines. */
@Command(name = "status",
        description = {"Show what a running torgate is doing: upstream, listeners, tunnels, tor instances by state,"
                + " directory age.", "", "Exit status: 0 healthy, 1 not healthy (GET /health is 503) or the API"
                + " not reachable, 2 bad flag."},
        showDefaultValues = true, usageHelpAutoWidth = true)
final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ApiCall api;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() {
        JsonNode s = api.expectOk("GET", "/status");
        ApiCall.Answer health = api.send("GET", "/health");
        PrintWriter out = spec.commandLine().getOut();
        out.println("torgate " + ApiCall.text(s.get("version")) + ", up " + ApiCall.text(s.get("uptime_seconds")) + " s");
        out.println("upstream:   " + ApiCall.text(s.get("upstream")));
        JsonNode l = s.path("listeners");
        List<String> proxies = new ArrayList<>();
        l.path("proxies").forEach(p -> proxies.add(p.asText()));
        out.println("listeners:  gateway " + ApiCall.text(l.get("gateway")) + ", api " + ApiCall.text(l.get("api"))
                + ", proxy ports " + (proxies.isEmpty() ? "none" : String.join(" ", proxies)));
        out.println("tunnels:    " + ApiCall.text(s.path("tunnels").get("active")) + " active");
        JsonNode pool = s.get("pool");
        if (pool == null || pool.isNull()) {
            out.println("instances:  none (no tor-pool upstream)");
        } else {
            List<String> states = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) pool.path("by_state")::fields) {
                states.add(e.getValue().asText() + " " + e.getKey());
            }
            out.println("instances:  " + ApiCall.text(pool.get("instances")) + " (" + String.join(", ", states)
                    + "), " + ApiCall.text(pool.get("draining")) + " draining");
        }
        JsonNode dir = s.get("directory");
        if (dir == null || dir.isNull()) {
            out.println("directory:  none");
        } else {
            JsonNode age = dir.get("age_seconds");
            out.println("directory:  " + ApiCall.text(dir.get("relays")) + " relays, "
                    + (age == null || age.isNull() ? "never refreshed" : "age " + age.asText() + " s"));
        }
        out.println("health:     " + (health.ok() ? "ok" : "NOT HEALTHY (" + health.error() + ")"));
        out.flush();
        return health.ok() ? ExitCodes.OK : ExitCodes.RUNTIME_FAILURE;
    }
}
