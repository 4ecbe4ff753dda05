package org.netstack4j.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.stack.Counter;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Linux floods netstack4j's HTTP service over TAP with 10,000 SYNs from addresses that never
 * answer (2,000 a second, bounded in count and time, scapy through a packet socket), more than its listener's
 * SYN queue holds; meanwhile Linux's own curl fetches the page again and again, each within a
 * second, through SYN cookies once the queue is full. Every buffer comes back afterwards.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TapSynFloodTest {
    private static final Duration T = Duration.ofSeconds(60);
    private static final int SYNS = 10_000;
    /** SYNs a second: what the host can read from TAP (unpaced, the TAP device's queue drops most). */
    private static final int RATE = 2_000;
    private static final int FETCHES = 5;

    @Test
    void curlIsServedWithinASecondDuringASynFlood() throws Exception {
        RealPeers.require("curl", "python3");
        RealPeers.requirePython("scapy");
        try (TapLab lab = TapLab.withHost(WakeMode.NAPI, null)) {
            String tap = lab.tapName();
            Path script = lab.ns().dir().resolve("syn_flood.py");
            try (InputStream in = TapSynFloodTest.class.getResourceAsStream("syn_flood.py")) {
                Files.copy(in, script);
            }
            String linuxMac = lab.ns().exec(T, "cat", "/sys/class/net/" + tap + "/address").out().strip();
            Netns.Background flood = lab.ns().start("timeout", "60", RealPeers.find("python3"), script.toString(), tap,
                    linuxMac, TapLab.HOST_MAC, TapLab.HOST_IP, "80", Integer.toString(SYNS), Integer.toString(RATE), "30");
            flood.awaitOutput("flooding", Duration.ofSeconds(60));
            // Fetch while the flood runs: each fetch's SYN meets a full SYN queue once the flood has filled it.
            assertThat(RealPeers.await(() -> lab.count(Counter.TCP_SYN_COOKIES_SENT) > 0, 30_000))
                    .as("the flood filled the SYN queue").isTrue();
            for (int i = 0; i < FETCHES; i++) {
                Netns.Result fetch = lab.ns().exec(T, "curl", "-s", "-o", "/dev/null", "-m", "1", "-w",
                        "%{http_code} %{time_total}", "http://" + TapLab.HOST_IP + "/");
                assertThat(fetch.ok()).as("fetch %d during the flood: %s", i, fetch.output()).isTrue();
                String[] f = fetch.out().strip().split(" ");
                assertThat(f[0]).isEqualTo("200");
                assertThat(Double.parseDouble(f[1])).as("seconds").isLessThan(1.0);
            }
            Netns.Result done = flood.await(Duration.ofSeconds(90));
            assertThat(done.out()).as(done.output()).contains("sent ");
            int sent = Integer.parseInt(done.out().strip().lines().reduce((a, b) -> b).orElseThrow().split(" ")[1]);
            long cookies = lab.count(Counter.TCP_SYN_COOKIES_SENT);
            long received = lab.count(Counter.TCP_SYN_COOKIES_RECEIVED);
            System.out.printf(Locale.ROOT, "SYN flood over TAP: %d SYNs sent, %d TCP segments in, %d passive opens, "
                    + "%d cookies sent, %d cookie ACKs returned, %d fetches%n", sent, lab.count(Counter.TCP_IN_SEGS),
                    lab.count(Counter.TCP_PASSIVE_OPENS), cookies, received, FETCHES);
            assertThat(sent).isGreaterThan(TcpServices.BACKLOG);
            assertThat(cookies).as("every SYN beyond the queue answered with a cookie").isGreaterThan(sent / 2);
            assertThat(lab.host().tcpServices().counters().get("http_requests")).isEqualTo(FETCHES);
            StandaloneHost host = lab.host();
            host.close();
            assertThat(host.poolsFull()).isTrue();
        }
    }
}
