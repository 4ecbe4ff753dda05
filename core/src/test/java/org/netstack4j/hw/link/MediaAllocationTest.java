package org.netstack4j.hw.link;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.netstack4j.exec.Simulation;
import org.netstack4j.hw.link.FaultInjector.Rates;

/**
 * The packet path through the media allocates nothing per frame: a switch, a fault injector that
 * keeps, corrupts and delays frames, and a capture, in steady state, measured with the JVM's
 * per-thread allocation counter.
 */
class MediaAllocationTest {
    @TempDir
    Path dir;

    @Test
    void steadyStateFramesAllocateNothing() throws Exception {
        var mx = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(mx instanceof com.sun.management.ThreadMXBean tm && tm.isThreadAllocatedMemorySupported(),
                "this JVM cannot count allocated bytes per thread");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) mx;

        Simulation sim = new Simulation();
        EthernetSwitch sw = new EthernetSwitch("sw", 3, sim);
        RecordingConnector a = new RecordingConnector("a", false);
        RecordingConnector b = new RecordingConnector("b", false);
        RecordingConnector c = new RecordingConnector("c", false);
        Rates rates = Rates.NONE.withDrop(0.05).withDuplicate(0.05).withCorrupt(0.05, 3)
                .withReorder(0.05, 20_000).withDelay(0.1, 30_000, 10_000);
        FaultInjector[] injectors = new FaultInjector[2];
        int[] made = {0};
        try (PcapWriter pcap = new PcapWriter(dir.resolve("alloc.pcap"), sim); Arena arena = Arena.ofConfined()) {
            sw.plug(0, a, link -> injectors[made[0]++] = new FaultInjector(Capture.wrap(link, pcap), sim, rates, 5));
            sw.plug(1, b);
            sw.plug(2, c);
            MemorySegment toB = frame(arena, Frames.numbered(Frames.mac(2), Frames.mac(1), 0, 60));
            MemorySegment toA = frame(arena, Frames.numbered(Frames.mac(1), Frames.mac(2), 0, 300));
            MemorySegment bcast = frame(arena, Frames.numbered(Frames.BROADCAST, Frames.mac(3), 0, 60));
            Link aOut = a.output();
            Link bOut = b.output();
            Link cOut = c.output();

            Runnable round = () -> {
                aOut.send(toB, 0, (int) toB.byteSize());
                bOut.send(toA, 0, (int) toA.byteSize());
                cOut.send(bcast, 0, (int) bcast.byteSize());
                sim.runFor(10_000);
            };
            for (int i = 0; i < 20_000; i++) { // warm up: JIT, and the timer heap reaching its size
                round.run();
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 20_000; i++) {
                round.run();
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            sim.runUntilQuiet(Long.MAX_VALUE);

            assertThat(allocated).as("bytes allocated for 60,000 frames").isLessThan(4096);
            assertThat(b.count()).isPositive();
            assertThat(a.count()).isPositive();
            assertThat(pcap.counters().frames()).isPositive();
            for (FaultInjector fi : injectors) {
                assertThat(fi.counters().delayed()).isPositive();
                assertThat(fi.pool().isFull()).isTrue();
            }
        }
    }

    private static MemorySegment frame(Arena arena, byte[] bytes) {
        MemorySegment s = arena.allocate(bytes.length);
        MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return s;
    }
}
