package org.netstack4j.stack.tcp;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** RFC 6298's arithmetic, step by step. */
class RttEstimatorTest {
    private static final long MS = 1_000_000L;

    @Test
    void beforeAnySampleTheTimeoutIsOneSecond() {
        RttEstimator e = new RttEstimator();
        assertThat(e.rtoNanos()).isEqualTo(1000 * MS);
        assertThat(e.srttNanos()).isEqualTo(-1);
    }

    @Test
    void theFirstSampleSetsSrttAndHalfOfItAsVariance() {
        RttEstimator e = new RttEstimator(MS, 120_000 * MS, MS);
        e.sample(100 * MS);
        assertThat(e.srttNanos()).isEqualTo(100 * MS);
        assertThat(e.rttvarNanos()).isEqualTo(50 * MS);
        assertThat(e.rtoNanos()).as("R + 4 * R/2").isEqualTo(300 * MS);
    }

    @Test
    void laterSamplesAreSmoothedWithAnEighthAndAQuarter() {
        RttEstimator e = new RttEstimator(MS, 120_000 * MS, MS);
        e.sample(100 * MS);
        e.sample(200 * MS);
        // RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5; SRTT = 7/8 * 100 + 1/8 * 200 = 112.5
        assertThat(e.rttvarNanos()).isEqualTo(62_500_000L);
        assertThat(e.srttNanos()).isEqualTo(112_500_000L);
        assertThat(e.rtoNanos()).isEqualTo(112_500_000L + 250 * MS);
    }

    @Test
    void theClocksGranularityIsTheSmallestVarianceTerm() {
        RttEstimator e = new RttEstimator(MS, 120_000 * MS, 10 * MS);
        for (int i = 0; i < 50; i++) {
            e.sample(20 * MS); // a steady RTT: the variance decays towards 0
        }
        assertThat(e.rttvarNanos()).isLessThan(MS);
        assertThat(e.rtoNanos()).isEqualTo(20 * MS + 10 * MS);
    }

    @Test
    void theMinimumAndMaximumBoundTheTimeout() {
        RttEstimator e = new RttEstimator();
        e.sample(MS);
        assertThat(e.rtoNanos()).as("Linux's 200 ms floor").isEqualTo(200 * MS);
        RttEstimator slow = new RttEstimator(200 * MS, 60_000 * MS, MS);
        slow.sample(50_000 * MS);
        assertThat(slow.rtoNanos()).isEqualTo(60_000 * MS);
    }

    @Test
    void eachTimeoutDoublesTheTimeoutUntilTheMaximumAndASampleEndsTheBackOff() {
        RttEstimator e = new RttEstimator(200 * MS, 10_000 * MS, MS);
        e.sample(100 * MS); // RTO 300 ms
        e.backOff();
        assertThat(e.rtoNanos()).isEqualTo(600 * MS);
        e.backOff();
        e.backOff();
        e.backOff();
        assertThat(e.rtoNanos()).isEqualTo(4800 * MS);
        e.backOff();
        assertThat(e.rtoNanos()).as("capped").isEqualTo(9600 * MS);
        e.backOff();
        assertThat(e.rtoNanos()).isEqualTo(10_000 * MS);
        assertThat(e.backoffs()).isEqualTo(6);
        e.sample(100 * MS);
        assertThat(e.backoffs()).isZero();
        assertThat(e.rtoNanos()).as("recomputed from the estimates").isLessThan(400 * MS);
    }

    @Test
    void nonsenseLimitsAreRefused() {
        assertThatThrownBy(() -> new RttEstimator(0, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RttEstimator(2, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
