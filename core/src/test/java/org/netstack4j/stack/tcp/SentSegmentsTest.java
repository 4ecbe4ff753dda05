package org.netstack4j.stack.tcp;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The log of segments in flight: entries, splits, SACK and loss marks, and the byte totals the pipe is counted from. */
class SentSegmentsTest {
    private static final int BASE = 0xFFFF_F000; // wraps past 2^32 within the test

    @Test
    void newDataIsAppendedAndAcknowledgedDataLeaves() {
        SentSegments log = new SentSegments();
        Rack rack = new Rack();
        for (int k = 0; k < 5; k++) {
            assertThat(log.sent(BASE + k * 1000, BASE + (k + 1) * 1000, 100)).as("nothing sent before").isZero();
        }
        assertThat(log.count()).isEqualTo(5);
        assertThat(log.sentAt(4)).as("one instant, yet each later than the last").isGreaterThan(log.sentAt(3));
        log.acknowledge(BASE + 2500, rack, 200); // two and a half segments
        assertThat(log.count()).isEqualTo(3);
        assertThat(log.start(0)).isEqualTo(BASE + 2500);
        log.acknowledge(BASE + 5000, rack, 300);
        assertThat(log.isEmpty()).isTrue();
    }

    @Test
    void aSackBlockMarksWholeEntriesAndSplitsAtItsEdges() {
        SentSegments log = new SentSegments();
        Rack rack = new Rack();
        for (int k = 0; k < 4; k++) {
            log.sent(BASE + k * 1000, BASE + (k + 1) * 1000, 100);
        }
        log.sack(BASE + 1500, BASE + 3000, rack, 200);
        assertThat(log.count()).as("the second entry cut at 1500").isEqualTo(5);
        assertThat(log.sackedBytes()).isEqualTo(1500);
        assertThat(log.sackedSegments()).isEqualTo(2);
        assertThat(log.has(1, SentSegments.SACKED)).isFalse();
        assertThat(log.has(2, SentSegments.SACKED)).isTrue();
        assertThat(log.has(3, SentSegments.SACKED)).isTrue();
        log.sack(BASE + 1500, BASE + 3000, rack, 300);
        assertThat(log.sackedBytes()).as("the same block twice counts once").isEqualTo(1500);
    }

    @Test
    void aRetransmissionClearsTheLossMarkAndIsStampedAnew() {
        SentSegments log = new SentSegments();
        for (int k = 0; k < 3; k++) {
            log.sent(BASE + k * 1000, BASE + (k + 1) * 1000, 100);
        }
        assertThat(log.markLost(0)).isEqualTo(1000);
        assertThat(log.markLost(0)).as("already lost").isZero();
        assertThat(log.lostBytes()).isEqualTo(1000);
        assertThat(log.firstLost()).isZero();
        assertThat(log.sent(BASE, BASE + 600, 500)).as("part of it again").isEqualTo(600);
        assertThat(log.count()).isEqualTo(4);
        assertThat(log.has(0, SentSegments.RETRANSMITTED)).isTrue();
        assertThat(log.sentAt(0)).isEqualTo(500);
        assertThat(log.lostBytes()).as("the rest is still lost").isEqualTo(400);
        assertThat(log.firstLost()).isEqualTo(1);
        assertThat(log.wasRetransmitted(BASE, BASE + 100)).isTrue();
        assertThat(log.wasRetransmitted(BASE + 1000, BASE + 2000)).isFalse();
    }

    @Test
    void pastTheLargestSizeNewSegmentsMergeIntoTheLastEntry() {
        SentSegments log = new SentSegments();
        int n = SentSegments.MAX_ENTRIES + 10;
        for (int k = 0; k < n; k++) {
            log.sent(BASE + k * 10, BASE + (k + 1) * 10, k);
        }
        assertThat(log.count()).isEqualTo(SentSegments.MAX_ENTRIES);
        assertThat(log.end(log.count() - 1)).as("still covers all that was sent").isEqualTo(BASE + n * 10);
        assertThat(log.start(0)).isEqualTo(BASE);
    }

    /** Random SACKs, losses, retransmissions and ACKs: the totals always equal a recount of the entries. */
    @Test
    void totalsMatchTheEntriesUnderRandomUse() {
        SplittableRandom rnd = new SplittableRandom(8985);
        Rack rack = new Rack();
        for (int round = 0; round < 200; round++) {
            SentSegments log = new SentSegments();
            int una = BASE + rnd.nextInt(1 << 20);
            int max = una;
            long now = 0;
            for (int step = 0; step < 300; step++) {
                now += rnd.nextInt(1000);
                switch (rnd.nextInt(5)) {
                    case 0 -> {
                        int len = 1 + rnd.nextInt(1500);
                        log.sent(max, max + len, now);
                        max += len;
                    }
                    case 1 -> {
                        if (max != una) {
                            int a = una + rnd.nextInt(max - una);
                            int b = a + 1 + rnd.nextInt(Math.max(1, max - a));
                            log.sack(a, Math.min(b, max), rack, now);
                        }
                    }
                    case 2 -> {
                        if (log.count() > 0) {
                            log.markLost(rnd.nextInt(log.count()));
                        }
                    }
                    case 3 -> {
                        if (max != una) {
                            int a = una + rnd.nextInt(max - una);
                            log.sent(a, Math.min(a + 1 + rnd.nextInt(1500), max), now);
                        }
                    }
                    default -> {
                        if (max != una) {
                            una += rnd.nextInt(max - una + 1);
                            log.acknowledge(una, rack, now);
                        }
                    }
                }
                long sacked = 0;
                long lost = 0;
                int sackedSegments = 0;
                int at = una;
                for (int i = 0; i < log.count(); i++) {
                    assertThat(log.start(i)).as("contiguous from SND.UNA").isEqualTo(at);
                    int len = log.end(i) - log.start(i);
                    assertThat(len).isPositive();
                    if (log.has(i, SentSegments.SACKED)) {
                        sacked += len;
                        sackedSegments++;
                    }
                    if (log.has(i, SentSegments.LOST)) {
                        lost += len;
                    }
                    at = log.end(i);
                }
                assertThat(at).isEqualTo(max);
                assertThat(log.sackedBytes()).isEqualTo(sacked);
                assertThat(log.sackedSegments()).isEqualTo(sackedSegments);
                assertThat(log.lostBytes()).isEqualTo(lost);
            }
        }
    }

    @Test
    void aPoolLendsLogsBackEmpty() {
        SentSegments.Pool pool = new SentSegments.Pool(1);
        SentSegments a = pool.take();
        a.sent(BASE, BASE + 10, 1);
        pool.give(a);
        assertThat(pool.idle()).isEqualTo(1);
        SentSegments b = pool.take();
        assertThat(b).isSameAs(a);
        assertThat(b.isEmpty()).isTrue();
        pool.give(b);
        pool.give(new SentSegments());
        assertThat(pool.idle()).as("no more kept than asked").isEqualTo(1);
        SentSegments.Pool roomy = new SentSegments.Pool(4);
        SentSegments big = roomy.take();
        for (int k = 0; k <= SentSegments.POOLED_ENTRIES; k++) {
            big.sent(BASE + k, BASE + k + 1, k);
        }
        roomy.give(big);
        assertThat(roomy.idle()).as("a log grown past the pooled size is not hoarded").isZero();
    }
}
