package io.torgate.gateway;

/** Keeps destinations out of logs unless the operator asked for them ({@link GatewayConfig#logDestinations()}). */
final class Redactor {

    static final String REDACTED = "<redacted>";

    private final boolean showDestinations;

    Redactor(boolean showDestinations) {
        this.showDestinations = showDestinations;
    }

    String destination(Destination destination) {
        return showDestinations ? destination.toString() : REDACTED;
    }

    String destination(String hostPort) {
        return showDestinations ? hostPort : REDACTED;
    }
}
