package org.netstack4j.stack;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The rate limit behind ICMP errors and ARP requests, on a clock the test moves. */
class TokenBucketTest {
    static final long SECOND = 1_000_000_000L;

    /** Calls {@code take} every {@code stepNanos} from {@code start} for {@code seconds}; how many it granted. */
    private static long flood(TokenBucket bucket, long start, long stepNanos, int seconds) {
        long granted = 0;
        for (long t = start + stepNanos; t <= start + seconds * SECOND; t += stepNanos) {
            if (bucket.take(t)) {
                granted++;
            }
        }
        return granted;
    }

    @Test
    void aFloodOneMicrosecondApartStillGetsTheFullRate() {
        // At 100/s a milli-token takes 10 us to earn: calls 1 us apart used to earn nothing at all.
        TokenBucket icmp = new TokenBucket(100, 0);
        long granted = flood(icmp, 0, 1_000, 10);
        // The first second's burst, then 100 a second (the first microsecond, earned into a full
        // bucket, is rightly lost: so the last token is a hair short of complete).
        assertThat(granted).isBetween(100 + 100 * 10 - 1L, 100 + 100 * 10L);
    }

    @Test
    void arpRateUnderAFloodIsItsRateToo() {
        TokenBucket arp = new TokenBucket(50, 5 * SECOND);
        assertThat(flood(arp, 5 * SECOND, 1_000, 20)).isBetween(50 + 50 * 20 - 1L, 50 + 50 * 20L);
    }

    @Test
    void unevenCallsEarnExactlyTheElapsedTime() {
        TokenBucket b = new TokenBucket(7, 0);
        long t = 0;
        long granted = 0;
        long[] steps = {1, 3, 999, 7_001, 13, 250_000};
        for (int i = 0; t < 30 * SECOND; i++) {
            t += steps[i % steps.length];
            if (b.take(t)) {
                granted++;
            }
        }
        // 7 to start with and 7 per second of the ~30 s that followed (one token may be still in the making)
        long earned = 7 + 7 * t / SECOND;
        assertThat(granted).isBetween(earned - 1, earned);
    }

    @Test
    void aQuietSpellRefillsOnlyToOneSecondsWorth() {
        TokenBucket b = new TokenBucket(100, 0);
        assertThat(flood(b, 0, 1_000, 1)).isBetween(199L, 200L);
        long granted = 0;
        for (int i = 0; i < 1000; i++) {
            if (b.take(100 * SECOND)) {
                granted++;
            }
        }
        assertThat(granted).isEqualTo(100);
        // Half a second later, in steps too small to earn a milli-token each: exactly 50 more.
        assertThat(drain(b, 100 * SECOND, 100 * SECOND + SECOND / 2, 2_000)).isEqualTo(50);
    }

    private static long drain(TokenBucket b, long from, long to, long step) {
        long granted = 0;
        for (long t = from + step; t <= to; t += step) {
            if (b.take(t)) {
                granted++;
            }
        }
        return granted;
    }
}
