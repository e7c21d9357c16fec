package io.torgate.control;

/** The torgate command line. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        // Implemented by the CLI work item.
        throw new UnsupportedOperationException("not yet implemented");
    }
}
