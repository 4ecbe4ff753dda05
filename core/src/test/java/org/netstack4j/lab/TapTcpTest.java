package org.netstack4j.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.stack.Counter;
import org.netstack4j.stack.StackCounters;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * netstack4j's TCP against Linux's, over TAP in a namespace made for the test: curl fetches the
 * HTTP page, socat sends 20 MB through the echo service and gets it back byte-exact, a closed
 * port refuses, a hundred connections at once all complete, and every buffer comes back.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TapTcpTest {
    private static final Duration T = Duration.ofSeconds(60);
    private static final String HOST = TapLab.HOST_IP;

    @Test
    void linuxsToolsTalkToOurTcp() throws Exception {
        RealPeers.require("curl", "socat", "sha256sum", "head", "sh");
        try (TapLab lab = TapLab.withHost(WakeMode.NAPI, null)) {
            Netns ns = lab.ns();
            Netns.Result page = ns.exec(T, "curl", "-s", "-m", "10", "http://" + HOST + "/");
            assertThat(page.ok()).as(page.output()).isTrue();
            assertThat(page.out()).startsWith("netstack4j host " + HOST).contains("tcp.passive_opens");
            Netns.Result missing = ns.exec(T, "curl", "-s", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}",
                    "http://" + HOST + "/nope");
            assertThat(missing.out()).isEqualTo("404");

            // 20 MB through the echo service and back, half-closed at the end as socat does.
            String dir = ns.dir().toString();
            Netns.Result echo = ns.exec(Duration.ofSeconds(120), "sh", "-c",
                    "head -c 20000000 /dev/urandom > " + dir + "/up && "
                            + RealPeers.find("socat") + " -t 30 -T 60 - TCP4:" + HOST + ":7 < " + dir + "/up > " + dir + "/down && "
                            + "sha256sum " + dir + "/up " + dir + "/down");
            assertThat(echo.ok()).as(echo.output()).isTrue();
            String[] sums = echo.out().strip().split("\n");
            assertThat(sums).hasSize(2);
            assertThat(sums[0].split(" ")[0]).as("echoed byte-exact").isEqualTo(sums[1].split(" ")[0]);

            Netns.Result refused = ns.exec(T, RealPeers.find("socat"), "-u", "-", "TCP4:" + HOST + ":81");
            assertThat(refused.ok()).isFalse();
            assertThat(refused.output()).contains("Connection refused");

            Netns.Result many = ns.exec(Duration.ofSeconds(120), "sh", "-c",
                    "ok=0; for i in $(seq 100); do curl -s -m 20 -o /dev/null -w '%{http_code}\\n' http://" + HOST
                            + "/ >> " + dir + "/codes & done; wait; grep -c '^200$' " + dir + "/codes");
            assertThat(many.out().strip()).as(many.output()).isEqualTo("100");

            StackCounters c = lab.host().host().counters();
            assertThat(c.get(Counter.TCP_PASSIVE_OPENS)).isEqualTo(103);
            assertThat(c.get(Counter.TCP_OUT_RSTS)).as("the closed port's answer").isGreaterThanOrEqualTo(1);
            assertThat(lab.host().runningServices()).contains("tcp/7", "tcp/9", "tcp/80");
            Map<String, Long> services = lab.host().tcpServices().counters();
            assertThat(services.get("tcp_echoed_bytes")).isEqualTo(20_000_000L);
            assertThat(services.get("http_requests")).isEqualTo(102);
            assertThat(services.get("tcp_faults")).isZero();
            StandaloneHost host = lab.host();
            host.close();
            assertThat(host.poolsFull()).isTrue();
        }
    }
}
