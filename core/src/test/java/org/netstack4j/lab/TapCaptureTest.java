package org.netstack4j.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.netstack4j.driver.WakeMode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Wireshark on Linux's side of the TAP device captures an exchange with our host (ARP, pings
 * small and fragmented, UDP to our service, a DNS query) and finds no malformed frame and no bad
 * checksum; our own capture of the same exchange holds the same frames, byte for byte, in the
 * same order.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TapCaptureTest {
    private static final Duration T = RealPeers.TOOL_TIMEOUT;

    @TempDir
    Path dir;

    @Test
    void linuxsCaptureIsCleanAndAgreesWithOursFrameForFrame() throws Exception {
        RealPeers.require("tshark", "ping", "socat", "dig");
        Path ours = dir.resolve("ours.pcap");
        Path linux = dir.resolve("linux.pcap");
        List<byte[]> theirs;
        try (TapLab lab = TapLab.create()) {
            Path inside = lab.ns().dir().resolve("linux.pcap");
            // -P -l: a summary line per frame as soon as it is captured (and written), so the
            // test can wait on what Linux's capture holds instead of sleeping.
            Netns.Background tshark = lab.ns().start(RealPeers.find("tshark"), "-n", "-l", "-P", "-i", lab.tapName(),
                    "-F", "pcap", "-w", inside.toString());
            // "Capturing on" comes before dumpcap has opened the device; "Capture started" after.
            // A frame sent between the two is never captured.
            tshark.awaitOutput("Capture started", T);
            lab.startHost(TapLab.hostOptions(WakeMode.NAPI).withCapture(ours));
            // Let the host's gratuitous ARP go out before Linux starts talking: the two directions
            // of the device are independent, so frames sent at once each way may be recorded in
            // either order.
            assertThat(RealPeers.await(() -> lab.tap().counterValues().txFrames() >= 1, 5000)).isTrue();
            tshark.awaitOutput(" ARP ", T);

            expectOk(lab.ns().exec(T, "ping", "-n", "-c", "3", "-i", "0.1", "-W", "2", TapLab.HOST_IP));
            expectOk(lab.ns().exec(T, "ping", "-n", "-c", "1", "-W", "2", "-s", "3000", TapLab.HOST_IP));
            expectOk(lab.ns().exec(T, "sh", "-c", "printf '%s' '" + LabWorld.QUESTION + "' | socat -T 2 - UDP4:"
                    + TapLab.HOST_IP + ":" + LabWorld.SERVICE_PORT + ",sourceport=40001"));
            // A fixed source port: a random one may be a port Wireshark gives to some protocol
            // (54328 is Elasticsearch's), whose dissector then calls our datagram malformed.
            expectOk(lab.ns().exec(T, "dig", "@" + TapLab.HOST_IP, LabWorld.DNS_NAME, "+time=2", "+tries=1"));
            // The last frame is our DNS answer: once Linux's capture has it, both captures hold
            // the whole exchange (ours records a frame as the host sends it).
            tshark.awaitOutput("Standard query response", T);

            tshark.signal("INT");
            Netns.Result stopped = tshark.await(Duration.ofSeconds(15));
            assertThat(stopped.timedOut()).as(stopped.output()).isFalse();
            lab.host().network().captureWriter().flush();
            Files.copy(inside, linux);
            theirs = frames(linux);
            assertThat(frames(ours).size()).isGreaterThanOrEqualTo(theirs.size());
        }
        List<byte[]> mine = frames(ours);

        // Wireshark's verdict on what Linux saw.
        Process p = new ProcessBuilder(RealPeers.find("tshark"), "-n", "-r", linux.toString(), "-V",
                "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "eth.fcs:Never")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).doesNotContainIgnoringCase("malformed").doesNotContain("[bad]")
                .doesNotContainIgnoringCase("incorrect").doesNotContain("status: Bad");
        int ipv4 = count(out, "(?m)^Internet Protocol Version 4");
        assertThat(count(out, "Header checksum status: Good")).isEqualTo(ipv4);
        assertThat(count(out, "\\[3 IPv4 Fragments \\(3008 bytes\\)")).as("reassembled each way").isEqualTo(2);
        assertThat(out).contains("Echo (ping) request", "Echo (ping) reply",
                "Dst Port: 2000", "Standard query response", LabWorld.DNS_ADDRESS, "Address Resolution Protocol (reply)");
        // 3 + 1 pings with replies (the big one 3 fragments each way), UDP both ways, DNS both ways, ARP.
        assertThat(theirs.size()).isGreaterThanOrEqualTo(6 + 6 + 2 + 2 + 2);

        assertThat(direction(theirs, true)).as("we sent frames").isNotEmpty();
        assertThat(direction(theirs, false)).as("Linux sent frames").isNotEmpty();
        // Our capture: the same frames, byte for byte, in the same order each way. Ours may go on a
        // little after tshark stopped, and tshark, loaded, may still miss our very first frame
        // (the gratuitous ARP) after saying it is capturing; nothing else may differ. Across the
        // two directions only causality orders frames.
        for (boolean fromUs : new boolean[] {true, false}) {
            List<String> a = direction(theirs, fromUs);
            List<String> b = direction(mine, fromUs);
            int start = b.indexOf(a.getFirst());
            assertThat(start).as("where Linux's first frame is in ours").isBetween(0, fromUs ? 1 : 0);
            assertThat(b.size() - start).isGreaterThanOrEqualTo(a.size());
            assertThat(b.subList(start, start + a.size())).as(fromUs ? "frames we sent" : "frames Linux sent").isEqualTo(a);
        }
    }

    /** The frames sent by our host (source MAC 52:54:00:12:34:56) or by Linux, as hex, in order. */
    private static List<String> direction(List<byte[]> frames, boolean fromUs) {
        HexFormat hex = HexFormat.ofDelimiter(" ");
        String ours = TapLab.HOST_MAC.replace(":", " ");
        List<String> out = new ArrayList<>();
        for (byte[] f : frames) {
            String h = hex.formatHex(f);
            if (h.startsWith(ours, 18) == fromUs) {
                out.add(h);
            }
        }
        return out;
    }

    private static void expectOk(Netns.Result r) {
        assertThat(r.ok()).as(r.output()).isTrue();
    }

    /** The frames of a classic pcap file (either byte order, microsecond or nanosecond). */
    static List<byte[]> frames(Path pcap) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(pcap)).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
            b.order(ByteOrder.BIG_ENDIAN);
            magic = b.getInt(0);
        }
        assertThat(magic).as("pcap magic of %s", pcap).isIn(0xa1b2c3d4, 0xa1b23c4d);
        assertThat(b.getInt(20)).as("link type").isEqualTo(1);
        List<byte[]> out = new ArrayList<>();
        int at = 24;
        while (at + 16 <= b.limit()) {
            int included = b.getInt(at + 8);
            byte[] frame = new byte[included];
            b.get(at + 16, frame);
            out.add(frame);
            at += 16 + included;
        }
        return out;
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
