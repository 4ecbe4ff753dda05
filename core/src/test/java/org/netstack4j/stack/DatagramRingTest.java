package org.netstack4j.stack;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The single-producer, single-consumer ring between a socket and the loop. */
class DatagramRingTest {

    private record Record(byte[] payload, int address, int port, int tag) {
    }

    private static byte[] payload(SplittableRandom r, int max) {
        byte[] p = new byte[r.nextInt(max + 1)];
        r.nextBytes(p);
        return p;
    }

    @Test
    void recordsComeOutAsTheyWentInAcrossManyWraps() {
        DatagramRing ring = new DatagramRing(1001); // rounded down to 1000
        assertThat(ring.capacity()).isEqualTo(1000);
        SplittableRandom random = new SplittableRandom(42);
        ArrayDeque<Record> model = new ArrayDeque<>();
        long held = 0;
        int offered = 0;
        for (int step = 0; step < 200_000; step++) {
            if (random.nextInt(100) < 55) {
                Record rec = new Record(payload(random, ring.maxPayload()), random.nextInt(), random.nextInt(65_536),
                        random.nextInt(65_536));
                boolean wasEmpty = ring.isEmpty();
                if (ring.offer(rec.payload(), 0, rec.payload().length, rec.address(), rec.port(), rec.tag())) {
                    model.add(rec);
                    held += rec.payload().length + 12;
                    offered++;
                } else {
                    assertThat(wasEmpty).as("an empty ring takes any record up to maxPayload").isFalse();
                }
                assertThat(held).isLessThanOrEqualTo(ring.capacity());
            } else {
                Record expected = model.poll();
                assertThat(ring.peek()).isEqualTo(expected != null);
                if (expected != null) {
                    assertThat(Arrays.copyOfRange(ring.array(), ring.takenOffset(),
                            ring.takenOffset() + ring.takenLength())).isEqualTo(expected.payload());
                    assertThat(ring.takenAddress()).isEqualTo(expected.address());
                    assertThat(ring.takenPort()).isEqualTo(expected.port());
                    assertThat(ring.takenTag()).isEqualTo(expected.tag());
                    ring.release();
                    held -= expected.payload().length + 12;
                }
            }
        }
        assertThat(offered).isGreaterThan(50_000);
        assertThat(ring.clear()).isEqualTo(model.size());
        assertThat(ring.isEmpty()).isTrue();
    }

    @Test
    void tooLargeRecordsAreRefusedNotSplit() {
        DatagramRing ring = new DatagramRing(4096);
        assertThat(ring.maxPayload()).isEqualTo(2036);
        assertThat(ring.reserve(2037)).isEqualTo(-1);
        assertThat(ring.reserve(-1)).isEqualTo(-1);
        assertThat(ring.offer(new byte[2036], 0, 2036, 1, 2, 3)).isTrue();
    }

    @Test
    void oneProducerThreadAndOneConsumerThread() throws Exception {
        DatagramRing ring = new DatagramRing(8192);
        int count = 300_000;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread producer = Thread.ofPlatform().start(() -> {
            SplittableRandom random = new SplittableRandom(7);
            for (int i = 0; i < count; i++) {
                int length = 4 + random.nextInt(300);
                int at;
                while ((at = ring.reserve(length)) < 0) {
                    Thread.onSpinWait();
                }
                byte[] a = ring.array();
                for (int k = 0; k < length; k++) {
                    a[at + k] = (byte) (i + k);
                }
                ring.publish(at, length, i, i & 0xFFFF, length);
            }
        });
        Thread consumer = Thread.ofPlatform().start(() -> {
            try {
                for (int i = 0; i < count; i++) {
                    while (!ring.peek()) {
                        Thread.onSpinWait();
                    }
                    int length = ring.takenLength();
                    if (ring.takenAddress() != i || ring.takenPort() != (i & 0xFFFF) || ring.takenTag() != length) {
                        throw new AssertionError("record " + i + " has the wrong header");
                    }
                    byte[] a = ring.array();
                    for (int k = 0; k < length; k++) {
                        if (a[ring.takenOffset() + k] != (byte) (i + k)) {
                            throw new AssertionError("record " + i + " byte " + k + " is wrong");
                        }
                    }
                    ring.release();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        producer.join(30_000);
        consumer.join(30_000);
        assertThat(failure.get()).isNull();
        assertThat(producer.isAlive() || consumer.isAlive()).isFalse();
        assertThat(ring.isEmpty()).isTrue();
    }
}
