package io.torgate.control;

import io.torgate.control.cli.Cli;
import java.io.PrintWriter;
import java.nio.charset.Charset;

/** The torgate command line; see {@code torgate --help}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        Charset charset = Charset.defaultCharset();
        int status = Cli.execute(args, new PrintWriter(System.out, true, charset), new PrintWriter(System.err, true, charset));
        System.exit(status);
    }
}
