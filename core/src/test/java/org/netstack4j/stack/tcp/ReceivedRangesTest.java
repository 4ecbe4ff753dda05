package org.netstack4j.stack.tcp;

import org.junit.jupiter.api.Test;
import org.netstack4j.wire.TcpOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Out-of-order ranges: merging, filling the gap, the bound, and SACK blocks in RFC 2018's order. */
class ReceivedRangesTest {
    private static final int BASE = 0xFFFF_F000; // near the wrap, so every test crosses 2^32

    private static List<String> ranges(ReceivedRanges r) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < r.count(); i++) {
            out.add((r.left(i) - BASE) + "-" + (r.right(i) - BASE));
        }
        return out;
    }

    @Test
    void segmentsMergeWhenTheyTouchOrOverlap() {
        ReceivedRanges r = new ReceivedRanges(8);
        assertThat(r.add(BASE + 3000, BASE + 4000)).isTrue();
        assertThat(r.add(BASE + 1000, BASE + 2000)).isTrue();
        assertThat(ranges(r)).containsExactly("1000-2000", "3000-4000");
        r.add(BASE + 2000, BASE + 2500); // touches the first
        assertThat(ranges(r)).containsExactly("1000-2500", "3000-4000");
        r.add(BASE + 2400, BASE + 5000); // bridges both
        assertThat(ranges(r)).containsExactly("1000-5000");
        r.add(BASE + 1500, BASE + 1600); // a duplicate inside
        assertThat(ranges(r)).containsExactly("1000-5000");
        r.add(BASE + 6000, BASE + 6000); // empty
        assertThat(ranges(r)).containsExactly("1000-5000");
    }

    @Test
    void fillingTheGapAdvancesPastEveryRangeItReaches() {
        ReceivedRanges r = new ReceivedRanges(8);
        r.add(BASE + 1000, BASE + 2000);
        r.add(BASE + 3000, BASE + 4000);
        assertThat(r.advance(BASE + 500)).as("the gap is still open").isEqualTo(BASE + 500);
        assertThat(r.advance(BASE + 1000)).isEqualTo(BASE + 2000);
        assertThat(ranges(r)).containsExactly("3000-4000");
        assertThat(r.advance(BASE + 3500)).as("overlapping data arrived in order").isEqualTo(BASE + 4000);
        assertThat(r.count()).isZero();
    }

    @Test
    void scatteredBytesCannotTakeMoreThanTheBound() {
        ReceivedRanges r = new ReceivedRanges(4);
        for (int i = 0; i < 4; i++) {
            assertThat(r.add(BASE + 100 * i + 10, BASE + 100 * i + 11)).isTrue();
        }
        assertThat(r.add(BASE + 1000, BASE + 1001)).as("a fifth range").isFalse();
        assertThat(r.add(BASE + 110, BASE + 150)).as("growing one is still fine").isTrue();
        assertThat(r.count()).isEqualTo(4);
    }

    @Test
    void sackBlocksComeMostRecentFirst() {
        ReceivedRanges r = new ReceivedRanges(8);
        r.add(BASE + 1000, BASE + 1100);
        r.add(BASE + 3000, BASE + 3100);
        r.add(BASE + 5000, BASE + 5100);
        r.add(BASE + 1100, BASE + 1200); // the first grows last
        TcpOptions o = new TcpOptions();
        r.reportTo(o, 3);
        assertThat(o.sackBlocks).isEqualTo(3);
        assertThat(o.sackLeft[0] - BASE).isEqualTo(1000);
        assertThat(o.sackRight[0] - BASE).isEqualTo(1200);
        assertThat(o.sackLeft[1] - BASE).isEqualTo(5000);
        assertThat(o.sackLeft[2] - BASE).isEqualTo(3000);
        r.reportTo(o.clear(), 1);
        assertThat(o.sackBlocks).isEqualTo(1);
        assertThat(o.sackLeft[0] - BASE).isEqualTo(1000);
        // Behind a D-SACK block already in front, the ranges fill what room is left.
        o.clear().addSack(BASE + 10, BASE + 20);
        r.reportTo(o, 3);
        assertThat(o.sackBlocks).isEqualTo(3);
        assertThat(o.sackLeft[0] - BASE).isEqualTo(10);
        assertThat(o.sackLeft[1] - BASE).isEqualTo(1000);
        assertThat(o.sackLeft[2] - BASE).isEqualTo(5000);
        assertThat(r.covers(BASE + 1050, BASE + 1200)).isTrue();
        assertThat(r.covers(BASE + 1050, BASE + 1201)).isFalse();
    }

    @Test
    void randomArrivalsMatchABitmap() {
        SplittableRandom rnd = new SplittableRandom(2018);
        for (int round = 0; round < 200; round++) {
            ReceivedRanges r = new ReceivedRanges(64);
            boolean[] have = new boolean[2000];
            for (int k = 0; k < 40; k++) {
                int from = rnd.nextInt(1, 1990);
                int to = from + rnd.nextInt(1, 10);
                if (r.add(BASE + from, BASE + to)) {
                    for (int x = from; x < to; x++) {
                        have[x] = true;
                    }
                }
            }
            List<String> expected = new ArrayList<>();
            for (int x = 0; x < have.length; x++) {
                if (have[x] && (x == 0 || !have[x - 1])) {
                    int y = x;
                    while (y < have.length && have[y]) {
                        y++;
                    }
                    expected.add(x + "-" + y);
                }
            }
            assertThat(ranges(r)).as("round %d", round).isEqualTo(expected);
        }
    }
}
