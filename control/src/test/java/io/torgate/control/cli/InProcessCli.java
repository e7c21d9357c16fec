package io.torgate.control.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine;

/**
 * torgate's command line run in the test's JVM, as {@link io.torgate.control.Main} runs it, with stdout and
 * stderr captured. Every command sees {@link #env} instead of the real environment (the client commands' token,
 * the serving commands' {@code TORGATE_…} settings), so the environment of whoever runs the tests cannot leak in.
 */
final class InProcessCli {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private Map<String, String> env = Map.of();
    private Duration checkExitWait;

    /** The environment the commands read (the API client commands' token, the serving commands' settings). */
    InProcessCli env(Map<String, String> env) {
        this.env = Map.copyOf(env);
        return this;
    }

    /** How long {@code check} waits for torgate to learn its probe's exit (default: the command's). */
    InProcessCli checkExitWait(Duration wait) {
        this.checkExitWait = wait;
        return this;
    }

    /** Runs one command line; returns its exit status. Output accumulates until {@link #clear()}. */
    int run(String... args) {
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                K made = CommandLine.defaultFactory().create(cls);
                if (made instanceof ApiCall a) {
                    a.env = env;
                }
                if (made instanceof ConfigOptions c) {
                    c.env = env;
                }
                if (made instanceof CheckCommand c && checkExitWait != null) {
                    c.exitWait = checkExitWait;
                }
                return made;
            }
        };
        return Cli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true), factory).execute(args);
    }

    String out() {
        return out.toString();
    }

    String err() {
        return err.toString();
    }

    void clear() {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
    }
}
