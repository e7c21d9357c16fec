package io.torgate.control.cli;

import io.torgate.control.users.Password;
import io.torgate.control.users.Pbkdf2;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code torgate hash-password}: reads a password on stdin, prints its PBKDF2 hash for the config file. */
@Command(name = "hash-password",
        description = {
                "Read a password from stdin (the first line; asked twice without echo on a terminal) and print its"
                        + " hash for a user's 'password:' in the config file: pbkdf2-sha256$ITERATIONS$SALT$HASH.",
                "",
                "  printf '%s\\n' 's3cret' | torgate hash-password",
                "",
                "Exit status: 0 hash printed, 2 no or bad password."},
        showDefaultValues = true,
        usageHelpAutoWidth = true)
final class HashPasswordCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "" + Pbkdf2.DEFAULT_ITERATIONS,
            converter = PositiveCountConverter.class,
            description = "PBKDF2 iterations: the cost of each check (the first login per password pays it once).")
    int iterations;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    /** Where the password comes from; tests put their own stream here. */
    InputStream in = System.in;
    /** The terminal, when stdin is one; tests leave it null. */
    Console console = System.console();

    @Override
    public Integer call() throws IOException {
        try {
            Pbkdf2.checkIterations(iterations);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--iterations': "
                    + e.getMessage());
        }
        String password = console != null && in == System.in ? fromTerminal() : firstLine();
        if (password == null || password.isEmpty()) {
            throw new ConfigException("no password on stdin");
        }
        if (Pbkdf2.looksLikeHash(password)) {
            throw new ConfigException("that is already a hash; give the password itself");
        }
        try {
            Password.parse(password); // the same limits as the config file (at most 255 bytes)
        } catch (IllegalArgumentException e) {
            throw new ConfigException("the password is " + e.getMessage());
        }
        spec.commandLine().getOut().println(Pbkdf2.hash(password, iterations));
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }

    private String firstLine() throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line = r.readLine();
        return line == null ? null : line.replaceAll("\r$", "");
    }

    private String fromTerminal() {
        char[] first = console.readPassword("Password: ");
        char[] again = console.readPassword("Again: ");
        try {
            if (first == null || again == null) {
                return null;
            }
            if (!Arrays.equals(first, again)) {
                throw new ConfigException("the two passwords differ");
            }
            return new String(first);
        } finally {
            if (first != null) {
                Arrays.fill(first, '\0');
            }
            if (again != null) {
                Arrays.fill(again, '\0');
            }
        }
    }
}
