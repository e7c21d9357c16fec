package io.torgate.control.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The top-level {@code torgate} command: only subcommands do work. */
@Command(name = "torgate",
        description = "A SOCKS5 and HTTP CONNECT gateway; clients choose their route in the proxy username.",
        mixinStandardHelpOptions = false,
        subcommands = {RunCommand.class, TestnetCommand.class, HashPasswordCommand.class,
                StatusCommand.class, RotateCommand.class, NodesCommand.class, CheckCommand.class, HelpCommand.class},
        usageHelpAutoWidth = true)
final class TorgateCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(),
                "Missing command: " + String.join(", ", spec.subcommands().keySet()));
    }
}
