package io.torgate.torpool.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class TorLogScrubberTest {

    private static String scrub(String s) {
        return TorLogScrubber.SCRUB.scrub(s);
    }

    @Test
    void theUnsafeSocksWarningKeepsItsWordsButLosesThePort() {
        String line = "Jun 12 10:11:12.345 [warn] Your application (using socks5 to port 22001) is giving Tor only an"
                + " IP address. Applications that do DNS resolves themselves may leak information. Consider using"
                + " Socks4A (e.g. via privoxy or socat) instead. For more information, please see"
                + " https://2019.www.torproject.org/docs/faq.html#WarningsAboutSOCKSandDNSInformationLeaks.";
        assertThat(scrub(line)).isEqualTo("Jun 12 10:11:12.345 [warn] Your application (using socks5 to port"
                + " [scrubbed]) is giving Tor only an IP address. Applications that do DNS resolves themselves may"
                + " leak information. Consider using Socks4A (e.g. via privoxy or socat) instead. For more"
                + " information, please see"
                + " https://2019.www.torproject.org/docs/faq.html#WarningsAboutSOCKSandDNSInformationLeaks.");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "connect to 93.184.216.34:443 failed | connect to [scrubbed] failed",
            "address 10.0.0.1. | address [scrubbed].",
            "Resolve of 'example.com' failed | Resolve of '[scrubbed]' failed",
            "stream to www.example.co.uk:8443 closed | stream to [scrubbed] closed",
            "bad address \"[2001:db8::1]:443\" | bad address \"[scrubbed]\"",
            "bad address [::1] | bad address [scrubbed]",
            "dialing 2001:db8:0:0:0:0:2:1 now | dialing [scrubbed] now",
            "dialing fe80::1 now | dialing [scrubbed] now",
            "mapped ::ffff:192.0.2.7 | mapped [scrubbed]",
            "onion duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion:80 unreachable | onion [scrubbed] unreachable",
            "hs expyuzz4wqqyqhjn.onion | hs [scrubbed]",
            "to localhost:8080 | to [scrubbed]",
            "Rejecting SOCKS request to [scrubbed]:25 | Rejecting SOCKS request to [scrubbed]",
            "Application asked to connect to port 25. Refusing. | Application asked to connect to port [scrubbed]. Refusing.",
            "Port 80 and ports 443 | Port [scrubbed] and ports [scrubbed]",
    })
    void destinationsOfEveryShapeBecomeThePlaceholder(String in, String out) {
        assertThat(scrub(in)).isEqualTo(out);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Jun 12 10:11:12.345 [notice] Bootstrapped 100% (done): Done",
            "Tor 0.4.8.10 running on Linux with Libevent 2.1.12-stable, OpenSSL 3.0.13, Zlib 1.3 and Glibc 2.39 as libc.",
            "Read configuration file \"/home/u/.local/state/torgate/pool/tor-0/torrc\".",
            "Catching signal TERM, exiting cleanly.",
            "stream 42 from port FAILED (EXITPOLICY), circuit 7 at 12:34:56",
            "e.g. via privoxy, i.e. not here",
    })
    void textWithoutDestinationsIsUntouched(String line) {
        assertThat(scrub(line)).isEqualTo(line);
    }

    @Test
    void keepLeavesEverythingAndTheSwitchIsLogDestinations() {
        String line = "Your application (using socks5 to port 22001) is giving Tor only 127.0.0.1:22001";
        assertThat(TorLogScrubber.KEEP.scrub(line)).isEqualTo(line);
        assertThat(TorLogScrubber.forLogDestinations(true)).isSameAs(TorLogScrubber.KEEP);
        assertThat(TorLogScrubber.forLogDestinations(false)).isSameAs(TorLogScrubber.SCRUB);
        assertThat(scrub(line)).doesNotContain("22001").doesNotContain("127.0.0.1");
        assertThat(scrub(null)).isNull();
        assertThat(scrub("")).isEmpty();
    }
}
