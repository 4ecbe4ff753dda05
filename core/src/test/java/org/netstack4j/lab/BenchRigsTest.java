package org.netstack4j.lab;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.netstack4j.driver.WakeMode;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

/** The benchmark rigs: every packet arrives, every buffer comes back, one tail write per batch, no garbage. */
class BenchRigsTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @ParameterizedTest
    @EnumSource(WakeMode.class)
    void forwardingDeliversEveryFrameWithOneTailWritePerBatchAndNoGarbage(WakeMode mode) throws Exception {
        ForwardingRig rig = ForwardingRig.open(mode);
        try {
            rig.forward(50_000); // warm
            long before = rig.routerOutCounters().get("tx_packets");
            long tdtBefore = rig.routerOutCounters().get("tdt_writes");
            long a0 = THREADS.getCurrentThreadAllocatedBytes();
            assertThat(rig.forward(200_000)).isEqualTo(200_000);
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - a0;
            rig.forward(1); // the counters are read at the card's own pace: let the last batch be reclaimed
            long sent = rig.routerOutCounters().get("tx_packets") - before;
            long tdt = rig.routerOutCounters().get("tdt_writes") - tdtBefore;
            assertThat(rig.unexpectedFrames()).isZero();
            assertThat(sent).isGreaterThanOrEqualTo(200_000);
            assertThat(tdt).as("tail writes for %d frames", sent).isLessThan(sent / 16);
            assertThat(allocated).as("bytes allocated forwarding 200,000 frames").isLessThan(20_000);
            assertThat(rig.routerNanos()).isPositive();
        } finally {
            rig.close();
        }
        assertThat(rig.poolsFull()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(WakeMode.class)
    void udpOneWayAndEchoCompleteWithoutGarbage(WakeMode mode) throws Exception {
        UdpPair pair = UdpPair.open(mode, 64);
        try {
            pair.oneWay(20_000, 32);
            pair.echo(32);
            long a0 = THREADS.getCurrentThreadAllocatedBytes();
            long received = pair.oneWay(100_000, 32);
            long echoed = 0;
            for (int i = 0; i < 1000; i++) {
                echoed += pair.echo(32); // (no assertion inside the loop: AssertJ allocates)
            }
            for (int i = 0; i < 1000; i++) {
                pair.echoOnce();
            }
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - a0;
            assertThat(received).isEqualTo(100_000);
            assertThat(echoed).isEqualTo(32_000);
            assertThat(allocated).as("bytes allocated for 100,000 datagrams and 33,000 echoes").isLessThan(20_000);
        } finally {
            pair.close();
        }
        assertThat(pair.poolsFull()).isTrue();
    }
}
