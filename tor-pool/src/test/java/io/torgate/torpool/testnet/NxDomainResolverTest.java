package io.torgate.torpool.testnet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NxDomainResolverTest {

    /** An A query for {@code name} with id 0xBEEF, RD set, and an EDNS OPT record as tor's resolver sends. */
    private static byte[] query(String name) {
        ByteArrayOutputStream q = new ByteArrayOutputStream();
        q.writeBytes(new byte[] {(byte) 0xbe, (byte) 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1});
        for (String label : name.split("\\.")) {
            q.write(label.length());
            q.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        }
        q.writeBytes(new byte[] {0, 0, 1, 0, 1}); // root, QTYPE A, QCLASS IN
        q.writeBytes(new byte[] {0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0}); // OPT
        return q.toByteArray();
    }

    @Test
    void everyQueryIsAnsweredNxdomainWithItsQuestion() {
        byte[] q = query("nonexistent.invalid");
        byte[] r = NxDomainResolver.reply(q);
        int questionEnd = q.length - 11;
        assertThat(r).hasSize(questionEnd);
        assertThat(Arrays.copyOf(r, 2)).containsExactly(0xbe, 0xef);
        assertThat(r[2] & 0xff).as("QR, RD").isEqualTo(0x81);
        assertThat(r[3] & 0xff).as("RA, NXDOMAIN").isEqualTo(0x83);
        assertThat(Arrays.copyOfRange(r, 4, 12)).containsExactly(0, 1, 0, 0, 0, 0, 0, 0);
        assertThat(Arrays.copyOfRange(r, 12, questionEnd)).isEqualTo(Arrays.copyOfRange(q, 12, questionEnd));
    }

    @Test
    void responsesAndGarbageAreIgnoredAndAMalformedQuestionIsFormerr() {
        byte[] response = query("a.b");
        response[2] |= (byte) 0x80;
        assertThat(NxDomainResolver.reply(response)).isNull();
        assertThat(NxDomainResolver.reply(new byte[5])).isNull();
        byte[] truncated = Arrays.copyOf(query("example.invalid"), 16);
        byte[] r = NxDomainResolver.reply(truncated);
        assertThat(r).hasSize(12);
        assertThat(r[3] & 0x0f).isEqualTo(1);
        assertThat(r[5]).isZero();
    }

    @Test
    void itAnswersOverUdpOnLoopback() throws Exception {
        try (NxDomainResolver resolver = NxDomainResolver.start(); DatagramSocket client = new DatagramSocket()) {
            client.setSoTimeout(5_000);
            byte[] q = query("nonexistent.invalid");
            client.send(new DatagramPacket(q, q.length, InetAddress.getLoopbackAddress(), resolver.port()));
            DatagramPacket in = new DatagramPacket(new byte[512], 512);
            client.receive(in);
            assertThat(in.getData()[3] & 0x0f).isEqualTo(3);
            assertThat(resolver.answered()).isEqualTo(1);
        }
    }
}
