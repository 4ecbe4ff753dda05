package org.netstack4j.hw.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.netstack4j.exec.Simulation;

/** The bottleneck's rate, delay, drop-tail queue and accounting, in simulated time. */
class BottleneckTest {
    private static final long MICRO = 1_000L;
    private static final long MILLI = 1_000_000L;
    /** One byte per microsecond. */
    private static final long RATE = 8_000_000L;

    private static void send(Link link, int seq, int length) {
        byte[] frame = Frames.numbered(Frames.mac(2), Frames.mac(1), seq, length);
        link.send(MemorySegment.ofArray(frame), 0, frame.length);
    }

    @Test
    void framesLeaveAtTheLinkRateArriveAfterTheDelayAndOverflowIsDroppedAtTheTail() {
        Simulation sim = new Simulation();
        FaultInjectorTest.Sink sink = new FaultInjectorTest.Sink(sim);
        Bottleneck b = new Bottleneck(sink, sim, RATE, MILLI, 3000, 16, 2048);
        for (int i = 0; i < 5; i++) {
            send(b, i, 1000); // a burst at t = 0: the queue holds three
        }
        assertThat(b.counters().droppedQueueFull()).as("the fourth and fifth overflow 3000 bytes").isEqualTo(2);
        sim.runFor(2500 * MICRO); // frame 0 arrived at 2 ms; frame 2 is still being transmitted (until 3 ms)
        assertThat(sink.times).containsExactly(2 * MILLI);
        send(b, 5, 1000);
        send(b, 6, 1000);
        send(b, 7, 1000);
        assertThat(b.counters().droppedQueueFull()).as("1000 left of frame 2, two more fit").isEqualTo(3);
        sim.runUntilQuiet(Long.MAX_VALUE);
        assertThat(sink.sequences()).containsExactly(0, 1, 2, 5, 6);
        assertThat(sink.times).as("back to back at 1 ms a frame, then 1 ms of delay")
                .containsExactly(2 * MILLI, 3 * MILLI, 4 * MILLI, 5 * MILLI, 6 * MILLI);
        Bottleneck.Counters c = b.counters();
        assertThat(c.delivered()).isEqualTo(c.sent() - c.droppedQueueFull() - c.droppedNoBuffer()).isEqualTo(5);
        assertThat(c.peakQueueBytes()).isEqualTo(3000);
        b.close();
        assertThat(b.pool().isFull()).isTrue();
    }

    @Test
    void anIdleLinkSendsAtOnceAndTheRateSpacesWhatFollows() {
        Simulation sim = new Simulation();
        FaultInjectorTest.Sink sink = new FaultInjectorTest.Sink(sim);
        Bottleneck b = new Bottleneck(sink, sim, RATE, 0, 100_000, 64, 2048);
        for (int i = 0; i < 10; i++) {
            send(b, i, 500);
            sim.runFor(200 * MICRO); // arrives faster than the link drains: the queue grows
        }
        sim.runUntilQuiet(Long.MAX_VALUE);
        for (int i = 0; i < 10; i++) {
            assertThat(sink.times.get(i)).as("frame %d", i).isEqualTo((i + 1) * 500 * MICRO);
        }
        b.close();
        assertThat(b.pool().isFull()).isTrue();
    }

    @Test
    void closeDropsWhatIsOnItsWayAndReturnsEveryBuffer() {
        Simulation sim = new Simulation();
        FaultInjectorTest.Sink sink = new FaultInjectorTest.Sink(sim);
        Bottleneck b = new Bottleneck(sink, sim, RATE, 10 * MILLI, 10_000, 4, 2048);
        for (int i = 0; i < 6; i++) {
            send(b, i, 100);
        }
        assertThat(b.counters().droppedNoBuffer()).as("four buffers: two frames find none").isEqualTo(2);
        send(b, 99, 4000);
        assertThat(b.counters().droppedNoBuffer()).as("larger than a buffer").isEqualTo(3);
        assertThat(b.held()).isEqualTo(4);
        b.close();
        send(b, 7, 100);
        sim.runUntilQuiet(Long.MAX_VALUE);
        assertThat(sink.frames).isEmpty();
        Bottleneck.Counters c = b.counters();
        assertThat(c.droppedQueueFull()).as("four held at close, one sent after").isEqualTo(5);
        assertThat(c.delivered()).isEqualTo(c.sent() - c.droppedQueueFull() - c.droppedNoBuffer()).isZero();
        assertThat(b.pool().isFull()).isTrue();
    }

    @Test
    void refusesANonsensicalLink() {
        Simulation sim = new Simulation();
        assertThatThrownBy(() -> new Bottleneck(Link.NOWHERE, sim, 0, 0, 1000, 4, 2048))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Bottleneck(Link.NOWHERE, sim, RATE, 0, 0, 4, 2048))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
