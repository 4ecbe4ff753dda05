package org.netstack4j.hw.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.hw.link.Frames.ip;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.netstack4j.exec.Simulation;

/**
 * Wireshark's own dissectors judge our captures: a mix of hand-built, valid frames recorded through
 * {@link Capture} on a cable must decode with no malformed packet and no bad checksum. Skipped
 * when tshark is missing, unless {@code CI=true}, where it must run.
 */
class PcapTsharkTest {
    private static final Path TSHARK = Path.of("/usr/bin/tshark");
    private static final long MAC_A = 0x5254_0012_3456L;
    private static final long MAC_B = 0x5255_0A00_0202L;
    private static final int IP_A = ip(10, 0, 2, 15);
    private static final int IP_B = ip(10, 0, 2, 2);

    @TempDir
    Path dir;

    private static byte[] text(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }

    @Test
    void tsharkDecodesMixedTrafficCleanly() throws Exception {
        boolean ci = "true".equals(System.getenv("CI"));
        if (!Files.isExecutable(TSHARK)) {
            Assumptions.assumeTrue(ci, "tshark is not installed at " + TSHARK + " (set CI=true to make this a failure)");
            throw new AssertionError("CI=true but tshark is missing at " + TSHARK);
        }

        RecordingConnector a = new RecordingConnector("a");
        RecordingConnector b = new RecordingConnector("b");
        Simulation sim = new Simulation();
        Path file = dir.resolve("mixed.pcap");
        List<byte[]> sent = new ArrayList<>();
        try (PcapWriter w = new PcapWriter(file, sim)) {
            Capture.cable(a, b, w);
            send(sim, sent, a, Frames.arp(1, Frames.BROADCAST, MAC_A, IP_A, 0, IP_B, 0));        // 42-byte ARP request
            send(sim, sent, b, Frames.arp(2, MAC_A, MAC_B, IP_B, MAC_A, IP_A, 60));              // ARP reply, padded
            send(sim, sent, a, Frames.udp(MAC_B, MAC_A, IP_A, IP_B, 40000, 40001, text(100), 0));
            send(sim, sent, a, Frames.icmpEcho(MAC_B, MAC_A, IP_A, IP_B, 0x4242, 1, text(56)));
            send(sim, sent, a, Frames.udp(Frames.BROADCAST, MAC_A, IP_A, ip(10, 0, 2, 255), 40000, 40002, text(20), 0));
            send(sim, sent, b, Frames.udp(MAC_A, MAC_B, IP_B, IP_A, 40001, 40000, text(1472), 0)); // 1514 bytes
            send(sim, sent, b, Frames.udp(MAC_A, MAC_B, IP_B, IP_A, 40001, 40000, text(3), 60));   // padded to 60
        }
        assertThat(sent).extracting(f -> f.length).containsExactly(42, 60, 142, 98, 62, 1514, 60);
        assertThat(a.count() + b.count()).isEqualTo(sent.size());

        Path err = dir.resolve("tshark.err");
        Process p = new ProcessBuilder(TSHARK.toString(), "-n", "-r", file.toString(), "-V",
                "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "eth.fcs:Never")
                .redirectError(err.toFile())
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("tshark finished").isTrue();
        String diagnostics = Files.readString(err) + "\n" + out;
        assertThat(p.exitValue()).as("tshark exit status; output:\n%s", diagnostics).isZero();

        assertThat(count(out, "(?m)^Frame \\d+: ")).as("frames decoded").isEqualTo(sent.size());
        assertThat(out).doesNotContainIgnoringCase("malformed");
        assertThat(out).doesNotContain("[bad]").doesNotContainIgnoringCase("incorrect")
                .doesNotContain("status: Bad").doesNotContain("Severity level: Error");
        // the checksums were really checked, and found good: 5 IPv4 headers, 4 UDP, 1 ICMP
        assertThat(count(out, "Header checksum status: Good")).isEqualTo(5);
        assertThat(count(out, "\\[Checksum Status: Good\\]")).isEqualTo(5);
        assertThat(out).contains("Address Resolution Protocol (request)", "Address Resolution Protocol (reply)",
                "Echo (ping) request", "User Datagram Protocol, Src Port: 40001, Dst Port: 40000");
        assertThat(count(out, "Destination: ff:ff:ff:ff:ff:ff")).isEqualTo(2);
    }

    private static void send(Simulation sim, List<byte[]> sent, RecordingConnector from, byte[] frame) {
        sent.add(frame);
        from.transmit(frame);
        sim.runFor(1_000_000);
    }

    private static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
