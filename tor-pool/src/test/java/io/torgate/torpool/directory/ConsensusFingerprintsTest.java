package io.torgate.torpool.directory;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConsensusFingerprintsTest {

    /** The relays of a real loopback-testnet consensus, and their fingerprints from each relay's "fingerprint" file. */
    private static final Set<String> TESTNET = Set.of(
            "2A47C76FC8CD8817AC763DB840F5D4EA1A64B1C0", // auth0
            "ED39526A008422582ADC4188B8CFE540B2C60F49", // auth1
            "69981F00D14E3D3EBCDEBB968717D757857016F8", // auth2
            "C98178D8A9A8DBD521DAC88E04108D2207EBDFF5", // exit0
            "4AC6DBB7E168BF80F7736F467A053FAFD7C7E087", // exit1
            "990881D9971F23323A787A632E6AA4E8F60FD917", // exit2
            "DBF52DCF67A3A51421CBFD4CB200F2793D90A410", // exit3
            "28D2C9BC5DA53D1E07E41357D2FE4DB61B085E69", // middle0
            "C1FCEB664AB1BADCAA706B7946E988C70F77854F", // middle1
            "3D8A46ED2BB6C19DF57DED72E31CF367BE66FDF8"); // middle2

    @Test
    void parsesControlPortReplyOfNsAllWithCrlfAndFraming() throws IOException {
        String reply = resource("/directory/ns-all-testnet.txt");
        assertThat(reply).startsWith("250+ns/all=\r\n").endsWith(".\r\n250 OK\r\n");

        Set<String> fps = ConsensusFingerprints.fromNsAll(reply);

        assertThat(fps).containsExactlyInAnyOrderElementsOf(TESTNET);
    }

    @Test
    void parsesTheBareValueWithLfLineEnds() throws IOException {
        String value = resource("/directory/ns-all-testnet.txt").replace("\r\n", "\n")
                .replace("250+ns/all=\n", "").replace(".\n250 OK\n", "");

        assertThat(ConsensusFingerprints.fromNsAll(value)).containsExactlyInAnyOrderElementsOf(TESTNET);
    }

    @Test
    void readsARealNetworkEntry() {
        // moria1 as dir-spec shows it; its identity is well known.
        String entry = "r moria1 lpXfw1/+uGEym58asExGOXAgzjE IpcU7dolas8+Q+oAzwgvZIWx7PA 2018-05-23 02:41:25 128.31.0.34 9101 9131\n"
                + "s Authority Fast Running Stable V2Dir Valid\nw Bandwidth=20\n";

        assertThat(ConsensusFingerprints.fromNsAll(entry)).containsExactly("9695DFC35FFEB861329B9F1AB04C46397020CE31");
    }

    @Test
    void readsMicrodescFlavourEntriesWhichHaveNoDigest() {
        String md = "r middle0 KNLJvF2lPR4H5BNX0v5NthsIXmk 2038-01-01 00:00:00 127.0.0.13 45193 0\n"
                + "m 7x7ZBpv94NkqBZ4RfJtTOPCHoKWDH4/IpCAgBvyu6Bo\n"
                + "s Fast Guard HSDir Running Stable Valid\n"
                + "r auth0 KkfHb8jNiBesdj24QPXU6hpkscA 2038-01-01 00:00:00 127.0.0.10 43661 37429\n";

        assertThat(ConsensusFingerprints.fromNsAll(md))
                .containsExactly("28D2C9BC5DA53D1E07E41357D2FE4DB61B085E69", "2A47C76FC8CD8817AC763DB840F5D4EA1A64B1C0");
    }

    @Test
    void skipsUnreadableRLinesAndKeepsTheRest() {
        String text = String.join("\n",
                "r short KNLJvF2lPR4H5BNX0v5Nth 2038-01-01 00:00:00 127.0.0.13 45193 0",      // 16 bytes
                "r notb64 KNLJvF2lPR4H5BNX0v5Nths!Xmk w97gFPE6ulyez6k1JJI9RKlNoYw 2026-11-23 02:44:15 127.0.0.13 1 0",
                "r truncated KNLJvF2lPR4H5BNX0v5NthsIXmk",
                "router KkfHb8jNiBesdj24QPXU6hpkscA is not an r line",
                "s Running",
                "r padded KkfHb8jNiBesdj24QPXU6hpkscA= 2038-01-01 00:00:00 127.0.0.10 43661 37429",
                "r ok KNLJvF2lPR4H5BNX0v5NthsIXmk w97gFPE6ulyez6k1JJI9RKlNoYw 2026-11-23 02:44:15 127.0.0.13 45193 0");

        assertThat(ConsensusFingerprints.fromNsAll(text))
                .containsExactly("2A47C76FC8CD8817AC763DB840F5D4EA1A64B1C0", "28D2C9BC5DA53D1E07E41357D2FE4DB61B085E69");
    }

    @Test
    void emptyInputGivesAnEmptySet() {
        assertThat(ConsensusFingerprints.fromNsAll("")).isEmpty();
        assertThat(ConsensusFingerprints.fromNsAll("250 OK\r\n")).isEmpty();
    }

    @Test
    void dotStuffedLinesAreUnstuffed() {
        // The control protocol doubles a leading '.'; an "r" line never starts with one, but unstuffing must not
        // turn a stuffed non-r line into something else either.
        String text = "..r not-an-entry\r\nr ok KNLJvF2lPR4H5BNX0v5NthsIXmk w97gFPE6ulyez6k1JJI9RKlNoYw 2026-11-23 02:44:15 127.0.0.13 45193 0\r\n";

        assertThat(ConsensusFingerprints.fromNsAll(text)).containsExactly("28D2C9BC5DA53D1E07E41357D2FE4DB61B085E69");
    }

    static String resource(String name) throws IOException {
        try (InputStream in = ConsensusFingerprintsTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("test resource " + name + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
