package org.netstack4j.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.stack.Counter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * netstack4j's TCP at size against Linux's, over TAP in a namespace the test makes: 100 MB each
 * way at once through the echo service with no retransmission storm on the clean link (Linux's
 * own counters and {@code ss -ti} say so), a thousand connections open at once from Linux, and
 * Wireshark finds no error in our capture of a TCP exchange.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class TapTcpBulkTest {
    private static final String HOST = TapLab.HOST_IP;

    @Test
    void aHundredMegabytesEachWayByteExactWithoutARetransmissionStorm() throws Exception {
        RealPeers.require("socat", "sha256sum", "head", "sh", "ss");
        try (TapLab lab = TapLab.withHost(WakeMode.NAPI, null)) {
            Netns ns = lab.ns();
            String dir = ns.dir().toString();
            long retransBefore = lab.linuxCounter("Tcp", "RetransSegs");
            long outBefore = lab.linuxCounter("Tcp", "OutSegs");
            Netns.Result prepared = ns.exec(Duration.ofSeconds(60), "sh", "-c", "head -c 100000000 /dev/urandom > " + dir + "/up");
            assertThat(prepared.ok()).as(prepared.output()).isTrue();
            long start = System.nanoTime();
            // ss samples the connection as soon as it shows (every 20 ms); socat half-closes at the end of its input.
            Netns.Result echo = ns.exec(Duration.ofSeconds(240), "sh", "-c",
                    "(for i in $(seq 100); do ss -tin dst " + HOST + " > " + dir + "/ss.now; "
                            + "if grep -qE ':7([[:space:]]|$)' " + dir + "/ss.now; then mv " + dir + "/ss.now " + dir + "/ss; break; fi; "
                            + "sleep 0.02; done; touch " + dir + "/ss) & "
                            + RealPeers.find("socat") + " -b 65536 -t 30 -T 60 - TCP4:" + HOST + ":7 < " + dir + "/up > "
                            + dir + "/down; wait; sha256sum " + dir + "/up " + dir + "/down");
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(echo.ok()).as(echo.output()).isTrue();
            String[] sums = echo.out().strip().split("\n");
            assertThat(sums).hasSize(2);
            assertThat(sums[0].split(" ")[0]).as("echoed byte-exact").isEqualTo(sums[1].split(" ")[0]);
            assertThat(lab.host().tcpServices().counters().get("tcp_echoed_bytes")).isEqualTo(100_000_000L);

            long retrans = lab.linuxCounter("Tcp", "RetransSegs") - retransBefore;
            long out = lab.linuxCounter("Tcp", "OutSegs") - outBefore;
            String ss = Files.readString(Path.of(dir, "ss"));
            System.out.printf("100 MB each way in %.1f s (%.0f MB/s each way); Linux sent %d segments, %d again; ss: %s%n",
                    seconds, 100 / seconds, out, retrans, ss.strip().replace('\n', ' '));
            assertThat(out).as("Linux sent the data").isGreaterThan(100_000_000L / 65_536);
            assertThat(retrans).as("no retransmission storm on a clean link").isLessThanOrEqualTo(Math.max(20, out / 1000));
            Matcher m = Pattern.compile("retrans:(\\d+)/(\\d+)").matcher(ss);
            if (m.find()) { // ss shows the field only once a segment was sent again
                assertThat(Long.parseLong(m.group(2))).as(ss).isLessThanOrEqualTo(Math.max(20, out / 1000));
            }
            assertThat(ss).as("ss saw the connection mid-transfer").contains(HOST + ":7");
            assertThat(lab.count(Counter.TCP_RETRANS_SEGS)).as("nor do we send again").isLessThanOrEqualTo(20);
            StandaloneHost host = lab.host();
            host.close();
            assertThat(host.poolsFull()).isTrue();
        }
    }

    @Test
    void aThousandConnectionsFromLinuxOpenAtOnceAllComplete() throws Exception {
        RealPeers.require("python3", "sh");
        try (TapLab lab = TapLab.withHost(WakeMode.NAPI, null)) {
            Netns ns = lab.ns();
            Path script = TapLab.resource(ns, "many_connections.py");
            Netns.Result r = ns.exec(Duration.ofSeconds(180), "sh", "-c",
                    "ulimit -n 4096 && " + RealPeers.find("python3") + " " + script + " " + HOST + " 1000");
            assertThat(r.ok()).as(r.output()).isTrue();
            assertThat(r.out().strip()).as("every connection echoed its own line").isEqualTo("1000");
            assertThat(lab.count(Counter.TCP_PASSIVE_OPENS)).isGreaterThanOrEqualTo(1000);
            assertThat(lab.host().tcpServices().counters().get("tcp_faults")).isZero();
            StandaloneHost host = lab.host();
            host.close();
            assertThat(host.poolsFull()).isTrue();
        }
    }

    @Test
    void wiresharkFindsNoErrorInOurCaptureOfATcpExchange(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        RealPeers.require("tshark", "curl", "socat", "head", "sh");
        Path capture = dir.resolve("tcp.pcap");
        try (TapLab lab = TapLab.withHost(WakeMode.NAPI, capture)) {
            Netns ns = lab.ns();
            String d = ns.dir().toString();
            Netns.Result page = ns.exec(Duration.ofSeconds(30), "curl", "-s", "-m", "10", "http://" + HOST + "/");
            assertThat(page.ok()).as(page.output()).isTrue();
            Netns.Result echo = ns.exec(Duration.ofSeconds(60), "sh", "-c", "head -c 2000000 /dev/urandom | "
                    + RealPeers.find("socat") + " -t 10 - TCP4:" + HOST + ":7 > " + d + "/down && wc -c < " + d + "/down");
            assertThat(echo.out().strip()).as(echo.output()).isEqualTo("2000000");
            StandaloneHost host = lab.host();
            host.close();
        }
        Process p = new ProcessBuilder(RealPeers.find("tshark"), "-n", "-r", capture.toString(), "-q",
                "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE", "-z", "expert,error")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).as("tshark's expert info at error level").doesNotContain("Errors (").doesNotContainIgnoringCase("malformed");
        assertThat(Files.size(capture)).isGreaterThan(4_000_000L);
    }
}
