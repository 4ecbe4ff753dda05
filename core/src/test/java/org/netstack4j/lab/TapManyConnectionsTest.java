package org.netstack4j.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.stack.Counter;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ten thousand connections from Linux open at once, from four source addresses (2,500 each), to
 * netstack4j's echo service over TAP: every one echoes its own line, and every buffer comes back.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class TapManyConnectionsTest {
    private static final int CONNECTIONS = 10_000;
    private static final String[] SOURCES = {"10.0.2.2", "10.0.2.3", "10.0.2.4", "10.0.2.5"};

    @Test
    void tenThousandConnectionsFromFourAddressesAreAllServedAtOnce() throws Exception {
        RealPeers.require("python3", "sh");
        try (TapLab lab = TapLab.withHost(WakeMode.NAPI, null)) {
            Netns ns = lab.ns();
            for (int i = 1; i < SOURCES.length; i++) {
                ns.ip("addr", "add", SOURCES[i] + "/24", "dev", lab.tapName());
            }
            Path script = TapLab.resource(ns, "many_connections.py");
            long start = System.nanoTime();
            Netns.Result r = ns.exec(Duration.ofSeconds(240), "sh", "-c", "ulimit -n $(ulimit -Hn) && " + RealPeers.find("python3")
                    + " " + script + " " + TapLab.HOST_IP + " " + CONNECTIONS + " " + String.join(",", SOURCES));
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(r.ok()).as(r.output()).isTrue();
            assertThat(r.out().strip()).as("every connection echoed its own line").isEqualTo(Integer.toString(CONNECTIONS));
            System.out.printf("%,d connections from %d addresses, all open at once, served in %.1f s%n", CONNECTIONS,
                    SOURCES.length, seconds);
            assertThat(lab.count(Counter.TCP_PASSIVE_OPENS)).isGreaterThanOrEqualTo(CONNECTIONS);
            assertThat(lab.host().tcpServices().counters().get("tcp_faults")).isZero();
            StandaloneHost host = lab.host();
            host.close();
            assertThat(host.poolsFull()).isTrue();
        }
    }
}
