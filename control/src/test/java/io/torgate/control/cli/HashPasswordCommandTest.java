package io.torgate.control.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.control.users.Password;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class HashPasswordCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** Runs {@code torgate hash-password ARGS} with {@code stdin} as its input. */
    private int run(String stdin, String... args) {
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                K made = CommandLine.defaultFactory().create(cls);
                if (made instanceof HashPasswordCommand h) {
                    h.in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
                    h.console = null;
                }
                return made;
            }
        };
        String[] all = new String[args.length + 1];
        all[0] = "hash-password";
        System.arraycopy(args, 0, all, 1, args.length);
        return Cli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true), factory).execute(all);
    }

    @Test
    void printsAHashOfTheFirstLineThatTheConfigAccepts() {
        assertThat(run("s3cret pass\nignored second line\n", "--iterations", "1000")).isEqualTo(ExitCodes.OK);
        String hash = out.toString().trim();
        assertThat(hash).startsWith("pbkdf2-sha256$1000$").doesNotContain("s3cret");
        assertThat(Password.parse(hash).matches("s3cret pass")).isTrue();
        assertThat(Password.parse(hash).matches("ignored second line")).isFalse();
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void windowsLineEndsAndAMissingNewlineAreFine() {
        assertThat(run("pw\r\n", "--iterations", "1000")).isZero();
        assertThat(Password.parse(out.toString().trim()).matches("pw")).isTrue();
        out.getBuffer().setLength(0);
        assertThat(run("no-newline", "--iterations", "1000")).isZero();
        assertThat(Password.parse(out.toString().trim()).matches("no-newline")).isTrue();
    }

    @Test
    void theDefaultCostIsTheDocumentedOne() {
        assertThat(run("pw")).isZero();
        assertThat(out.toString()).startsWith("pbkdf2-sha256$600000$");
    }

    @Test
    void noEmptyTooLongOrAlreadyHashedPasswordIsAnError() {
        assertThat(run("")).isEqualTo(ExitCodes.CONFIG_ERROR);
        assertThat(err.toString()).contains("torgate hash-password: no password on stdin");
        assertThat(run("\n")).isEqualTo(ExitCodes.CONFIG_ERROR);
        assertThat(run("x".repeat(256) + "\n")).isEqualTo(ExitCodes.CONFIG_ERROR);
        assertThat(err.toString()).contains("the password is longer than 255 bytes, the SOCKS5 limit")
                .doesNotContain("xxxxxxxx");
        assertThat(run("pbkdf2-sha256$1000$abc$def\n")).isEqualTo(ExitCodes.CONFIG_ERROR);
        assertThat(err.toString()).contains("that is already a hash");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void iterationsOutOfRangeAreAUsageError() {
        assertThat(run("pw", "--iterations", "10")).isEqualTo(ExitCodes.CONFIG_ERROR);
        assertThat(err.toString()).contains("Invalid value for option '--iterations': the iteration count must be"
                + " between 1000 and 10000000, got 10");
        assertThat(run("pw", "--iterations", "x")).isEqualTo(ExitCodes.CONFIG_ERROR);
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void helpDescribesIt() {
        assertThat(run("", "--help")).isZero();
        assertThat(out.toString()).contains("Usage: torgate hash-password").contains("--iterations=N")
                .contains("Default: 600000").contains("printf '%s\\n' 's3cret' | torgate hash-password");
    }
}
