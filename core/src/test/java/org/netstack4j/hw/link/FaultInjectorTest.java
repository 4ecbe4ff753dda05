package org.netstack4j.hw.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.netstack4j.exec.Clock;
import org.netstack4j.exec.RealTimeline;
import org.netstack4j.exec.Simulation;
import org.netstack4j.hw.link.FaultInjector.Counters;
import org.netstack4j.hw.link.FaultInjector.Rates;

class FaultInjectorTest {
    private static final long MICRO = 1_000L;
    private static final long MILLI = 1_000_000L;

    private final Simulation sim = new Simulation();

    /** The far end: records each frame with its arrival time. */
    static final class Sink implements Link {
        final Clock clock;
        final List<byte[]> frames = new ArrayList<>();
        final List<Long> times = new ArrayList<>();

        Sink(Clock clock) {
            this.clock = clock;
        }

        @Override
        public void send(MemorySegment frame, long offset, int length) {
            frames.add(frame.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE));
            times.add(clock.nanos());
        }

        List<Integer> sequences() {
            return frames.stream().map(Frames::sequenceOf).toList();
        }
    }

    private static byte[] frame(int seq) {
        return Frames.numbered(Frames.mac(2), Frames.mac(1), seq, 60 + seq % 64);
    }

    private static void send(Link link, byte[] frame) {
        link.send(MemorySegment.ofArray(frame), 0, frame.length);
    }

    private static void assertAccounted(Counters c) {
        assertThat(c.delivered()).as("delivered = sent - dropped - dropped_no_buffer + duplicated; %s", c)
                .isEqualTo(c.sent() - c.dropped() - c.droppedNoBuffer() + c.duplicated());
    }

    private static final Rates ALL = Rates.NONE.withDrop(0.05).withDuplicate(0.05).withCorrupt(0.05, 3)
            .withReorder(0.05, 50 * MICRO).withDelay(0.05, 100 * MICRO, 200 * MICRO);

    /** Sends {@code n} frames 10 µs apart through an injector and returns what came out, with times. */
    private List<String> run(Rates rates, long seed, int n) {
        Simulation s = new Simulation();
        Sink sink = new Sink(s);
        FaultInjector fi = new FaultInjector(sink, s, rates, seed);
        for (int i = 0; i < n; i++) {
            send(fi, frame(i));
            s.runFor(10 * MICRO);
        }
        s.runUntilQuiet(Long.MAX_VALUE);
        assertAccounted(fi.counters());
        assertThat(fi.pool().isFull()).isTrue();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < sink.frames.size(); i++) {
            out.add(sink.times.get(i) + " " + HexFormat.of().formatHex(sink.frames.get(i)));
        }
        return out;
    }

    @Test
    void withoutFaultsEveryFramePassesUnchangedAndInOrder() {
        Sink sink = new Sink(sim);
        FaultInjector fi = new FaultInjector(sink, sim, Rates.NONE, 1);
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            sent.add(frame(i));
            send(fi, sent.getLast());
        }
        assertThat(sink.frames).hasSize(100);
        for (int i = 0; i < 100; i++) {
            assertThat(sink.frames.get(i)).isEqualTo(sent.get(i));
        }
        Counters c = fi.counters();
        assertThat(c.sent()).isEqualTo(100);
        assertThat(c.delivered()).isEqualTo(100);
        assertThat(fi.pool().taken()).as("nothing was copied").isZero();
    }

    @Test
    void sameSeedGivesTheSameFaultsAndADifferentSeedDifferentOnes() {
        List<String> first = run(ALL, 42, 3000);
        List<String> again = run(ALL, 42, 3000);
        List<String> other = run(ALL, 43, 3000);
        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
        // and the faults really happened: fewer, more, reordered or altered frames than sent
        List<String> clean = run(Rates.NONE, 42, 3000);
        assertThat(first).isNotEqualTo(clean);
    }

    @Test
    void ratesAreHonouredOver100kFrames() {
        double drop = 0.10;
        double dup = 0.05;
        double corrupt = 0.02;
        double reorder = 0.03;
        double delay = 0.04;
        Rates rates = Rates.NONE.withDrop(drop).withDuplicate(dup).withCorrupt(corrupt, 4)
                .withReorder(reorder, MILLI).withDelay(delay, 20 * MICRO, 0);
        AtomicLong received = new AtomicLong();
        FaultInjector fi = new FaultInjector((f, o, l) -> received.incrementAndGet(), sim, rates, 2024);
        byte[] buffer = frame(0);
        MemorySegment segment = MemorySegment.ofArray(buffer);
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            segment.set(ValueLayout.JAVA_INT_UNALIGNED, 14, i);
            fi.send(segment, 0, buffer.length);
            sim.runFor(10 * MICRO);
        }
        sim.runUntilQuiet(Long.MAX_VALUE);

        Counters c = fi.counters();
        assertThat(c.sent()).isEqualTo(n);
        assertThat(c.droppedNoBuffer()).isZero();
        double passed = n - c.dropped();
        assertThat(c.dropped() / (double) n).isCloseTo(drop, within(0.005));
        assertThat(c.duplicated() / passed).isCloseTo(dup, within(0.004));
        assertThat(c.corrupted() / passed).isCloseTo(corrupt, within(0.003));
        assertThat(c.delayed() / passed).isCloseTo(delay, within(0.003));
        // a frame is held for reordering only if it is not delayed and nothing is held already
        assertThat(c.reordered() / passed).isBetween(0.9 * reorder * (1 - delay), 1.02 * reorder * (1 - delay));
        assertAccounted(c);
        assertThat(received.get()).isEqualTo(c.delivered());
        assertThat(fi.pool().isFull()).isTrue();
    }

    @Test
    void everyFrameIsAccountedForAcrossSeedsEvenWhenThePoolRunsDry() {
        long noBuffer = 0;
        for (long seed = 0; seed < 20; seed++) {
            Rates rates = Rates.NONE.withDrop(0.1).withDuplicate(0.1).withCorrupt(0.1, 2)
                    .withReorder(0.2, 30 * MICRO).withDelay(0.3, 50 * MICRO, 50 * MICRO);
            AtomicLong received = new AtomicLong();
            FaultInjector fi = new FaultInjector((f, o, l) -> received.incrementAndGet(), sim, rates, seed, 4, 256);
            for (int i = 0; i < 2000; i++) {
                send(fi, frame(i));
                if (i % 3 == 0) {
                    sim.runFor(5 * MICRO);
                }
            }
            sim.runUntilQuiet(Long.MAX_VALUE);
            Counters c = fi.counters();
            assertThat(fi.held()).isZero();
            assertAccounted(c);
            assertThat(received.get()).isEqualTo(c.delivered());
            assertThat(fi.pool().isFull()).as("seed %d", seed).isTrue();
            noBuffer += c.droppedNoBuffer();
        }
        assertThat(noBuffer).as("the 4-buffer pool ran dry at times").isPositive();
    }

    @Test
    void corruptionFlipsOneToNBitsOfACopyNeverTheSendersMemory() {
        Sink sink = new Sink(sim);
        FaultInjector fi = new FaultInjector(sink, sim, Rates.NONE.withCorrupt(1.0, 3), 7);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sender = arena.allocate(200);
            int[] histogram = new int[4];
            for (int i = 0; i < 500; i++) {
                byte[] original = frame(i);
                MemorySegment.copy(original, 0, sender, ValueLayout.JAVA_BYTE, 50, original.length);
                fi.send(sender, 50, original.length);
                assertThat(sender.asSlice(50, original.length).toArray(ValueLayout.JAVA_BYTE))
                        .as("sender's frame %d", i).isEqualTo(original);
                byte[] got = sink.frames.getLast();
                assertThat(got).hasSameSizeAs(original);
                int flipped = 0;
                for (int k = 0; k < got.length; k++) {
                    flipped += Integer.bitCount((got[k] ^ original[k]) & 0xFF);
                }
                assertThat(flipped).isBetween(1, 3);
                histogram[flipped]++;
            }
            assertThat(histogram[1]).isPositive();
            assertThat(histogram[2]).isPositive();
            assertThat(histogram[3]).isPositive();
        }
        assertThat(fi.counters().corrupted()).isEqualTo(500);
        assertThat(fi.pool().isFull()).isTrue();
    }

    @Test
    void delaysAreDeliveredBySimulationTimers() {
        Sink sink = new Sink(sim);
        FaultInjector fi = new FaultInjector(sink, sim, Rates.NONE.withDelay(1.0, 5 * MILLI, 0), 1);
        send(fi, frame(1));
        sim.runFor(MILLI);
        send(fi, frame(2));
        assertThat(sink.frames).isEmpty();
        assertThat(fi.held()).isEqualTo(2);
        assertThat(fi.pool().isFull()).isFalse();

        sim.runFor(4 * MILLI - 1);
        assertThat(sink.frames).isEmpty();
        sim.runFor(1);
        assertThat(sink.sequences()).containsExactly(1);
        assertThat(sink.times).containsExactly(5 * MILLI);
        sim.runFor(MILLI);
        assertThat(sink.sequences()).containsExactly(1, 2);
        assertThat(sink.times).containsExactly(5 * MILLI, 6 * MILLI);
        assertThat(fi.counters().delayed()).isEqualTo(2);
        assertThat(fi.pool().isFull()).isTrue();
    }

    @Test
    void delayJitterStaysInItsWindowAndReorders() {
        Sink sink = new Sink(sim);
        FaultInjector fi = new FaultInjector(sink, sim, Rates.NONE.withDelay(1.0, 5 * MILLI, MILLI), 3);
        for (int i = 0; i < 50; i++) {
            send(fi, frame(i));
        }
        sim.runUntilQuiet(Long.MAX_VALUE);
        assertThat(sink.times).hasSize(50).allSatisfy(t -> assertThat(t).isBetween(5 * MILLI, 6 * MILLI));
        assertThat(sink.sequences()).containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, 50).boxed().toList())
                .isNotEqualTo(java.util.stream.IntStream.range(0, 50).boxed().toList());
        assertThat(fi.held()).isZero();
        assertThat(fi.counters().delayed()).isEqualTo(50);
        assertThat(fi.pool().isFull()).as("every held buffer back in its pool").isTrue();
    }

    @Test
    void reorderReleasesAHeldFrameAfterTheNextOneOrOnTimeout() {
        Sink sink = new Sink(sim);
        FaultInjector fi = new FaultInjector(sink, sim, Rates.NONE.withReorder(1.0, 2 * MILLI), 1);
        for (int i = 0; i < 5; i++) {
            send(fi, frame(i));
        }
        assertThat(sink.sequences()).containsExactly(1, 0, 3, 2);
        assertThat(fi.held()).isEqualTo(1);
        sim.runFor(2 * MILLI - 1);
        assertThat(sink.frames).hasSize(4);
        sim.runFor(1);
        assertThat(sink.sequences()).containsExactly(1, 0, 3, 2, 4);
        assertThat(fi.counters().reordered()).isEqualTo(3);
        assertThat(fi.pool().isFull()).isTrue();
    }

    @Test
    void duplicatesAreDeliveredBackToBack() {
        Sink sink = new Sink(sim);
        FaultInjector fi = new FaultInjector(sink, sim, Rates.NONE.withDuplicate(1.0), 1);
        send(fi, frame(1));
        send(fi, frame(2));
        assertThat(sink.sequences()).containsExactly(1, 1, 2, 2);
        assertThat(fi.counters().duplicated()).isEqualTo(2);
        assertAccounted(fi.counters());
    }

    @Test
    void anEmptyPoolDropsAndCountsInsteadOfAllocating() {
        Sink sink = new Sink(sim);
        FaultInjector fi = new FaultInjector(sink, sim, Rates.NONE.withDelay(1.0, MILLI, 0), 1, 4, 2048);
        for (int i = 0; i < 10; i++) {
            send(fi, frame(i));
        }
        Counters c = fi.counters();
        assertThat(c.delayed()).isEqualTo(4);
        assertThat(c.droppedNoBuffer()).isEqualTo(6);
        assertThat(fi.pool().free()).isZero();
        sim.runFor(MILLI);
        assertThat(sink.sequences()).containsExactly(0, 1, 2, 3);
        assertThat(fi.pool().isFull()).isTrue();
        assertAccounted(fi.counters());
    }

    @Test
    void aFrameLargerThanABufferCannotBeKeptAndIsCounted() {
        Sink sink = new Sink(sim);
        FaultInjector fi = new FaultInjector(sink, sim, Rates.NONE.withCorrupt(1.0, 1), 1, 2, 128);
        send(fi, Frames.numbered(Frames.mac(2), Frames.mac(1), 1, 200));
        send(fi, Frames.numbered(Frames.mac(2), Frames.mac(1), 2, 100));
        assertThat(fi.counters().droppedNoBuffer()).isEqualTo(1);
        assertThat(sink.frames).hasSize(1);
        assertAccounted(fi.counters());
    }

    @Test
    void aFrameWithBadBoundsThrowsWithoutLeakingABuffer() {
        FaultInjector fi = new FaultInjector(new Sink(sim), sim, Rates.NONE.withDelay(1.0, MILLI, 0), 1);
        assertThatThrownBy(() -> fi.send(MemorySegment.ofArray(new byte[10]), 0, 60))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(fi.pool().isFull()).isTrue();
    }

    @Test
    void flushDeliversHeldFramesInDeadlineOrder() {
        Sink sink = new Sink(sim);
        FaultInjector fi = new FaultInjector(sink, sim, Rates.NONE.withDelay(1.0, 10 * MILLI, 0), 1);
        send(fi, frame(1));
        sim.runFor(MILLI);
        send(fi, frame(2));
        send(fi, frame(3));
        fi.flush();
        assertThat(sink.sequences()).containsExactly(1, 2, 3);
        assertThat(fi.held()).isZero();
        assertThat(fi.pool().isFull()).isTrue();
        sim.runUntilQuiet(Long.MAX_VALUE); // the cancelled timers deliver nothing more
        assertThat(sink.frames).hasSize(3);
        assertAccounted(fi.counters());
    }

    @Test
    void closeDropsHeldFramesAndEverythingSentAfterwards() {
        Sink sink = new Sink(sim);
        FaultInjector fi = new FaultInjector(sink, sim, Rates.NONE.withReorder(1.0, MILLI).withDelay(0.5, MILLI, 0), 5);
        for (int i = 0; i < 10; i++) {
            send(fi, frame(i));
        }
        int held = fi.held();
        assertThat(held).isPositive();
        long droppedBefore = fi.counters().dropped();
        fi.close();
        send(fi, frame(99));
        sim.runUntilQuiet(Long.MAX_VALUE);
        Counters c = fi.counters();
        assertThat(c.dropped()).isEqualTo(droppedBefore + held + 1);
        assertThat(sink.sequences()).doesNotContain(99);
        assertThat(fi.pool().isFull()).isTrue();
        assertAccounted(c);
        fi.close(); // idempotent
    }

    @Test
    @Timeout(20)
    void sendersOnSeveralThreadsAndARealTimerThreadLoseNothing() throws Exception {
        AtomicLong received = new AtomicLong();
        Rates rates = Rates.NONE.withDrop(0.05).withDuplicate(0.05).withCorrupt(0.05, 2)
                .withReorder(0.05, 100 * MICRO).withDelay(0.1, 50 * MICRO, 50 * MICRO);
        try (RealTimeline timeline = new RealTimeline()) {
            FaultInjector fi = new FaultInjector((f, o, l) -> received.incrementAndGet(), timeline, rates, 9, 256, 2048);
            int threads = 4;
            int perThread = 20_000;
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> senders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t;
                senders.add(Thread.ofPlatform().start(() -> {
                    byte[] f = frame(me);
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < perThread; i++) {
                        send(fi, f);
                    }
                }));
            }
            start.countDown();
            for (Thread t : senders) {
                t.join();
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (fi.held() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            Counters c = fi.counters();
            assertThat(fi.held()).isZero();
            assertThat(c.sent()).isEqualTo((long) threads * perThread);
            assertAccounted(c);
            assertThat(received.get()).isEqualTo(c.delivered());
            assertThat(c.delayed()).isPositive();
            assertThat(c.reordered()).isPositive();
            fi.close();
            assertThat(fi.pool().isFull()).isTrue();
        }
    }

    @Test
    void ratesAreValidatedAndCountersPrintInSnakeCase() {
        assertThatThrownBy(() -> Rates.NONE.withDrop(1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rates.NONE.withDrop(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rates.NONE.withCorrupt(0.1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rates.NONE.withDelay(0.1, -1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rates.NONE.withReorder(0.1, 0)).isInstanceOf(IllegalArgumentException.class);
        FaultInjector fi = new FaultInjector(Link.NOWHERE, sim, Rates.NONE, 1);
        assertThat(fi.counters().toMap()).containsOnlyKeys("sent", "delivered", "dropped", "duplicated",
                "reordered", "corrupted", "delayed", "dropped_no_buffer");
    }
}
