package org.netstack4j.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.hw.link.FaultInjector;
import org.netstack4j.stack.Counter;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * netstack4j's TCP against Linux's through a lossy link: a fault injector between the TAP device
 * and our card drops 2 % of the frames each way (Linux's netem is not in this kernel; this is
 * {@code up --faults drop=0.02}). Linux's socat sends a file through our echo service and gets
 * it back byte-exact, each side recovering the other's losses; every buffer comes back.
 * {@code -Dnetstack4j.tapFaultBytes} sets the size (default 100 MB each way, about 20 s).
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class TapTcpFaultsTest {
    private static final long BYTES = Long.getLong("netstack4j.tapFaultBytes", 100_000_000L);

    @Test
    void bytesGoBothWaysByteExactThroughTwoPercentLossEachWay() throws Exception {
        RealPeers.require("socat", "sha256sum", "head", "sh");
        try (TapLab lab = TapLab.create()) {
            lab.startHost(TapLab.hostOptions(WakeMode.NAPI).withFaults(FaultInjector.Rates.NONE.withDrop(0.02)));
            Netns ns = lab.ns();
            String dir = ns.dir().toString();
            Netns.Result prepared = ns.exec(Duration.ofSeconds(60), "sh", "-c", "head -c " + BYTES + " /dev/urandom > " + dir + "/up");
            assertThat(prepared.ok()).as(prepared.output()).isTrue();
            long retransBefore = lab.linuxCounter("Tcp", "RetransSegs");
            long start = System.nanoTime();
            Netns.Result echo = ns.exec(Duration.ofSeconds(500), "sh", "-c", RealPeers.find("socat")
                    + " -b 65536 -t 60 -T 120 - TCP4:" + TapLab.HOST_IP + ":7 < " + dir + "/up > " + dir + "/down; "
                    + "sha256sum " + dir + "/up " + dir + "/down");
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(echo.ok()).as(echo.output()).isTrue();
            String[] sums = echo.out().strip().split("\n");
            assertThat(sums).hasSize(2);
            assertThat(sums[0].split(" ")[0]).as("echoed byte-exact through the losses").isEqualTo(sums[1].split(" ")[0]);
            StandaloneHost host = lab.host();
            List<FaultInjector.Counters> faults = host.faultCounters();
            assertThat(faults).hasSize(2);
            long linuxRetrans = lab.linuxCounter("Tcp", "RetransSegs") - retransBefore;
            System.out.printf(Locale.ROOT, "%,d bytes each way through 2 %% loss each way in %.1f s (%.1f MB/s each way); "
                            + "dropped out %d of %d, in %d of %d frames; we sent %d segments again (%d timeouts), Linux %d%n",
                    BYTES, seconds, BYTES / 1e6 / seconds, faults.get(0).dropped(), faults.get(0).sent(),
                    faults.get(1).dropped(), faults.get(1).sent(), lab.count(Counter.TCP_RETRANS_SEGS),
                    lab.count(Counter.TCP_TIMEOUTS), linuxRetrans);
            for (FaultInjector.Counters c : faults) {
                assertThat(c.dropped()).as("the link lost frames").isGreaterThan(c.sent() / 100);
            }
            assertThat(lab.host().tcpServices().counters().get("tcp_echoed_bytes")).isEqualTo(BYTES);
            host.close();
            assertThat(host.poolsFull()).isTrue();
        }
    }
}
