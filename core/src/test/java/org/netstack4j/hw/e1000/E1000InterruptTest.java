package org.netstack4j.hw.e1000;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.hw.e1000.E1000Bench.MAC;
import static org.netstack4j.hw.e1000.E1000Bench.PEER;
import static org.netstack4j.hw.e1000.E1000Bench.frame;
import static org.netstack4j.hw.e1000.E1000Registers.*;

/**
 * ICR, ICS, IMS/IMC, ITR and the receive (RDTR/RADV) and transmit (TIDV) delays, in simulated time,
 * through the register window alone. The line must be high exactly while {@code ICR & IMS != 0}
 * (Intel 8254x manual 13.4.17–13.4.21), never rise sooner than ITR × 256 ns after it last rose
 * (13.4.18), and RXT0 must follow the packet and absolute timers of 3.2.7.1.
 */
class E1000InterruptTest {
    private static final long MICROS = 1_000;

    private final E1000Bench bench = new E1000Bench();

    @AfterEach
    void close() {
        bench.close();
    }

    private long now() {
        return bench.sim.nanos();
    }

    /** Advances simulated time to {@code nanos} (absolute), firing the card's timers on the way. */
    private void runTo(long nanos) {
        assertThat(nanos).isGreaterThanOrEqualTo(now());
        bench.sim.runFor(nanos - now());
        assertThat(now()).isEqualTo(nanos);
    }

    // ---- ICR and ICS

    @Test
    void readingIcrReturnsTheCausesAndASecondReadReturnsZero() {
        bench.write(ICS, ICR_TXDW | ICR_LSC | ICR_RXT0);
        assertThat(bench.read(ICR)).isEqualTo(ICR_TXDW | ICR_LSC | ICR_RXT0);
        assertThat(bench.read(ICR)).isZero();
    }

    @Test
    void icrCollectsCausesFromTheHardwareAsWellAsFromIcs() {
        var rx = bench.receiving(16, RCTL_SECRC);
        bench.write(ICS, ICR_LSC);
        bench.deliver(frame(MAC, 100, 1));
        assertThat(rx.status(0) & RXD_STAT_DD).isEqualTo(RXD_STAT_DD);
        assertThat(bench.read(ICR)).isEqualTo(ICR_LSC | ICR_RXT0);
        assertThat(bench.read(ICR)).isZero();
    }

    @Test
    void writingOnesToIcrClearsJustThoseCauses() {
        // 13.4.17: "Writing a 1b to any bit in the register also clears that bit. Writing a 0b to any
        // bit has no effect on that bit."
        bench.write(IMS, ICR_RXT0 | ICR_TXDW);
        bench.write(ICS, ICR_TXDW | ICR_LSC | ICR_RXT0);
        assertThat(bench.lineHigh()).isTrue();
        bench.write(ICR, ICR_RXT0);
        assertThat(bench.lineHigh()).as("TXDW is still pending and unmasked").isTrue();
        bench.write(ICR, 0);
        bench.write(ICR, ICR_TXDW);
        assertThat(bench.lineHigh()).as("only LSC is left, and it is masked").isFalse();
        assertThat(bench.read(ICR)).isEqualTo(ICR_LSC);
    }

    @Test
    void icsOfAMaskedCauseSetsItInIcrWithoutRaisingTheLine() {
        bench.write(ICS, ICR_RXT0);
        assertThat(bench.lineHigh()).isFalse();
        assertThat(bench.edges()).isEmpty();
        assertThat(bench.read(ICR)).isEqualTo(ICR_RXT0);
    }

    @Test
    void icsOfAnUnmaskedCauseRaisesTheLineAtOnce() {
        bench.write(IMS, ICR_LSC);
        runTo(5 * MICROS);
        bench.write(ICS, ICR_LSC);
        assertThat(bench.lineHigh()).isTrue();
        assertThat(bench.rises()).containsExactly(5 * MICROS);
        assertThat(bench.card.interruptAssertions()).isEqualTo(1);
    }

    // ---- IMS and IMC

    @Test
    void imsReadsBackTheMaskWhichImsSetsAndImcClearsBitByBit() {
        assertThat(bench.read(IMS)).isZero();
        bench.write(IMS, ICR_RXT0 | ICR_TXDW);
        bench.write(IMS, ICR_LSC);
        assertThat(bench.read(IMS)).isEqualTo(ICR_RXT0 | ICR_TXDW | ICR_LSC);
        bench.write(IMS, 0); // writing 0s to IMS changes nothing (xv6 relies on the opposite)
        assertThat(bench.read(IMS)).isEqualTo(ICR_RXT0 | ICR_TXDW | ICR_LSC);
        bench.write(IMC, ICR_TXDW);
        assertThat(bench.read(IMS)).isEqualTo(ICR_RXT0 | ICR_LSC);
        bench.write(IMC, 0xFFFF_FFFF);
        assertThat(bench.read(IMS)).isZero();
    }

    @Test
    void theLineIsHighExactlyWhileAPendingCauseIsUnmasked() {
        bench.write(ICS, ICR_RXT0);                 // pending, masked: nothing
        runTo(1 * MICROS);
        bench.write(IMS, ICR_TXDW);                 // another cause unmasked: still nothing
        assertThat(bench.lineHigh()).isFalse();
        runTo(2 * MICROS);
        bench.write(IMS, ICR_RXT0);                 // unmasking the pending cause raises the line at once
        assertThat(bench.lineHigh()).isTrue();
        runTo(3 * MICROS);
        bench.write(IMC, ICR_TXDW);                 // masking another cause: no change
        assertThat(bench.lineHigh()).isTrue();
        runTo(4 * MICROS);
        bench.write(IMC, ICR_RXT0);                 // masking it lowers the line; the cause stays in ICR
        assertThat(bench.lineHigh()).isFalse();
        runTo(5 * MICROS);
        bench.write(IMS, ICR_RXT0);                 // unmasked again: high again
        assertThat(bench.lineHigh()).isTrue();
        runTo(6 * MICROS);
        assertThat(bench.read(ICR)).isEqualTo(ICR_RXT0); // reading ICR acknowledges and lowers it
        assertThat(bench.lineHigh()).isFalse();
        runTo(7 * MICROS);
        bench.write(ICS, ICR_LSC);                  // a masked cause after that: nothing
        assertThat(bench.edges()).containsExactly(
                new E1000Bench.Edge(2 * MICROS, true),
                new E1000Bench.Edge(4 * MICROS, false),
                new E1000Bench.Edge(5 * MICROS, true),
                new E1000Bench.Edge(6 * MICROS, false));
    }

    // ---- ITR

    @Test
    void withItrAssertionsAreAtLeastItrTimes256NanosecondsApartAndCausesMeanwhileCoalesce() {
        int itr = 1000;                              // 256 µs: at most 3906 interrupts a second
        long interval = itr * 256L;
        bench.write(ITR, itr);
        assertThat(bench.read(ITR)).isEqualTo(itr);
        bench.write(IMS, ICR_RXT0 | ICR_TXDW | ICR_LSC);

        bench.write(ICS, ICR_RXT0);                  // the first one goes at once
        assertThat(bench.rises()).containsExactly(0L);
        assertThat(bench.read(ICR)).isEqualTo(ICR_RXT0);

        runTo(10 * MICROS);
        bench.write(ICS, ICR_TXDW);                  // too soon: held back
        runTo(100 * MICROS);
        bench.write(ICS, ICR_LSC);                   // and this one too
        runTo(interval - 1);
        assertThat(bench.lineHigh()).isFalse();
        runTo(interval);
        assertThat(bench.lineHigh()).as("released at last assertion + ITR x 256 ns").isTrue();
        assertThat(bench.rises()).containsExactly(0L, interval);
        assertThat(bench.read(ICR)).as("both causes in one assertion").isEqualTo(ICR_TXDW | ICR_LSC);

        // A cause every microsecond for 3 ms, acknowledged as soon as the line is up: the line
        // rises once per interval, exactly when the interval ends, never sooner.
        long end = interval + 3_000 * MICROS;
        while (now() < end) {
            runTo(now() + MICROS);
            bench.write(ICS, ICR_RXT0);
            if (bench.lineHigh()) {
                assertThat(bench.read(ICR)).isEqualTo(ICR_RXT0);
            }
        }
        List<Long> rises = bench.rises();
        List<Long> expected = new ArrayList<>();
        for (long t = 0; t <= end; t += interval) {
            expected.add(t);
        }
        assertThat(rises).isEqualTo(expected);
        for (int i = 1; i < rises.size(); i++) {
            assertThat(rises.get(i) - rises.get(i - 1)).isGreaterThanOrEqualTo(interval);
        }
    }

    @Test
    void itrSpacingCountsFromTheLastAssertionNotFromTheLastCause() {
        int itr = 100;                               // 25.6 µs
        bench.write(ITR, itr);
        bench.write(IMS, ICR_LSC);
        bench.write(ICS, ICR_LSC);
        bench.read(ICR);
        runTo(40 * MICROS);                          // longer than the interval: no waiting
        bench.write(ICS, ICR_LSC);
        assertThat(bench.lineHigh()).isTrue();
        bench.read(ICR);
        runTo(50 * MICROS);                          // 10 µs after the last assertion
        bench.write(ICS, ICR_LSC);
        assertThat(bench.lineHigh()).isFalse();
        runTo(65_600);
        assertThat(bench.rises()).containsExactly(0L, 40 * MICROS, 65_600L);
    }

    @Test
    void aCauseAcknowledgedWhileThrottledRaisesNothingWhenTheIntervalEnds() {
        bench.write(ITR, 1000);
        bench.write(IMS, ICR_RXT0);
        bench.write(ICS, ICR_RXT0);
        bench.read(ICR);
        runTo(10 * MICROS);
        bench.write(ICS, ICR_RXT0);                  // held back by ITR...
        assertThat(bench.read(ICR)).isEqualTo(ICR_RXT0); // ...and polled away by software
        runTo(1_000 * MICROS);
        assertThat(bench.rises()).containsExactly(0L);
    }

    @Test
    void itrZeroMeansNoThrottling() {
        bench.write(ITR, 0);
        bench.write(IMS, ICR_RXT0);
        for (int i = 0; i < 100; i++) {
            runTo(i * 10L);                          // 10 ns apart
            bench.write(ICS, ICR_RXT0);
            assertThat(bench.lineHigh()).isTrue();
            assertThat(bench.read(ICR)).isEqualTo(ICR_RXT0);
        }
        assertThat(bench.rises()).hasSize(100);
        assertThat(bench.rises().get(99)).isEqualTo(990L);
    }

    @Test
    void writingItrZeroReleasesAThrottledCauseAtOnce() {
        bench.write(ITR, 1000);
        bench.write(IMS, ICR_RXT0);
        bench.write(ICS, ICR_RXT0);
        bench.read(ICR);
        runTo(10 * MICROS);
        bench.write(ICS, ICR_RXT0);
        assertThat(bench.lineHigh()).isFalse();
        bench.write(ITR, 0);
        assertThat(bench.lineHigh()).isTrue();
        assertThat(bench.rises()).containsExactly(0L, 10 * MICROS);
    }

    // ---- RDTR and RADV (receive delay, 1.024 µs units)

    /** Delivers a frame to the card at simulated time {@code nanos}; RXT0 is the only unmasked cause. */
    private void frameAt(long nanos, int seq) {
        runTo(nanos);
        int rdh = bench.read(RDH);
        bench.deliver(frame(MAC, 100, seq));
        assertThat(bench.read(RDH)).as("frame %d stored", seq).isNotEqualTo(rdh);
    }

    /** Runs to {@code nanos}, acknowledging each RXT0 as it comes (as an interrupt handler would). */
    private void acknowledgeUntil(long nanos) {
        while (now() < nanos) {
            runTo(Math.min(nanos, now() + 100));
            if (bench.lineHigh()) {
                assertThat(bench.read(ICR) & ICR_RXT0).isEqualTo(ICR_RXT0);
            }
        }
    }

    @Test
    void aFrameWithRdtrZeroRaisesRxt0AtOnceEvenWithRadvSet() {
        bench.receiving(16, RCTL_SECRC);
        bench.write(IMS, ICR_RXT0);
        bench.write(RADV, 100);                      // ignored while RDTR is 0 (3.2.7.1.2)
        frameAt(7 * MICROS, 1);
        assertThat(bench.rises()).containsExactly(7 * MICROS);
    }

    @Test
    void withRdtrRxt0ComesRdtrTimes1024NanosecondsAfterTheLastFrame() {
        bench.receiving(16, RCTL_SECRC);
        bench.write(IMS, ICR_RXT0);
        bench.write(RDTR, 100);                      // 102.4 µs
        assertThat(bench.read(RDTR)).isEqualTo(100);
        frameAt(0, 1);
        frameAt(50 * MICROS, 2);                     // each frame restarts the packet timer
        frameAt(100 * MICROS, 3);
        acknowledgeUntil(202_399);
        assertThat(bench.rises()).as("not before the timer runs out").isEmpty();
        acknowledgeUntil(1_000 * MICROS);
        assertThat(bench.rises()).containsExactly(100 * MICROS + 102_400);
        assertThat(bench.card.interruptAssertions()).isEqualTo(1);
    }

    @Test
    void radvCapsTheDelayCountedFromTheFirstFrameAfterAnInterrupt() {
        bench.receiving(16, RCTL_SECRC);
        bench.write(IMS, ICR_RXT0);
        bench.write(RDTR, 100);                      // 102.4 µs after the last frame...
        bench.write(RADV, 150);                      // ...but never more than 153.6 µs after the first
        assertThat(bench.read(RADV)).isEqualTo(150);
        // A frame every 50 µs: the packet timer never runs out, the absolute timer does.
        for (int i = 0; i <= 6; i++) {
            frameAt(i * 50 * MICROS, i);
            acknowledgeUntil(i * 50 * MICROS + 50 * MICROS - 1);
        }
        acknowledgeUntil(2_000 * MICROS);
        // The first burst's interrupt at 0 + 153.6 µs; the next starts with the frame at 200 µs
        // and ends at 353.6 µs. That one also cancels the packet timer restarted by the frame at
        // 300 µs, so no spurious interrupt follows at 402.4 µs (13.4.30).
        assertThat(bench.rises()).containsExactly(153_600L, 353_600L);
    }

    @Test
    void anIsolatedFrameWithRadvLongerThanRdtrWaitsOnlyForThePacketTimer() {
        bench.receiving(16, RCTL_SECRC);
        bench.write(IMS, ICR_RXT0);
        bench.write(RDTR, 10);                       // 10.24 µs
        bench.write(RADV, 1000);
        frameAt(3 * MICROS, 1);
        acknowledgeUntil(5_000 * MICROS);
        assertThat(bench.rises()).containsExactly(3 * MICROS + 10_240);
    }

    @Test
    void theDelayedRxt0LandsInIcrEvenWhileMasked() {
        bench.receiving(16, RCTL_SECRC);
        bench.write(RDTR, 10);
        frameAt(0, 1);
        assertThat(bench.read(ICR) & ICR_RXT0).isZero();
        runTo(10_240);
        assertThat(bench.read(ICR) & ICR_RXT0).isEqualTo(ICR_RXT0);
        assertThat(bench.edges()).isEmpty();
    }

    // ---- TIDV (transmit delay for descriptors with IDE)

    @Test
    void txdwForADescriptorWithIdeWaitsForTidvWithoutIdeItComesAtOnce() {
        var tx = bench.transmitting(8);
        bench.write(IMS, ICR_TXDW);
        bench.write(TIDV, 20);                       // 20.48 µs
        tx.put(0, frame(PEER, 100, 0), TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS | TXD_CMD_IDE);
        bench.write(TDT, 1);
        assertThat(bench.sent()).hasSize(1);
        assertThat(tx.status(0)).isEqualTo(TXD_STAT_DD);
        assertThat(bench.lineHigh()).isFalse();
        runTo(20_479);
        assertThat(bench.lineHigh()).isFalse();
        runTo(20_480);
        assertThat(bench.lineHigh()).isTrue();
        assertThat(bench.read(ICR) & ICR_TXDW).isEqualTo(ICR_TXDW);

        runTo(100 * MICROS);
        tx.put(1, frame(PEER, 100, 1), TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS);
        bench.write(TDT, 2);
        assertThat(bench.rises()).containsExactly(20_480L, 100 * MICROS);
    }
}
