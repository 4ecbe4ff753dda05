package org.netstack4j.driver;

import org.junit.jupiter.api.Test;
import org.netstack4j.exec.CpuThread;
import org.netstack4j.exec.RealTimeline;
import org.netstack4j.lab.Machine;
import org.netstack4j.lab.Nic;
import org.netstack4j.wire.MacAddress;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Bring-up and tear-down 10,000 times, with frames in flight each time, leak nothing: no buffer, no thread. */
class BringUpTearDownTest {
    private static final int CYCLES = 10_000;

    @Test
    void tenThousandCyclesLeakNoBufferAndNoThread() throws Exception {
        try (RealTimeline timeline = new RealTimeline();
             Machine a = new Machine("a", timeline);
             Machine b = new Machine("b", timeline)) {
            DriverConfig config = DriverConfig.of(WakeMode.NAPI).withRings(64, 64);
            Nic nicA = a.addNic("eth0", MacAddress.parse("02:00:00:00:00:01"), config);
            Nic nicB = b.addNic("eth0", MacAddress.parse("02:00:00:00:00:02"), config);
            nicA.card().attach(nicB.card().input());
            nicB.card().attach(nicA.card().input());
            AtomicLong received = new AtomicLong();
            int threadsBefore = Thread.activeCount();
            long expected = 0;
            for (int cycle = 0; cycle < CYCLES; cycle++) {
                nicA.driver().bringUp(f -> f.release());
                nicB.driver().bringUp(f -> {
                    received.incrementAndGet();
                    f.release();
                });
                // Every tenth cycle the interfaces run on real threads and carry traffic.
                if (cycle % 10 == 0) {
                    try (CpuThread ta = new CpuThread(a.cpu()); CpuThread tb = new CpuThread(b.cpu())) {
                        for (int i = 0; i < 4; i++) {
                            var f = a.txPool().take();
                            f.append(60);
                            f.setU16(0, 0x0200);
                            f.setInt(2, 2);
                            nicA.driver().queue(f);
                        }
                        nicA.driver().flush();
                        expected += 4;
                        long deadline = System.nanoTime() + 5_000_000_000L;
                        while (received.get() < expected && System.nanoTime() < deadline) {
                            Thread.onSpinWait();
                        }
                    }
                }
                nicA.driver().tearDown();
                nicB.driver().tearDown();
                assertThat(a.poolsFull()).as("a's pools after cycle %d", cycle).isTrue();
                assertThat(b.poolsFull()).as("b's pools after cycle %d", cycle).isTrue();
            }
            assertThat(received.get()).isEqualTo(expected);
            assertThat(nicA.driver().counters().txPackets()).isEqualTo(expected);
            assertThat(Thread.activeCount()).isLessThanOrEqualTo(threadsBefore);
        }
    }
}
