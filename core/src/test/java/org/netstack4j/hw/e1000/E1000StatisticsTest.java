package org.netstack4j.hw.e1000;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.hw.e1000.E1000Bench.BROADCAST;
import static org.netstack4j.hw.e1000.E1000Bench.MAC;
import static org.netstack4j.hw.e1000.E1000Bench.PEER;
import static org.netstack4j.hw.e1000.E1000Bench.frame;
import static org.netstack4j.hw.e1000.E1000Registers.*;

/**
 * The statistics registers (Intel 8254x manual 13.7): all clear when read, the 64-bit octet
 * counters when their high half is read (13.7.31, 13.7.32, 13.7.41, 13.7.42), and each counts
 * what the manual says: GPRC only frames that passed the filter and were not missed (13.7.27),
 * TPR and TOR every frame received (13.7.41, 13.7.43), octets from the destination address
 * through the CRC, and nothing at all while receives are disabled.
 */
class E1000StatisticsTest {
    private static final long MULTICAST = 0x0100_5E00_00FBL;
    private static final int SEND = TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS;

    private final E1000Bench bench = new E1000Bench();

    @AfterEach
    void close() {
        bench.close();
    }

    private static String name(int register) {
        return String.format("statistics register 0x%04X", register);
    }

    @Test
    void everyStatisticsRegisterHoldsItsCountAndReadsZeroOnceRead() {
        // Receive: four good frames of four kinds, one filtered, one oversized, one runt...
        var rx = bench.receiving(16, RCTL_SECRC | RCTL_BAM | RCTL_MPE);
        bench.deliver(frame(MAC, 100, 1));              // 104 octets with the CRC
        bench.deliver(frame(BROADCAST, 42, 2));         // padded: 64
        bench.deliver(frame(MULTICAST, 600, 3));        // 604
        bench.deliver(frame(MAC, 1514, 4));             // 1518
        bench.deliver(frame(PEER, 200, 5));             // not ours: filtered (204 on the wire)
        bench.deliver(frame(MAC, 1600, 6));             // oversized without LPE (1604)
        bench.deliver(Arrays.copyOf(frame(MAC, 60, 7), 10)); // a runt (counted as 64)
        assertThat(bench.read(RDH)).isEqualTo(4);
        // ...then no free descriptor: 32 of 40 full-size frames wait on chip, 8 are missed.
        bench.write(RDT, bench.read(RDH));
        for (int i = 0; i < 40; i++) {
            bench.deliver(frame(MAC, 1514, 100 + i));
        }
        // Transmit: four frames of four kinds.
        var tx = bench.transmitting(8);
        tx.put(0, frame(PEER, 100, 0), SEND);           // 104
        tx.put(1, frame(BROADCAST, 42, 1), SEND);       // padded by PSP: 64
        tx.put(2, frame(MULTICAST, 300, 2), SEND);      // 304
        tx.put(3, frame(PEER, 1514, 3), SEND);          // 1518
        bench.write(TDT, 4);
        assertThat(bench.sent()).hasSize(4);
        assertThat(rx.status(3) & RXD_STAT_DD).isEqualTo(RXD_STAT_DD);

        Map<Integer, Integer> expected = new LinkedHashMap<>();
        expected.put(MPC, 8);
        expected.put(PRC64, 1);
        expected.put(PRC127, 1);
        expected.put(PRC1023, 1);
        expected.put(PRC1522, 1);
        expected.put(GPRC, 4);
        expected.put(BPRC, 1);
        expected.put(MPRC, 1);
        expected.put(GPTC, 4);
        expected.put(GORCL, 104 + 64 + 604 + 1518);
        expected.put(GOTCL, 104 + 64 + 304 + 1518);
        expected.put(RNBC, 40);
        expected.put(RUC, 1);
        expected.put(ROC, 1);
        expected.put(TORL, 104 + 64 + 604 + 1518 + 204 + 1604 + 64 + 40 * 1518);
        expected.put(TOTL, 104 + 64 + 304 + 1518);
        expected.put(TPR, 7 + 40);
        expected.put(TPT, 4);
        expected.put(PTC64, 1);
        expected.put(PTC127, 1);
        expected.put(PTC511, 1);
        expected.put(PTC1522, 1);
        expected.put(MPTC, 1);
        expected.put(BPTC, 1);

        // In address order, so each low octet half is read before its high half.
        for (int reg = STATS_FIRST; reg <= STATS_LAST; reg += 4) {
            assertThat(bench.read(reg)).as(name(reg)).isEqualTo(expected.getOrDefault(reg, 0));
        }
        for (int reg = STATS_FIRST; reg <= STATS_LAST; reg += 4) {
            assertThat(bench.read(reg)).as(name(reg) + " read a second time").isZero();
        }
    }

    @Test
    void anOctetPairClearsWhenItsHighHalfIsReadNotWhenItsLowHalfIs() {
        bench.receiving(16, RCTL_SECRC);
        bench.deliver(frame(MAC, 100, 1));
        var tx = bench.transmitting(8);
        tx.put(0, frame(PEER, 200, 0), SEND);
        bench.write(TDT, 1);

        assertThat(bench.read(GORCL)).isEqualTo(104);
        assertThat(bench.read(GORCL)).as("reading the low half leaves the count").isEqualTo(104);
        assertThat(bench.read(GORCH)).isZero();
        assertThat(bench.read(GORCL)).as("reading the high half cleared the pair").isZero();
        assertThat(bench.read(TORL)).as("another pair is not affected").isEqualTo(104);
        assertThat(bench.read(TORH)).isZero();
        assertThat(bench.read(TORL)).isZero();

        // Reading only the high half clears the pair as well: the low count is lost.
        assertThat(bench.read(GOTCH)).isZero();
        assertThat(bench.read(GOTCL)).isZero();
        assertThat(bench.read(TOTL)).isEqualTo(204);
        assertThat(bench.read(TOTL)).isEqualTo(204);
        assertThat(bench.read(TOTH)).isZero();
        assertThat(bench.read(TOTL)).isZero();
        assertThat(bench.read(GPTC)).as("packet counters are separate registers").isEqualTo(1);
    }

    @Test
    void octetCountersCarryIntoTheirHighHalfPastFourGibibytes() {
        int size = 9000;                                // jumbo frames, 9004 octets with the CRC
        int frames = 480_000;                           // 4,321,920,000 octets: more than 2^32
        long[] onWire = {0};
        bench.card.attach((segment, offset, length) -> onWire[0]++); // a wire that keeps nothing
        var tx = bench.transmitting(256);
        long buffer = bench.dma.allocate(size, 64);
        MemorySegment.copy(frame(PEER, size, 0), 0, bench.dma.segment(), ValueLayout.JAVA_BYTE,
                bench.dma.offsetOf(buffer, size), size);
        for (int i = 0; i < 256; i++) {
            tx.describe(i, buffer, size, TXD_CMD_EOP | TXD_CMD_IFCS);
        }
        int tdt = 0;
        for (int sent = 0; sent < frames; sent += 250) {
            tdt = (tdt + 250) % 256;
            bench.write(TDT, tdt);
        }
        assertThat(onWire[0]).isEqualTo(frames);

        long octets = (long) frames * (size + FCS_LENGTH);
        assertThat(octets).isGreaterThan(1L << 32);
        assertThat(bench.read(GOTCL)).isEqualTo((int) octets);
        assertThat(bench.read(GOTCH)).isEqualTo((int) (octets >>> 32)).isEqualTo(1);
        assertThat(bench.read(TOTL)).isEqualTo((int) octets);
        assertThat(bench.read(TOTH)).isEqualTo(1);
        assertThat(bench.read(GPTC)).isEqualTo(frames);
        assertThat(bench.read(TPT)).isEqualTo(frames);
        assertThat(bench.read(PTC1522)).as("1024 bytes and longer").isEqualTo(frames);
    }

    @Test
    void receiveCountersCountNothingWhileReceivesAreDisabled() {
        // 13.7: MPC, GPRC, GORC, TOR, TPR ... "only increment if receives are enabled".
        bench.rxRing(16, 2048);
        bench.write(RDT, 15);
        bench.write(RCTL, RCTL_SECRC);                  // EN clear
        for (int i = 0; i < 3; i++) {
            bench.deliver(frame(MAC, 100, i));
        }
        for (int reg : new int[] {TPR, TORL, TORH, GPRC, GORCL, GORCH, MPC, RNBC}) {
            assertThat(bench.read(reg)).as(name(reg)).isZero();
        }
        assertThat(bench.diag("rx_while_disabled")).isEqualTo(3);

        bench.set(RCTL, RCTL_EN);
        bench.deliver(frame(MAC, 100, 3));
        assertThat(bench.read(TPR)).isEqualTo(1);
        assertThat(bench.read(TORL)).isEqualTo(104);
        assertThat(bench.read(GPRC)).isEqualTo(1);
        assertThat(bench.read(GORCL)).isEqualTo(104);
    }

    @Test
    void missedFramesCountInTprAndMpcButNeverInGprcAndWaitingFramesCountOnceStored() {
        var rx = bench.rxRing(64, 2048);               // RDH = RDT: no free descriptor
        bench.write(RCTL, RCTL_EN | RCTL_SECRC);
        for (int i = 0; i < 40; i++) {
            bench.deliver(frame(MAC, 1514, i));
        }
        assertThat(bench.read(TPR)).isEqualTo(40);
        assertThat(bench.read(TORL)).isEqualTo(40 * 1518);
        assertThat(bench.read(TORH)).isZero();
        assertThat(bench.read(MPC)).isEqualTo(8);
        assertThat(bench.read(RNBC)).isEqualTo(40);
        assertThat(bench.read(GPRC)).as("nothing is in host memory yet").isZero();

        bench.write(RDT, 63);
        assertThat(rx.status(31) & RXD_STAT_DD).isEqualTo(RXD_STAT_DD);
        assertThat(bench.read(GPRC)).as("the 32 that waited on chip, not the 8 missed").isEqualTo(32);
        assertThat(bench.read(GORCL)).isEqualTo(32 * 1518);
        assertThat(bench.read(PRC1522)).isEqualTo(32);
        assertThat(bench.read(TPR)).as("storing a waiting frame is not receiving it again").isZero();
    }

    @Test
    void sizeBucketsCountTheLengthFromDestinationAddressThroughCrc() {
        // Without the CRC: 60, 61, 123, 124, 251, 252, 507, 508, 1019, 1020, 1514 bytes;
        // with it: 64 | 65, 127 | 128, 255 | 256, 511 | 512, 1023 | 1024, 1518.
        int[] lengths = {60, 61, 123, 124, 251, 252, 507, 508, 1019, 1020, 1514};
        bench.receiving(16, RCTL_SECRC);
        var tx = bench.transmitting(16);
        for (int i = 0; i < lengths.length; i++) {
            bench.deliver(frame(MAC, lengths[i], i));
            tx.put(i, frame(PEER, lengths[i], i), SEND);
        }
        bench.write(TDT, lengths.length);
        assertThat(bench.sent()).hasSize(lengths.length);
        int[][] buckets = {{PRC64, PTC64, 1}, {PRC127, PTC127, 2}, {PRC255, PTC255, 2}, {PRC511, PTC511, 2},
                {PRC1023, PTC1023, 2}, {PRC1522, PTC1522, 2}};
        for (int[] b : buckets) {
            assertThat(bench.read(b[0])).as(name(b[0])).isEqualTo(b[2]);
            assertThat(bench.read(b[1])).as(name(b[1])).isEqualTo(b[2]);
        }
        assertThat(bench.read(GPRC)).isEqualTo(lengths.length);
        assertThat(bench.read(GPTC)).isEqualTo(lengths.length);
    }

    @Test
    void writesToStatisticsRegistersChangeNothing() {
        bench.receiving(16, RCTL_SECRC);
        bench.deliver(frame(MAC, 100, 1));
        bench.write(GPRC, 1000);
        bench.write(TPR, 0);
        assertThat(bench.read(GPRC)).isEqualTo(1);
        assertThat(bench.read(TPR)).isEqualTo(1);
    }
}
