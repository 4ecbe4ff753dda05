package org.netstack4j.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.netstack4j.exec.CostModel;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Receive livelock at small scale, in simulated time: short windows and a coarse sweep, but the
 * same router, the same costs and the same measurement as the command. Nothing here reads a
 * wall clock.
 */
class LivelockTest {
    /** 2 ms to settle, 5 ms measured. */
    private static final Livelock.Options SMALL = new Livelock.Options(CostModel.TYPICAL, 2_000_000L, 5_000_000L);
    /** Input rates as fractions of the polling ceiling (about 333,000 frames/s with the typical costs). */
    private static final double[] GRID = {0.2, 0.4, 0.5, 0.6, 0.8, 1.0, 1.2, 2.0};

    @Test
    void perPacketInterruptsForwardLessUnderOverloadThanAtTheirPeak() {
        List<Livelock.Point> seen = new ArrayList<>();
        Livelock.ModeResult r = Livelock.sweep(Livelock.Mode.INTERRUPT, SMALL, GRID, 0, seen::add);

        assertThat(r.peakPps()).isGreaterThan(50_000);
        assertThat(r.overload().inputPps()).isEqualTo(Math.round(4 * r.peakPps()));
        assertThat(r.overload().outputPps()).isLessThan(0.5 * r.peakPps());
        assertThat(r.overloadFraction()).isLessThan(0.5);
        // Why: the CPU spends its time in interrupt handlers, receiving frames that the full
        // backlog then throws away.
        assertThat(r.overload().interruptShare()).isGreaterThan(0.9);
        assertThat(r.overload().drops().get("backlog_full")).isPositive();
        // Rising input beyond the peak only lowers the output.
        List<Livelock.Point> beyond = r.points().stream().filter(p -> p.inputPps() > r.peak().inputPps()).toList();
        assertThat(beyond).isNotEmpty().allSatisfy(p -> assertThat(p.outputPps()).isLessThan(r.peakPps()));
        assertThat(seen).hasSameSizeAs(r.points());
        assertThat(r.points()).allSatisfy(p -> assertThat(p.poolsFull()).as("pools full at %d", p.inputPps()).isTrue());
    }

    @ParameterizedTest
    @EnumSource(value = Livelock.Mode.class, names = {"NAPI_64", "NAPI_5", "BUSY_POLL"})
    void pollingHoldsItsPeakUnderOverload(Livelock.Mode mode) {
        Livelock.ModeResult r = Livelock.sweep(mode, SMALL, GRID, 0, null);

        assertThat(r.peakPps()).isGreaterThan(200_000);
        assertThat(r.overload().inputPps()).isGreaterThanOrEqualTo(Math.round(4 * r.peakPps()));
        assertThat(r.overloadFraction()).isGreaterThanOrEqualTo(0.9);
        // The excess is dropped by the card, before the CPU has spent anything on it.
        assertThat(r.overload().drops().get("ring_full")).isPositive();
        assertThat(r.overload().drops().get("backlog_full")).isZero();
        assertThat(r.points()).allSatisfy(p -> assertThat(p.poolsFull()).as("pools full at %d", p.inputPps()).isTrue());
    }

    @Test
    void napiForwardsMoreThanPerPacketInterruptsAtTheSameOverload() {
        long rate = 600_000;
        Livelock.Point irq = Livelock.measure(Livelock.Mode.INTERRUPT, rate, SMALL);
        Livelock.Point napi = Livelock.measure(Livelock.Mode.NAPI_64, rate, SMALL);
        assertThat(napi.outputPps()).isGreaterThan(2 * irq.outputPps()).isGreaterThan(200_000);
        assertThat(irq.interruptsPerSecond()).isGreaterThan(10 * napi.interruptsPerSecond());
        assertThat(irq.poolsFull()).isTrue();
        assertThat(napi.poolsFull()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Livelock.Mode.class)
    void everyFrameIsAccountedForAndEveryBufferReturnsToItsPool(Livelock.Mode mode) {
        for (long rate : new long[] {50_000, 1_200_000}) {
            Livelock.Point p = Livelock.measure(mode, rate, SMALL);
            assertThat(p.poolsFull()).as("%s at %d: pools full after tear-down", mode, rate).isTrue();
            assertThat(p.unaccounted()).as("%s at %d: frames sent − received − dropped", mode, rate).isZero();
            assertThat(p.sinkDrops()).as("the sink never limits").isZero();
            assertThat(p.offeredPps()).isCloseTo(rate, org.assertj.core.data.Percentage.withPercentage(0.5));
        }
    }

    @Test
    void belowThePeakNothingIsLost() {
        for (Livelock.Mode mode : Livelock.Mode.values()) {
            Livelock.Point p = Livelock.measure(mode, 50_000, SMALL);
            assertThat(p.lossFree()).as(mode.key()).isTrue();
            assertThat(p.outputPps()).as(mode.key()).isCloseTo(50_000, org.assertj.core.data.Percentage.withPercentage(1));
        }
    }

    @Test
    void theSameInputsGiveTheSameMeasurement() {
        assertThat(Livelock.measure(Livelock.Mode.INTERRUPT_ITR, 500_000, SMALL))
                .isEqualTo(Livelock.measure(Livelock.Mode.INTERRUPT_ITR, 500_000, SMALL));
    }

    @Test
    void modesParseByTheirKeys() {
        for (Livelock.Mode m : Livelock.Mode.values()) {
            assertThat(Livelock.Mode.parse(m.key())).isEqualTo(m);
        }
        assertThat(Livelock.Mode.parse("busy-poll")).isEqualTo(Livelock.Mode.BUSY_POLL);
        assertThat(Livelock.Mode.NAPI_5.driverConfig().budget()).isEqualTo(5);
        assertThat(Livelock.Mode.INTERRUPT_ITR.driverConfig().interruptsPerSecond()).isEqualTo(8_000);
    }
}
