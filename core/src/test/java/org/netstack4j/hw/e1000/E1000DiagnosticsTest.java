package org.netstack4j.hw.e1000;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.hw.e1000.E1000Bench.MAC;
import static org.netstack4j.hw.e1000.E1000Bench.PEER;
import static org.netstack4j.hw.e1000.E1000Bench.frame;
import static org.netstack4j.hw.e1000.E1000Bench.seqOf;
import static org.netstack4j.hw.e1000.E1000Registers.*;

/** Each model diagnostic moved through registers and DMA only, by an exact count, and the card goes on. */
class E1000DiagnosticsTest {
    private static final int SEND = TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS;
    /** A bus address no DMA memory has. */
    private static final long NOWHERE = 0x7FFF_0000_0000L;

    private final E1000Bench bench = new E1000Bench();

    @AfterEach
    void close() {
        bench.close();
    }

    @Test
    void misalignedAndOutOfRangeRegisterAccessesAreCountedAndIgnored() {
        int ctrl = bench.read(CTRL);
        assertThat(bench.read(CTRL + 1)).as("misaligned read").isZero();
        assertThat(bench.read(BAR_SIZE)).as("read past the window").isZero();
        bench.write(-4, 0xFFFF_FFFF);
        bench.write(CTRL + 2, 0xFFFF_FFFF);
        assertThat(bench.diag("bad_register_accesses")).isEqualTo(4);
        assertThat(bench.read(CTRL)).as("no write landed").isEqualTo(ctrl);
        assertThat(bench.diag("bad_register_accesses")).isEqualTo(4);
    }

    @Test
    void aTransmitDescriptorPointingOutsideDmaMemoryIsADmaErrorAndABadFrame() {
        var tx = bench.transmitting(8);
        tx.describe(0, NOWHERE, 100, SEND);
        tx.put(1, frame(PEER, 100, 1), SEND);
        bench.write(TDT, 2);
        assertThat(bench.diag("dma_errors")).isEqualTo(1);
        assertThat(bench.diag("tx_bad_frames")).isEqualTo(1);
        assertThat(bench.sent()).extracting(E1000Bench::seqOf).containsExactly(1);
        assertThat(tx.status(0) & TXD_STAT_DD).as("the bad descriptor is still given back").isNotZero();
    }

    @Test
    void aTransmitFrameShorterThanAnEthernetHeaderIsABadFrame() {
        var tx = bench.transmitting(8);
        tx.put(0, frame(PEER, 100, 0), SEND);
        tx.describe(0, tx.buffers[0], 13, SEND);
        tx.put(1, frame(PEER, 100, 1), SEND);
        bench.write(TDT, 2);
        assertThat(bench.diag("tx_bad_frames")).isEqualTo(1);
        assertThat(bench.diag("dma_errors")).isZero();
        assertThat(bench.sent()).extracting(E1000Bench::seqOf).containsExactly(1);
    }

    @Test
    void aTransmitRingOutsideDmaMemoryIsADmaErrorAndSendsNothing() {
        var tx = bench.transmitting(8);
        tx.put(0, frame(PEER, 100, 0), SEND);
        bench.write(TDBAL, 0);
        bench.write(TDBAH, (int) (NOWHERE >>> 32));
        bench.write(TDT, 1);
        assertThat(bench.diag("dma_errors")).isEqualTo(1);
        assertThat(bench.sent()).isEmpty();
        assertThat(bench.read(TDH)).isZero();
    }

    @Test
    void aReceiveBufferOutsideDmaMemoryIsADmaErrorReportedInTheDescriptor() {
        var rx = bench.receiving(8, RCTL_EN | RCTL_BSIZE_2048 | RCTL_SECRC);
        rx.pointAt(0, NOWHERE);
        bench.deliver(frame(MAC, 100, 0));
        bench.deliver(frame(MAC, 100, 1));
        assertThat(bench.diag("dma_errors")).isEqualTo(1);
        assertThat(rx.errors(0)).isEqualTo(RXD_ERR_RXE);
        assertThat(rx.errors(1)).isZero();
        assertThat(seqOf(rx.data(1))).as("the next frame lands as usual").isEqualTo(1);
    }
}
