package org.netstack4j.stack;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The many-producer, one-consumer queue through which other threads hand work to a host's loop. */
class HandoffQueueTest {

    @Test
    void boundedToAPowerOfTwoAtLeastAsLargeAsAskedAndFifo() {
        for (int asked : new int[] {1, 2, 3, 64, 100, 2 * 1024 + 64}) {
            HandoffQueue<Integer> q = new HandoffQueue<>(asked);
            int n = 0;
            while (q.offer(n)) {
                n++;
            }
            assertThat(n).as("capacity for %d", asked).isGreaterThanOrEqualTo(asked);
            assertThat(Integer.bitCount(n)).isEqualTo(1);
            assertThat(n).isLessThanOrEqualTo(Math.max(4, 2 * asked));
            for (int i = 0; i < n; i++) {
                assertThat(q.poll()).isEqualTo(i);
            }
            assertThat(q.poll()).isNull();
            assertThat(q.offer(-1)).isTrue(); // room again
            assertThat(q.poll()).isEqualTo(-1);
        }
    }

    @Test
    void everyItemFromManyProducersArrivesOnceInEachProducersOrder() throws Exception {
        HandoffQueue<long[]> q = new HandoffQueue<>(64);
        int producers = 4;
        int each = 50_000;
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int id = p;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < each; i++) {
                    long[] item = {id, i};
                    while (!q.offer(item)) {
                        Thread.yield(); // full: let the consumer run (2 cores, 5 threads)
                    }
                }
            }));
        }
        int[] next = new int[producers];
        long received = 0;
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (received < (long) producers * each && System.nanoTime() < deadline) {
            long[] item = q.poll();
            if (item == null) {
                Thread.yield();
                continue;
            }
            int id = (int) item[0];
            assertThat(item[1]).as("producer %d", id).isEqualTo(next[id]);
            next[id]++;
            received++;
        }
        for (Thread t : threads) {
            t.join(10_000);
        }
        assertThat(received).isEqualTo((long) producers * each);
        assertThat(q.poll()).isNull();
    }
}
