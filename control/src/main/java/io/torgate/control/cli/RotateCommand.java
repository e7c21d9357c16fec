package io.torgate.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code torgate rotate USER SESSION}: moves a sticky session to a different exit. */
@Command(name = "rotate",
        description = {"Move a live sticky session to a different exit and print old exit -> new exit.", "",
                "Exit status: 0 rotated, 1 no such session / no other exit / API not reachable, 2 bad flag."},
        showDefaultValues = true, usageHelpAutoWidth = true)
final class RotateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ApiCall api;

    @Parameters(index = "0", paramLabel = "USER", description = "The user of the session.")
    String user;

    @Parameters(index = "1", paramLabel = "SESSION", description = "The session id (from session-ID in the username).")
    String session;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() {
        JsonNode r = api.expectOk("POST", "/sessions/" + ApiCall.encode(user) + "/" + ApiCall.encode(session) + "/rotate");
        PrintWriter out = spec.commandLine().getOut();
        out.println(user + "/" + session + ": " + exit(r.get("old_exit")) + " \u2192 " + exit(r.get("new_exit")));
        out.flush();
        return ExitCodes.OK;
    }

    /** {@code nickname fingerprint (country)}, or {@code none} before the session had an exit. */
    static String exit(JsonNode e) {
        if (e == null || e.isNull()) {
            return "none";
        }
        return ApiCall.text(e.get("nickname")) + " " + ApiCall.text(e.get("fingerprint")) + " ("
                + ApiCall.text(e.get("country")) + ")";
    }
}
