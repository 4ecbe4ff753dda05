package org.netstack4j.buffer;

import org.junit.jupiter.api.Test;
import org.netstack4j.stack.HostConfig;

import java.util.ArrayDeque;
import java.util.Deque;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The stream memory pool's pressure (with hysteresis) and its reserve below the hard limit. */
class ChunkPoolTest {
    private static final int C = ChunkPool.CHUNK_BYTES;

    @Test
    void pressureBeginsAtItsThresholdAndEndsOnlyAtTheLowOne() {
        ChunkPool pool = new ChunkPool("p", 100L * C, 75, 50);
        Deque<Integer> taken = new ArrayDeque<>();
        while (taken.size() < 74) {
            taken.push(pool.take());
        }
        assertThat(pool.underPressure()).isFalse();
        taken.push(pool.take());
        assertThat(pool.underPressure()).as("75 of 100 chunks in use").isTrue();
        assertThat(pool.pressureEntries()).isEqualTo(1);
        while (taken.size() > 51) {
            pool.give(taken.pop());
        }
        assertThat(pool.underPressure()).as("hysteresis: still under pressure above the low threshold").isTrue();
        pool.give(taken.pop());
        assertThat(pool.underPressure()).as("50 in use: pressure ends").isFalse();
        while (taken.size() < 74) {
            taken.push(pool.take());
        }
        assertThat(pool.underPressure()).isFalse();
        taken.push(pool.take());
        assertThat(pool.pressureEntries()).as("entered twice").isEqualTo(2);
        taken.forEach(pool::give);
        assertThat(pool.isFull()).isTrue();
    }

    @Test
    void ordinaryTakesStopShortOfTheReserveWhichOnlyTakesFromItMayUse() {
        ChunkPool pool = new ChunkPool("p", 100L * C);
        assertThat(pool.reserve()).isEqualTo(4);
        Deque<Integer> taken = new ArrayDeque<>();
        for (int c; (c = pool.take()) >= 0; ) {
            taken.push(c);
        }
        assertThat(taken).as("the hard limit: the budget less the reserve").hasSize(96);
        assertThat(pool.available()).isZero();
        assertThat(pool.refusals()).isEqualTo(1);
        for (int c; (c = pool.take(true)) >= 0; ) {
            taken.push(c);
        }
        assertThat(taken).as("the reserve, to the budget and no further").hasSize(100);
        assertThat(pool.reserveTakes()).isEqualTo(4);
        assertThat(pool.refusals()).isEqualTo(2);
        assertThat(pool.peakInUse()).isEqualTo(pool.budget());
        taken.forEach(pool::give);
        assertThat(pool.isFull()).isTrue();
        assertThat(pool.underPressure()).isFalse();
    }

    @Test
    void thresholdsMustLeaveRoomForHysteresis() {
        assertThatThrownBy(() -> new ChunkPool("p", 10L * C, 50, 50)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ChunkPool("p", 10L * C, 101, 50)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ChunkPool("p", 10L * C, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HostConfig.builder().memoryPressure(60, 70).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("memory pressure");
        HostConfig defaults = HostConfig.DEFAULT;
        assertThat(defaults.memoryPressurePercent()).isEqualTo(75);
        assertThat(defaults.memoryLowPercent()).isEqualTo(50);
    }
}
