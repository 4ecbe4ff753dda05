package org.netstack4j.lab;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.netstack4j.driver.WakeMode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * tshark reads the demo's capture with IP, UDP and ICMP checksum validation on, and finds no
 * malformed frame and no bad checksum. Skipped without tshark, unless CI=true.
 */
class DemoCaptureTsharkTest {
    private static final Path TSHARK = Path.of("/usr/bin/tshark");

    @Test
    void tsharkFindsNothingWrongInTheDemoCapture(@TempDir Path dir) throws Exception {
        if (!Files.isExecutable(TSHARK)) {
            boolean ci = "true".equals(System.getenv("CI"));
            Assumptions.assumeTrue(ci, "tshark is not installed at " + TSHARK + " (set CI=true to make this a failure)");
            throw new AssertionError("CI=true but tshark is missing at " + TSHARK);
        }
        Path pcap = dir.resolve("demo.pcap");
        Demo.Report report = Demo.run(new Demo.Options(WakeMode.NAPI, 11L, pcap), c -> { });
        assertThat(report.ok()).isTrue();

        Process p = new ProcessBuilder(TSHARK.toString(), "-n", "-r", pcap.toString(), "-V",
                "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                "-o", "eth.fcs:Never")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();

        int frames = count(out, "(?m)^Frame \\d+: ");
        assertThat(frames).isGreaterThan(400);
        assertThat(out).doesNotContainIgnoringCase("malformed").doesNotContain("[bad]")
                .doesNotContainIgnoringCase("incorrect").doesNotContain("status: Bad");
        // Every IPv4 header and every UDP, ICMP and TCP checksum was checked and found good.
        int ipv4 = count(out, "(?m)^Internet Protocol Version 4");
        assertThat(ipv4).isGreaterThan(400);
        assertThat(count(out, "Header checksum status: Good")).isEqualTo(ipv4);
        assertThat(count(out, "\\[Checksum Status: Good\\]")).isEqualTo(ipv4);
        assertThat(out).contains("Standard query", "pdos.csail.mit.edu", "128.52.129.126",
                "Echo (ping) request", "Echo (ping) reply", "Dst Port: 2000", "HTTP/1.1 200 OK\\r\\n",
                "Transmission Control Protocol, Src Port: 7");
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
