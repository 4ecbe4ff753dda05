package org.netstack4j.hw.e1000;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.hw.e1000.E1000Bench.MAC;
import static org.netstack4j.hw.e1000.E1000Bench.frame;
import static org.netstack4j.hw.e1000.E1000Bench.seqOf;
import static org.netstack4j.hw.e1000.E1000Registers.*;

/**
 * No free receive descriptor: frames wait in the on-chip packet buffer (48 KB by default, PBA
 * changes it) and reach host memory in order when RDT moves; what does not fit is missed (MPC,
 * RXO). Every frame that arrives with no buffer in host memory is counted in RNBC.
 */
class E1000OverflowTest {
    private static final int DONE = RXD_STAT_DD | RXD_STAT_EOP;

    private E1000Bench bench = new E1000Bench();

    @AfterEach
    void close() {
        bench.close();
    }

    /** Bytes a frame takes in the FIFO: its length rounded up to a 16-byte line, plus a 16-byte status line. */
    private static int footprint(int length) {
        return ((length + 15) & -16) + 16;
    }

    /** A ring of {@code n} descriptors with none free (RDH = RDT = 0), receive enabled without FCS. */
    private E1000Bench.RxRing fullRing(int n) {
        var rx = bench.rxRing(n, 2048);
        bench.write(RCTL, RCTL_EN | RCTL_SECRC);
        return rx;
    }

    private void deliver(int first, int count, int length) {
        for (int i = first; i < first + count; i++) {
            bench.deliver(frame(MAC, length, i));
        }
    }

    @Test
    void fortyEightKilobytesHoldThirtyTwoFullSizeFramesTheRestAreMissed() {
        int fits = 48 * 1024 / footprint(1514);
        assertThat(fits).isEqualTo(32);
        var rx = fullRing(64);
        bench.write(IMS, ICR_RXO);
        deliver(0, 40, 1514);

        assertThat(bench.card.fifoFrames()).isEqualTo(32);
        assertThat(bench.read(MPC)).isEqualTo(8);
        assertThat(bench.read(RNBC)).as("every frame arrived with no buffer").isEqualTo(40);
        assertThat(bench.read(GPRC)).isZero();
        assertThat(bench.lineHigh()).isTrue();
        assertThat(bench.read(ICR)).isEqualTo(ICR_RXO);
        assertThat(rx.status(0)).isZero();

        bench.write(RDT, 20); // 20 descriptors: the 20 oldest frames, in order
        for (int i = 0; i < 20; i++) {
            assertThat(rx.status(i)).isEqualTo(DONE);
            assertThat(seqOf(rx.data(i))).isEqualTo(i);
        }
        assertThat(rx.status(20)).isZero();
        assertThat(bench.card.fifoFrames()).isEqualTo(12);
        assertThat(bench.read(RDH)).isEqualTo(20);
        assertThat(bench.read(ICR) & ICR_RXT0).isEqualTo(ICR_RXT0);

        bench.write(RDT, 40);
        for (int i = 20; i < 32; i++) {
            assertThat(seqOf(rx.data(i))).isEqualTo(i);
        }
        assertThat(rx.status(32)).isZero();
        assertThat(bench.card.fifoFrames()).isZero();
        assertThat(bench.read(RDH)).isEqualTo(32);

        // With the FIFO empty and descriptors free, the next frame goes straight to host memory.
        bench.deliver(frame(MAC, 1514, 100));
        assertThat(seqOf(rx.data(32))).isEqualTo(100);
        assertThat(bench.read(GPRC)).isEqualTo(33);
        assertThat(bench.read(MPC)).isZero();
        assertThat(bench.read(RNBC)).isZero();
        assertThat(bench.read(ICR) & ICR_RXO).as("no overrun this time").isZero();
    }

    @Test
    void shortFramesTakeTheRoomOfSixtyBytesFrames() {
        // A frame under 60 bytes is padded on the wire; in the FIFO it takes 64 + 16 bytes.
        int fits = 48 * 1024 / footprint(60);
        assertThat(fits).isEqualTo(614);
        var rx = fullRing(1024);
        deliver(0, 700, 42);
        assertThat(bench.card.fifoFrames()).isEqualTo(fits);
        assertThat(bench.read(MPC)).isEqualTo(700 - fits);
        bench.write(RDT, 1023);
        assertThat(bench.read(GPRC)).isEqualTo(fits);
        for (int i = 0; i < fits; i++) {
            assertThat(seqOf(rx.data(i))).isEqualTo(i);
            assertThat(rx.length(i)).isEqualTo(60);
        }
    }

    @Test
    void mixedSizesFillTheFifoByTheirRoundedFootprints() {
        var rx = fullRing(256);
        int used = 0;
        int stored = 0;
        int missed = 0;
        int[] sizes = {64, 65, 100, 1514, 512, 1000, 79, 81, 1500, 300};
        for (int i = 0; i < 200; i++) {
            int len = sizes[i % sizes.length];
            if (used + footprint(len) <= 48 * 1024) {
                used += footprint(len);
                stored++;
            } else {
                missed++;
            }
            bench.deliver(frame(MAC, len, i));
        }
        // The FIFO must accept exactly what fits by footprint, no more and no less.
        assertThat(bench.card.fifoFrames()).isEqualTo(stored);
        assertThat(bench.read(MPC)).isEqualTo(missed);
        bench.write(RDT, 255);
        assertThat(bench.read(GPRC)).isEqualTo(stored);
        // The frames that made it are the ones the model above says fitted, in arrival order.
        int slot = 0;
        used = 0;
        for (int i = 0; i < 200; i++) {
            int len = sizes[i % sizes.length];
            if (used + footprint(len) <= 48 * 1024) {
                used += footprint(len);
                assertThat(seqOf(rx.data(slot))).isEqualTo(i);
                assertThat(rx.length(slot)).isEqualTo(len);
                slot++;
            }
        }
    }

    @Test
    void pbaSetsTheReceiveBufferSize() {
        assertThat(bench.read(PBA)).isEqualTo(48);
        bench.write(PBA, 16);
        assertThat(bench.read(PBA)).isEqualTo(16);
        fullRing(64);
        deliver(0, 40, 1514);
        int fits = 16 * 1024 / footprint(1514);
        assertThat(fits).isEqualTo(10);
        assertThat(bench.card.fifoFrames()).isEqualTo(fits);
        assertThat(bench.read(MPC)).isEqualTo(40 - fits);

        // Reset brings the default back.
        bench.write(CTRL, CTRL_RST);
        assertThat(bench.read(PBA)).isEqualTo(48);
    }

    @Test
    void aSmallerOnChipBufferByOption() {
        bench.close();
        bench = new E1000Bench(new E1000.Options(16 * 1024), null);
        assertThat(bench.read(PBA)).isEqualTo(16);
        fullRing(64);
        deliver(0, 20, 1514);
        assertThat(bench.card.fifoFrames()).isEqualTo(10);
        assertThat(bench.read(MPC)).isEqualTo(10);
    }

    @Test
    void theFifoWrapsAroundAsItIsDrainedAndRefilled() {
        var rx = fullRing(128);
        deliver(0, 32, 1514);                    // full
        bench.write(RDT, 16);                     // 16 out: their room is free again
        deliver(32, 16, 1514);                    // must fit, behind the 16 still waiting
        assertThat(bench.read(MPC)).isZero();
        assertThat(bench.card.fifoFrames()).isEqualTo(32);
        deliver(48, 1, 1514);
        assertThat(bench.read(MPC)).isEqualTo(1);
        bench.write(RDT, 100);
        assertThat(bench.read(RDH)).isEqualTo(48);
        for (int i = 0; i < 48; i++) {
            assertThat(seqOf(rx.data(i))).as("slot %d", i).isEqualTo(i);
            assertThat(rx.data(i)).isEqualTo(frame(MAC, 1514, i));
        }
        // Round and round: many laps of the FIFO with one descriptor given at a time.
        int seq = 1000;
        int slot = 48;
        for (int lap = 0; lap < 40; lap++) {
            bench.write(RDT, bench.read(RDH)); // no free descriptor
            deliver(seq, 5, 1514 - lap * 30);
            for (int k = 0; k < 5; k++) {
                bench.write(RDT, (slot + 1) % 128);
                assertThat(seqOf(rx.data(slot))).isEqualTo(seq + k);
                assertThat(rx.length(slot)).isEqualTo(1514 - lap * 30);
                slot = (slot + 1) % 128;
            }
            seq += 5;
        }
        assertThat(bench.read(MPC)).isZero();
        assertThat(bench.card.fifoFrames()).isZero();
    }

    @Test
    void aFrameThatArrivesWhileOthersWaitQueuesBehindThemEvenIfItWouldFit() {
        var rx = bench.rxRing(16, 256);
        bench.write(RCTL, RCTL_EN | RCTL_SECRC | RCTL_BSIZE_256);
        bench.deliver(frame(MAC, 1000, 1));       // needs four 256-byte buffers
        bench.write(RDT, 2);                      // only two: it keeps waiting
        assertThat(rx.status(0)).isZero();
        bench.deliver(frame(MAC, 60, 2));         // would fit in one, but must not overtake
        assertThat(rx.status(0)).isZero();
        assertThat(bench.card.fifoFrames()).isEqualTo(2);
        bench.write(RDT, 8);
        assertThat(rx.status(3)).isEqualTo(DONE);
        assertThat(seqOf(rx.data(0))).isEqualTo(1);
        assertThat(seqOf(rx.data(4))).isEqualTo(2);
        assertThat(bench.read(RDH)).isEqualTo(5);
    }
}
