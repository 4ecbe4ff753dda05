package org.netstack4j.hw.e1000;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.hw.e1000.E1000Bench.BROADCAST;
import static org.netstack4j.hw.e1000.E1000Bench.MAC;
import static org.netstack4j.hw.e1000.E1000Bench.PEER;
import static org.netstack4j.hw.e1000.E1000Bench.frame;
import static org.netstack4j.hw.e1000.E1000Bench.seqOf;
import static org.netstack4j.hw.e1000.E1000Registers.*;

/** The receive path: address filter, sizes, DMA at RDH, FCS, RXT0/RXDMT0, wrap-around, head == tail. */
class E1000ReceiveTest {
    private static final int DONE = RXD_STAT_DD | RXD_STAT_EOP;
    private static final long MULTICAST = 0x0100_5E00_00FBL;   // 224.0.0.251 (mDNS)

    private final E1000Bench bench = new E1000Bench();

    @AfterEach
    void close() {
        bench.close();
    }

    /** Intel's multicast hash for RCTL.MO = 00: address bits 47:36, i.e. octet 4's high nibble and octet 5. */
    private static int mtaHash(long mac) {
        int octet4 = (int) (mac >>> 8) & 0xFF;
        int octet5 = (int) mac & 0xFF;
        return ((octet4 >>> 4) | (octet5 << 4)) & 0xFFF;
    }

    private void setMtaBit(int hash) {
        int reg = MTA + 4 * (hash >>> 5);
        bench.write(reg, bench.read(reg) | (1 << (hash & 31)));
    }

    /** Delivers one frame and says whether the card stored it (RDH moved). */
    private boolean accepted(byte[] frame) {
        int rdh = bench.read(RDH);
        bench.deliver(frame);
        return bench.read(RDH) != rdh;
    }

    // ---- Address filter

    @Test
    void unicastToReceiveAddressZeroIsAcceptedOtherUnicastIsFiltered() {
        bench.receiving(16, RCTL_SECRC);
        assertThat(accepted(frame(MAC, 100, 1))).isTrue();
        assertThat(accepted(frame(MAC ^ 1, 100, 2))).isFalse();
        assertThat(accepted(frame(PEER, 100, 3))).isFalse();
        assertThat(bench.diag("filtered")).isEqualTo(2);
        assertThat(bench.read(GPRC)).isEqualTo(1);
        assertThat(bench.read(TPR)).as("TPR counts filtered frames too").isEqualTo(3);
    }

    @Test
    void promiscuousUnicastAcceptsEveryUnicast() {
        bench.receiving(16, RCTL_SECRC | RCTL_UPE);
        assertThat(accepted(frame(PEER, 100, 1))).isTrue();
        assertThat(accepted(frame(MAC ^ 0x10, 100, 2))).isTrue();
        assertThat(accepted(frame(MULTICAST, 100, 3))).as("UPE is not MPE").isFalse();
        assertThat(bench.diag("filtered")).isEqualTo(1);
    }

    @Test
    void receiveAddressOneCountsOnlyWithAddressValid() {
        bench.receiving(16, RCTL_SECRC);
        // 02:00:00:00:00:01 in RAL1/RAH1, first octet in the low byte, without AV first.
        bench.write(RAL0 + 8, 0x0000_0002);
        bench.write(RAH0 + 8, 0x0100);
        assertThat(accepted(frame(PEER, 100, 1))).isFalse();
        bench.write(RAH0 + 8, RAH_AV | 0x0100);
        assertThat(accepted(frame(PEER, 100, 2))).isTrue();
        // Clearing AV of entry 0 stops our own address.
        bench.write(RAH0, bench.read(RAH0) & ~RAH_AV);
        assertThat(accepted(frame(MAC, 100, 3))).isFalse();
    }

    @Test
    void broadcastNeedsBam() {
        bench.receiving(16, RCTL_SECRC);
        assertThat(accepted(frame(BROADCAST, 60, 1))).isFalse();
        bench.set(RCTL, RCTL_BAM);
        assertThat(accepted(frame(BROADCAST, 60, 2))).isTrue();
        assertThat(bench.read(BPRC)).isEqualTo(1);
    }

    @Test
    void multicastPassesWithMpe() {
        bench.receiving(16, RCTL_SECRC);
        assertThat(accepted(frame(MULTICAST, 100, 1))).isFalse();
        bench.set(RCTL, RCTL_MPE);
        assertThat(accepted(frame(MULTICAST, 100, 2))).isTrue();
        assertThat(accepted(frame(0x3333_0000_0001L, 100, 3))).isTrue();
        assertThat(accepted(frame(PEER, 100, 4))).as("MPE is not UPE").isFalse();
    }

    @Test
    void multicastPassesThroughItsMtaBitAndItsNeighboursDoNot() {
        bench.receiving(16, RCTL_SECRC);
        int hash = mtaHash(MULTICAST);
        assertThat(hash).isEqualTo(0xFB0);
        setMtaBit(hash);
        assertThat(accepted(frame(MULTICAST, 100, 1))).isTrue();
        // Another group with the same bits 47:36 shares the bit (the hash is imperfect)...
        assertThat(accepted(frame(0x0100_5E7F_00FBL, 100, 2))).isTrue();
        // ...but the groups whose hash is the next bit, the previous bit, or in the next MTA word do not.
        long nextBit = 0x0100_5E00_10FBL;    // octet 4 high nibble 1 -> 0xFB1
        long previousBit = 0x0100_5E00_F0FAL; // 0xFAF
        long nextWord = 0x0100_5E00_00FDL;   // 0xFD0, word 0x7E
        assertThat(mtaHash(nextBit)).isEqualTo(hash + 1);
        assertThat(mtaHash(previousBit)).isEqualTo(hash - 1);
        assertThat(accepted(frame(nextBit, 100, 3))).isFalse();
        assertThat(accepted(frame(previousBit, 100, 4))).isFalse();
        assertThat(accepted(frame(nextWord, 100, 5))).isFalse();
        setMtaBit(mtaHash(nextWord));
        assertThat(accepted(frame(nextWord, 100, 6))).isTrue();
        assertThat(bench.read(MPRC)).isEqualTo(3);
        assertThat(bench.diag("filtered")).isEqualTo(3);
    }

    // ---- Sizes

    @Test
    void shortFramesArePaddedToSixtyWithZeros() {
        var rx = bench.receiving(16, RCTL_SECRC | RCTL_BAM);
        bench.dma.writeU64(rx.buffers[0] + 40, -1L);      // garbage where the padding goes
        bench.dma.writeU64(rx.buffers[0] + 48, -1L);
        bench.dma.writeU64(rx.buffers[0] + 56, -1L);
        byte[] arp = frame(BROADCAST, 42, 9);
        bench.deliver(arp);
        assertThat(rx.length(0)).isEqualTo(60);
        byte[] stored = rx.data(0);
        assertThat(Arrays.copyOf(stored, 42)).isEqualTo(arp);
        assertThat(Arrays.copyOfRange(stored, 42, 60)).containsOnly((byte) 0);
        bench.read(GORCH); // clear the pair
    }

    @Test
    void fifteenEighteenBytesPassFifteenNineteenAreOversizedUnlessLpe() {
        var rx = bench.receiving(16, RCTL_SECRC);
        assertThat(accepted(frame(MAC, 1518, 1))).isTrue();          // 1522 with FCS
        assertThat(rx.length(0)).isEqualTo(1518);
        assertThat(accepted(frame(MAC, 1519, 2))).isFalse();
        assertThat(accepted(frame(MAC, 9000, 3))).isFalse();
        assertThat(bench.read(ROC)).isEqualTo(2);
        assertThat(bench.read(GPRC)).isEqualTo(1);

        bench.set(RCTL, RCTL_LPE);
        assertThat(accepted(frame(MAC, 1519, 4))).isTrue();
        assertThat(rx.length(1)).isEqualTo(1519);
        assertThat(bench.read(ROC)).isZero();
    }

    @Test
    void oversizedFramesThatFailTheAddressFilterAreNotCountedInRoc() {
        // ROC counts frames that passed address filtering (Intel 8254x manual, 13.7.36).
        bench.receiving(16, RCTL_SECRC);
        assertThat(accepted(frame(PEER, 1600, 1))).isFalse();
        assertThat(bench.read(ROC)).isZero();
        assertThat(bench.diag("filtered")).isEqualTo(1);
    }

    // ---- DMA, descriptors and the FCS

    @Test
    void frameLandsInTheDescriptorAtRdhWithLengthAndDdEop() {
        var rx = bench.rxRing(16, 2048);
        bench.write(RDH, 5);
        bench.write(RDT, 9);
        bench.write(RCTL, RCTL_EN | RCTL_SECRC);
        byte[] f = frame(MAC, 333, 77);
        bench.deliver(f);
        assertThat(rx.status(5)).isEqualTo(DONE);
        assertThat(rx.errors(5)).isZero();
        assertThat(rx.length(5)).isEqualTo(333);
        assertThat(rx.data(5)).isEqualTo(f);
        assertThat(rx.status(4)).isZero();
        assertThat(rx.status(6)).isZero();
        assertThat(bench.read(RDH)).isEqualTo(6);
        assertThat(bench.read(RDT)).isEqualTo(9);
        assertThat(bench.read(ICR) & ICR_RXT0).isEqualTo(ICR_RXT0);
    }

    @Test
    void withoutSecrcTheLengthIncludesTheCrc32OfTheFrame() {
        var rx = bench.receiving(16, RCTL_BAM);
        byte[] f = frame(MAC, 200, 5);
        bench.deliver(f);
        assertThat(rx.length(0)).isEqualTo(204);
        byte[] stored = rx.data(0);
        assertThat(Arrays.copyOf(stored, 200)).isEqualTo(f);
        assertThat(fcsOf(stored, 200)).isEqualTo(crc32(f));

        // A short frame: the CRC covers the padded 60 bytes.
        byte[] arp = frame(BROADCAST, 42, 6);
        bench.deliver(arp);
        assertThat(rx.length(1)).isEqualTo(64);
        assertThat(fcsOf(rx.data(1), 60)).isEqualTo(crc32(Arrays.copyOf(arp, 60)));
    }

    private static int fcsOf(byte[] stored, int at) {
        return ByteBuffer.wrap(stored, at, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private static int crc32(byte[] data) {
        CRC32 crc = new CRC32();
        crc.update(data);
        return (int) crc.getValue();
    }

    @Test
    void aFrameBiggerThanTheBufferSpansSeveralDescriptorsWithEopOnTheLast() {
        var rx = bench.rxRing(16, 256);
        bench.write(RDT, 15);
        bench.write(RCTL, RCTL_EN | RCTL_SECRC | RCTL_BSIZE_256);
        byte[] f = frame(MAC, 1000, 3);
        bench.deliver(f);
        int[] lengths = {256, 256, 256, 232};
        byte[] joined = new byte[0];
        for (int i = 0; i < 4; i++) {
            assertThat(rx.length(i)).isEqualTo(lengths[i]);
            assertThat(rx.status(i)).isEqualTo(i == 3 ? DONE : RXD_STAT_DD);
            byte[] part = rx.data(i);
            joined = Arrays.copyOf(joined, joined.length + part.length);
            System.arraycopy(part, 0, joined, joined.length - part.length, part.length);
        }
        assertThat(joined).isEqualTo(f);
        assertThat(bench.read(RDH)).isEqualTo(4);
        assertThat(bench.read(GPRC)).isEqualTo(1);
    }

    // ---- Interrupt causes

    @Test
    void rxt0IsRaisedPerFrame() {
        bench.receiving(16, RCTL_SECRC);
        bench.write(IMS, ICR_RXT0);
        assertThat(bench.lineHigh()).isFalse();
        bench.deliver(frame(MAC, 100, 0));
        assertThat(bench.lineHigh()).isTrue();
        assertThat(bench.read(ICR)).isEqualTo(ICR_RXT0);
        bench.deliver(frame(PEER, 100, 1)); // filtered: no cause
        assertThat(bench.lineHigh()).isFalse();
        assertThat(bench.read(ICR)).isZero();
    }

    @ParameterizedTest(name = "RDMTS {0}: RXDMT0 when {1} of 16 are free")
    @CsvSource({"0, 8", "1, 4", "2, 2"})
    void rxdmt0WhenFreeDescriptorsFallToTheThreshold(int rdmts, int threshold) {
        bench.receiving(16, RCTL_SECRC | (rdmts << RCTL_RDMTS_SHIFT));
        int free = 15;
        while (free > 0) {
            bench.deliver(frame(MAC, 100, free));
            free--;
            int icr = bench.read(ICR);
            assertThat(icr & ICR_RXT0).isEqualTo(ICR_RXT0);
            assertThat(icr & ICR_RXDMT0).as("RXDMT0 with %d free", free).isEqualTo(free <= threshold ? ICR_RXDMT0 : 0);
        }
    }

    // ---- Ring semantics

    @Test
    void ringWrapsAroundForSeveralLapsAsSoftwareMovesRdt() {
        int n = 8;
        var rx = bench.receiving(n, RCTL_SECRC);
        int next = 0;           // where software looks for the next frame: (RDT + 1) % n
        int seq = 0;
        int seen = 0;
        for (int batch = 0; batch < 15; batch++) {
            for (int k = 0; k < 5; k++) {
                bench.deliver(frame(MAC, 60 + seq, seq));
                seq++;
            }
            while ((rx.status(next) & RXD_STAT_DD) != 0) {
                assertThat(seqOf(rx.data(next))).as("slot %d", next).isEqualTo(seen);
                assertThat(rx.length(next)).isEqualTo(60 + seen);
                rx.clear(next);
                bench.write(RDT, next);
                next = (next + 1) % n;
                seen++;
            }
            assertThat(seen).isEqualTo(seq);
        }
        assertThat(seen).isEqualTo(75);
        assertThat(bench.read(GPRC)).isEqualTo(75);
        assertThat(bench.read(MPC)).isZero();
        assertThat(bench.read(RDH)).isEqualTo(75 % n);
    }

    @Test
    void headEqualsTailMeansNoFreeDescriptor() {
        var rx = bench.rxRing(8, 2048);
        bench.write(RDH, 3);
        bench.write(RDT, 3);
        bench.write(RCTL, RCTL_EN | RCTL_SECRC);
        bench.deliver(frame(MAC, 100, 1));
        for (int i = 0; i < 8; i++) {
            assertThat(rx.status(i)).isZero();
        }
        assertThat(bench.read(RDH)).isEqualTo(3);
        assertThat(bench.read(RNBC)).isEqualTo(1);
        assertThat(bench.read(ICR) & ICR_RXT0).isZero();

        bench.write(RDT, 4); // one descriptor: the waiting frame goes into it
        assertThat(rx.status(3)).isEqualTo(DONE);
        assertThat(seqOf(rx.data(3))).isEqualTo(1);
        assertThat(bench.read(RDH)).isEqualTo(4);
        assertThat(bench.read(ICR) & ICR_RXT0).isEqualTo(ICR_RXT0);
    }

    @Test
    void nothingIsReceivedWhileRctlEnIsClear() {
        var rx = bench.rxRing(8, 2048);
        bench.write(RDT, 7);
        bench.write(RCTL, RCTL_SECRC);
        bench.deliver(frame(MAC, 100, 1));
        assertThat(rx.status(0)).isZero();
        assertThat(bench.read(GPRC)).isZero();
        assertThat(bench.diag("rx_while_disabled")).isEqualTo(1);
    }
}
