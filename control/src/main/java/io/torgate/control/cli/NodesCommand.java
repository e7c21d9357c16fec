package io.torgate.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code torgate nodes}: the usable exits of torgate's node directory, as a table. */
@Command(name = "nodes",
        description = {"List the usable exits torgate knows: fingerprint, nickname, country, flags, exit addresses.",
                "", "Exit status: 0 listed, 1 API error or not reachable, 2 bad flag."},
        showDefaultValues = true, usageHelpAutoWidth = true)
final class NodesCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ApiCall api;

    @Option(names = "--country", paramLabel = "CC", split = ",",
            description = "Only exits in these countries (repeat or comma-separate), e.g. de,nl.")
    List<String> countries = new ArrayList<>();

    @Option(names = "--flag", paramLabel = "FLAG", split = ",",
            description = "Only relays with all these flags (repeat or comma-separate), e.g. Stable.")
    List<String> flags = new ArrayList<>();

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() {
        List<String> query = new ArrayList<>();
        countries.forEach(c -> query.add("country=" + ApiCall.encode(c)));
        flags.forEach(f -> query.add("flag=" + ApiCall.encode(f)));
        JsonNode body = api.expectOk("GET", "/nodes" + (query.isEmpty() ? "" : "?" + String.join("&", query)));
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"FINGERPRINT", "NICKNAME", "CC", "FLAGS", "EXIT ADDRESSES"});
        for (JsonNode n : body.path("nodes")) {
            rows.add(new String[] {ApiCall.text(n.get("fingerprint")), ApiCall.text(n.get("nickname")),
                    ApiCall.text(n.get("country")), joined(n.get("flags"), ","), joined(n.get("exit_addresses"), " ")});
        }
        PrintWriter out = spec.commandLine().getOut();
        int[] width = new int[4];
        for (String[] r : rows) {
            for (int i = 0; i < width.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < width.length; i++) {
                line.append(String.format("%-" + width[i] + "s  ", r[i]));
            }
            out.println(line.append(r[4]).toString().stripTrailing());
        }
        out.println(ApiCall.text(body.get("count")) + " exits");
        out.flush();
        return ExitCodes.OK;
    }

    private static String joined(JsonNode array, String sep) {
        List<String> parts = new ArrayList<>();
        if (array != null) {
            array.forEach(x -> parts.add(x.asText()));
        }
        return parts.isEmpty() ? "-" : String.join(sep, parts);
    }
}
