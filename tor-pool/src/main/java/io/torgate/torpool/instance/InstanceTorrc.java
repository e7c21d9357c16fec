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
                // IsolateSOCKSAuth: each isolation username/password gets its own circuits.
                .set("SocksPort", "127.0.0.1:auto IsolateSOCKSAuth")
                .set("ControlPort", "127.0.0.1:auto")
                .set("ControlPortWriteToFile", files.controlPortFile())
                .set("CookieAuthentication", 1)
                .set("CookieAuthFile", files.cookieFile())
                // Backstop until TAKEOWNERSHIP: tor exits when this JVM does, even if we never connect.
                .set("__OwningControllerProcess", ownerPid)
                // stdout is appended to the instance's log file by TorProcess. Its lines may name destinations
                // (e.g. "Your application (using socks5 to port N) is giving Tor only an IP address"); torgate
                // scrubs them where it repeats them (TorLogScrubber). "WarnUnsafeSocks 0" would not help: tor
                // made it obsolete in 0.3.1.1-alpha, always warns, and logs "Skipping obsolete configuration
                // option" instead.
                .set("Log", "notice stdout");
        if (extra.values("ConfluxEnabled").isEmpty()) {
            // With conflux (tor >= 0.4.8) streams of one isolation credential hopped between conflux sets, and so
            // between exits, within seconds (measured on the testnet); without it they stay on one circuit,
            // which sticky sessions rely on. Extra lines may turn it back on.
            torrc.set("ConfluxEnabled", 0);
        }
        return torrc.addAll(extra);
    }
}
