package org.netstack4j.hw.e1000;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.hw.e1000.E1000Bench.PEER;
import static org.netstack4j.hw.e1000.E1000Bench.frame;
import static org.netstack4j.hw.e1000.E1000Bench.seqOf;
import static org.netstack4j.hw.e1000.E1000Registers.*;

/** The transmit path: [TDH, TDT), DD on RS, TXDW/TXQE, TCTL.EN, gather, PSP, wrap, counters. */
class E1000TransmitTest {
    private static final int SEND = TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS;

    private final E1000Bench bench = new E1000Bench();

    @AfterEach
    void close() {
        bench.close();
    }

    @Test
    void tdtWriteSendsExactlyHeadToTail() {
        var tx = bench.transmitting(16);
        for (int i = 0; i < 6; i++) {
            tx.put(i, frame(PEER, 100, i), SEND);
        }
        bench.write(TDT, 3);
        assertThat(bench.sent()).extracting(E1000Bench::seqOf).containsExactly(0, 1, 2);
        assertThat(bench.read(TDH)).isEqualTo(3);
        assertThat(tx.status(3)).as("descriptor at TDT is not touched").isZero();

        bench.write(TDT, 6);
        assertThat(bench.sent()).extracting(E1000Bench::seqOf).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(bench.read(TDH)).isEqualTo(6);
        byte[] expected = frame(PEER, 100, 4);
        assertThat(bench.sent().get(4)).isEqualTo(expected);
    }

    @Test
    void headEqualsTailMeansNothingToSend() {
        var tx = bench.transmitting(8);
        tx.put(0, frame(PEER, 100, 0), SEND);
        bench.write(TDT, 0);
        assertThat(bench.sent()).isEmpty();
        assertThat(tx.status(0)).isZero();
        assertThat(bench.read(ICR)).as("no TXQE for an empty queue").isZero();
        assertThat(bench.read(TPT)).isZero();
    }

    @Test
    void ddIsWrittenBackOnlyWhereRsIsSet() {
        var tx = bench.transmitting(8);
        tx.put(0, frame(PEER, 100, 0), TXD_CMD_EOP | TXD_CMD_IFCS);
        tx.put(1, frame(PEER, 100, 1), SEND);
        tx.put(2, frame(PEER, 100, 2), TXD_CMD_EOP | TXD_CMD_IFCS);
        bench.write(TDT, 3);
        assertThat(bench.sent()).hasSize(3);
        assertThat(tx.status(0)).isZero();
        assertThat(tx.status(1)).isEqualTo(TXD_STAT_DD);
        assertThat(tx.status(2)).isZero();
    }

    @Test
    void txdwAndTxqeAreRaised() {
        var tx = bench.transmitting(8);
        bench.write(IMS, ICR_TXDW);
        tx.put(0, frame(PEER, 100, 0), SEND);
        bench.write(TDT, 1);
        assertThat(bench.lineHigh()).isTrue();
        assertThat(bench.read(ICR)).isEqualTo(ICR_TXDW | ICR_TXQE);
        assertThat(bench.lineHigh()).isFalse();

        // Without RS nothing is written back, so there is no TXDW; the queue still empties.
        tx.put(1, frame(PEER, 100, 1), TXD_CMD_EOP | TXD_CMD_IFCS);
        bench.write(TDT, 2);
        assertThat(bench.read(ICR)).isEqualTo(ICR_TXQE);
        assertThat(bench.lineHigh()).isFalse();
    }

    @Test
    void nothingIsSentWhileDisabledAndThePendingDescriptorsGoWhenEnabled() {
        var tx = bench.txRing(8);
        for (int i = 0; i < 4; i++) {
            tx.put(i, frame(PEER, 100, i), SEND);
        }
        bench.write(TDT, 4);
        assertThat(bench.sent()).isEmpty();
        assertThat(bench.read(TDH)).isZero();
        assertThat(tx.status(0)).isZero();

        bench.write(TCTL, TCTL_EN | TCTL_PSP);
        assertThat(bench.sent()).extracting(E1000Bench::seqOf).containsExactly(0, 1, 2, 3);
        assertThat(bench.read(TDH)).isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            assertThat(tx.status(i)).isEqualTo(TXD_STAT_DD);
        }
    }

    @Test
    void descriptorsUpToEopAreGatheredIntoOneFrame() {
        var tx = bench.transmitting(8);
        byte[] whole = frame(PEER, 1000, 42);
        tx.put(0, Arrays.copyOfRange(whole, 0, 14), 0);                       // header
        tx.put(1, Arrays.copyOfRange(whole, 14, 600), TXD_CMD_IFCS);          // body
        tx.put(2, Arrays.copyOfRange(whole, 600, 1000), SEND);                // tail, EOP
        tx.put(3, frame(PEER, 80, 43), SEND);
        bench.write(TDT, 2);
        assertThat(bench.sent()).as("no EOP yet: nothing on the wire").isEmpty();
        bench.write(TDT, 4);
        List<byte[]> sent = bench.sent();
        assertThat(sent).hasSize(2);
        assertThat(sent.get(0)).isEqualTo(whole);
        assertThat(sent.get(1)).isEqualTo(frame(PEER, 80, 43));
        assertThat(tx.status(0)).isZero();
        assertThat(tx.status(1)).isZero();
        assertThat(tx.status(2)).isEqualTo(TXD_STAT_DD);
        assertThat(bench.read(GPTC)).isEqualTo(2);
    }

    @Test
    void pspPadsShortFramesToSixtyWithZeros() {
        var tx = bench.transmitting(8);
        byte[] arp = frame(E1000Bench.BROADCAST, 42, 1);
        // The buffer behind the frame holds garbage: padding must not leak it.
        tx.put(0, filled(2048, (byte) 0xAA), SEND);
        tx.put(0, arp, SEND);
        bench.write(TDT, 1);
        byte[] out = bench.sent().get(0);
        assertThat(out).hasSize(60);
        assertThat(Arrays.copyOf(out, 42)).isEqualTo(arp);
        assertThat(Arrays.copyOfRange(out, 42, 60)).containsOnly((byte) 0);

        bench.write(TCTL, TCTL_EN); // PSP off: the short frame goes out as it is
        tx.put(1, arp, SEND);
        bench.write(TDT, 2);
        assertThat(bench.sent().get(1)).isEqualTo(arp);
    }

    @Test
    void ringWrapsAroundForSeveralLaps() {
        int n = 8;
        var tx = bench.transmitting(n);
        int seq = 0;
        // Batches of 3 over an 8-slot ring: batches straddle the end of the ring.
        for (int batch = 0; batch < 20; batch++) {
            int tdt = bench.read(TDT);
            for (int k = 0; k < 3; k++) {
                int slot = (tdt + k) % n;
                assertThat(seq < n || tx.status(slot) == TXD_STAT_DD).as("slot %d was done before reuse", slot).isTrue();
                tx.put(slot, frame(PEER, 64 + seq, seq), SEND);
                seq++;
            }
            bench.write(TDT, (tdt + 3) % n);
            assertThat(bench.read(TDH)).isEqualTo((tdt + 3) % n);
        }
        List<byte[]> sent = bench.sent();
        assertThat(sent).hasSize(60);
        for (int i = 0; i < 60; i++) {
            assertThat(sent.get(i)).isEqualTo(frame(PEER, 64 + i, i));
        }
    }

    @Test
    void goodPacketAndOctetCountersCountWithFcsAndPadding() {
        var tx = bench.transmitting(8);
        tx.put(0, frame(PEER, 100, 0), SEND);
        tx.put(1, frame(PEER, 1514, 1), SEND);
        tx.put(2, frame(PEER, 42, 2), SEND);           // padded to 60, 64 with FCS
        bench.write(TDT, 3);
        assertThat(bench.read(GPTC)).isEqualTo(3);
        assertThat(bench.read(TPT)).isEqualTo(3);
        assertThat(bench.read(GOTCL)).isEqualTo(104 + 1518 + 64);
        assertThat(bench.read(GOTCH)).isZero();
        assertThat(bench.read(GPTC)).as("read-to-clear").isZero();
        assertThat(bench.read(TPT)).isZero();
        assertThat(bench.read(GOTCL)).isZero();
    }

    @Test
    void aNewTdtWhileSendingContinuesFromTdh() {
        var tx = bench.transmitting(8);
        tx.put(0, frame(PEER, 100, 0), SEND);
        bench.write(TDT, 1);
        tx.put(1, frame(PEER, 100, 1), SEND);
        tx.put(2, frame(PEER, 100, 2), SEND);
        bench.write(TDT, 3);
        assertThat(bench.sent()).extracting(E1000Bench::seqOf).containsExactly(0, 1, 2);
        assertThat(seqOf(bench.sent().get(2))).isEqualTo(2);
    }

    private static byte[] filled(int n, byte b) {
        byte[] a = new byte[n];
        Arrays.fill(a, b);
        return a;
    }
}
