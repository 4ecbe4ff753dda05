package org.netstack4j.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.hw.link.Link;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** A run in simulated time is bounded by the wall clock too, and reports its progress. */
class FrameExchangeClockTest {

    /** A cable that costs wall-clock time and no simulated time: {@code nanos} of sleep per frame. */
    private static Link slow(Link far, long nanos) {
        return (frame, offset, length) -> {
            LockSupport.parkNanos(nanos);
            far.send(frame, offset, length);
        };
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSimulatedRunSlowerThanRealTimeStopsAtTheWallClockTimeout() {
        // 2,000 frames at 2 ms of wall-clock time each take 4 s or more, but little simulated time.
        FrameExchange.Options options = FrameExchange.Options.of(2_000, 60, WakeMode.NAPI, true)
                .withMedium(far -> slow(far, 2_000_000))
                .withTimeout(300_000_000L);
        FrameExchange.Result r = FrameExchange.run(options);

        assertThat(r.completed()).as("stopped by the timeout").isFalse();
        assertThat(r.received()).isLessThan(2_000);
        assertThat(r.poolFree()).as("every buffer back all the same").isEqualTo(r.poolSize());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSimulatedRunReportsProgress() {
        List<String> lines = new ArrayList<>();
        FrameExchange.Options options = FrameExchange.Options.of(400, 60, WakeMode.NAPI, true)
                .withMedium(far -> slow(far, 200_000))
                .withProgress(lines::add, 5_000_000L);
        FrameExchange.Result r = FrameExchange.run(options);

        assertThat(r.completed()).isTrue();
        assertThat(r.received()).isEqualTo(400);
        assertThat(lines).isNotEmpty().allSatisfy(l -> assertThat(l).matches("\\d+% \\(ETA \\d+:\\d\\d\\) [\\d,]+ of 400 frames sent, "
                + "[\\d,]+ received( \\(simulated time stands still: run-to-completion\\)|, \\d+\\.\\d{6} s simulated)"));
    }
}
