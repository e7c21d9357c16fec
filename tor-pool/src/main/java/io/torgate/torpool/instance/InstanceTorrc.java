package io.torgate.torpool.instance;

import io.torgate.torpool.process.Torrc;

/** The torrc of one instance: torgate's managed lines first, then the caller's extra lines. */
final class InstanceTorrc {

    private InstanceTorrc() {
    }

    static Torrc build(TorInstanceConfig config, InstanceFiles files, long ownerPid) {
        Torrc extra = config.extraTorrc();
        Torrc torrc = new Torrc()
                .set("DataDirectory", files.dataDir())
                // IsolateSOCKSAuth: each isolation username/password gets its own circuits (onion services too: tor
                // builds those). ExtendedErrors: onion failures get their own reply codes (0xF0-0xF7), which the
                // router turns into the client's answer.
                .set("SocksPort", "127.0.0.1:auto IsolateSOCKSAuth ExtendedErrors")
                .set("ControlPort", "127.0.0.1:auto")
                .set("ControlPortWriteToFile", files.controlPortFile())
                .set("CookieAuthentication", 1)
                .set("CookieAuthFile", files.cookieFile())
                // Backstop until TAKEOWNERSHIP: tor exits when this JVM does, even if we never connect.
                .set("__OwningControllerProcess", ownerPid);
        // stdout is appended to the instance's log file by TorProcess.
        if (config.logDestinations()) {
            torrc.set("Log", "notice stdout");
        } else {
            // tor's "app" domain speaks of client streams: "Your application (using socks5 to port N) is giving
            // Tor only an IP address …" names every destination port, SafeLogging or not, and "WarnUnsafeSocks 0"
            // no longer helps (obsolete since tor 0.3.1.1-alpha: ignored with a warning). So that domain only
            // logs errors unless destinations may be logged; torgate still scrubs whatever tor line it repeats
            // (TorLogScrubber), since other domains can name addresses too.
            torrc.set("Log", "[~app]notice stdout").set("Log", "[app]err stdout");
        }
        if (extra.values("ConfluxEnabled").isEmpty()) {
            // With conflux (tor >= 0.4.8) streams of one isolation credential hopped between conflux sets, and so
            // between exits, within seconds (measured on the testnet); without it they stay on one circuit,
            // which sticky sessions rely on. Extra lines may turn it back on.
            torrc.set("ConfluxEnabled", 0);
        }
        return torrc.addAll(extra);
    }
}
