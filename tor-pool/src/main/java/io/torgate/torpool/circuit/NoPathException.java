package io.torgate.torpool.circuit;

/** No path fits a {@link PathRequest}; {@link #reason()} says which rule ran out of relays. */
public final class NoPathException extends Exception {

    /** Which hop could not be filled, and why. */
    public enum Reason {
        /** None of the wanted exits is in the consensus, Running and Valid (with Fast, Stable as needed). */
        NO_EXIT("no_exit"),
        /** The wanted exits are there, but their exit policies reject the port. */
        EXIT_REJECTS_PORT("exit_rejects_port"),
        /** Every guard of the instance is the exit, or in its family or /16. */
        NO_GUARD("no_guard"),
        /** No relay can be the middle without sharing a family or /16 with the guard or the exit. */
        NO_MIDDLE("no_middle");

        private final String label;

        Reason(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final Reason reason;

    public NoPathException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
