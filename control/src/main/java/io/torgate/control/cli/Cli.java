package io.torgate.control.cli;

import java.io.PrintWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.UnmatchedArgumentException;

/** Builds the command line and maps every outcome to an exit status (see {@link ExitCodes}). */
public final class Cli {

    private static final Logger log = LoggerFactory.getLogger(Cli.class);

    private Cli() {
    }

    /** Runs the command; returns the exit status. {@code out} gets results, {@code err} gets problems. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return commandLine(out, err, CommandLine.defaultFactory()).execute(args);
    }

    /** The command line with its exit-status mapping; {@code factory} makes the commands (tests pass their own). */
    static CommandLine commandLine(PrintWriter out, PrintWriter err, CommandLine.IFactory factory) {
        return new CommandLine(new TorgateCommand(), factory)
                .setOut(out)
                .setErr(err)
                .setCaseInsensitiveEnumValuesAllowed(false)
                .setParameterExceptionHandler(BAD_USAGE)
                .setExecutionExceptionHandler(FAILURE);
    }

    /** Short and to the point: the problem (naming the value), suggestions for typos, where help is. */
    private static final IParameterExceptionHandler BAD_USAGE = (ex, args) -> {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(ex.getMessage());
        UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return ExitCodes.CONFIG_ERROR;
    };

    private static final IExecutionExceptionHandler FAILURE = (ex, cmd, parseResult) -> {
        PrintWriter err = cmd.getErr();
        if (ex instanceof ApiCall.Failed) {
            // an API client command's expected failure (API down, error answer): the message says it all
            err.println(ex.getMessage());
            err.flush();
            return ExitCodes.RUNTIME_FAILURE;
        }
        if (ex instanceof ConfigException) {
            err.println(cmd.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
            err.flush();
            return ExitCodes.CONFIG_ERROR;
        }
        log.error("{} failed", cmd.getCommandSpec().qualifiedName(), ex);
        err.println(cmd.getCommandSpec().qualifiedName() + ": failed: " + ex);
        err.flush();
        return ExitCodes.RUNTIME_FAILURE;
    };
}
