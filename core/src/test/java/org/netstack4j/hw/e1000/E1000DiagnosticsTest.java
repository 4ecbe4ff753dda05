package org.netstack4j.hw.e1000;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.hw.e1000.E1000Bench.MAC;
import static org.netstack4j.hw.e1000.E1000Bench.PEER;
import static org.netstack4j.hw.e1000.E1000Bench.frame;
import static org.netstack4j.hw.e1000.E1000Registers.*;

/**
 * The model's own diagnostics — what a driver got wrong, through registers and DMA only — each
 * made to happen, counted exactly, with the card going on working afterwards.
 */
class E1000DiagnosticsTest {
    private static final int SEND = TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS;
    private static final long NOWHERE = 0x7000_0000_0000L; // no DMA memory there

    private final E1000Bench bench = new E1000Bench();

    @AfterEach
    void close() {
        bench.close();
    }

    @Test
    void registerAccessesOutsideTheWindowOrMisalignedAreCountedAndHarmless() {
        int status = bench.read(STATUS);
        assertThat(bench.read(0x3)).as("misaligned").isZero();
        bench.write(0x2_0000, 0xFFFF_FFFF); // past the 128 KB window
        bench.write(-4, 1);
        assertThat(bench.diag("bad_register_accesses")).isEqualTo(3);
        assertThat(bench.read(STATUS)).as("the card is unchanged").isEqualTo(status);
    }

    @Test
    void aReceiveBufferOutsideDmaMemoryIsAnErrorInTheDescriptorNotACrash() {
        var rx = bench.receiving(8, 0);
        rx.pointAt(0, NOWHERE);
        bench.deliver(frame(MAC, 100, 1));
        bench.deliver(frame(MAC, 100, 2));
        assertThat(bench.diag("dma_errors")).isEqualTo(1);
        assertThat(rx.status(0) & RXD_STAT_DD).as("the descriptor is still handed back").isNotZero();
        assertThat(rx.errors(0)).isEqualTo(RXD_ERR_RXE);
        assertThat(rx.errors(1)).isZero();
        assertThat(E1000Bench.seqOf(rx.data(1))).as("the next frame lands whole").isEqualTo(2);
    }

    @Test
    void aRingOutsideDmaMemoryTakesNothingInAndSendsNothing() {
        var rx = bench.receiving(8, 0);
        bench.write(RDBAH, (int) (NOWHERE >>> 32));
        bench.deliver(frame(MAC, 100, 1));
        var tx = bench.transmitting(8);
        tx.put(0, frame(PEER, 100, 7), SEND);
        bench.write(TDBAH, (int) (NOWHERE >>> 32));
        bench.write(TDT, 1);
        assertThat(bench.diag("dma_errors")).isEqualTo(2);
        assertThat(bench.sent()).isEmpty();
        assertThat(rx.status(0)).isZero();
        // Put right, the card goes on.
        bench.write(TDBAH, (int) (tx.base >>> 32));
        bench.write(TDT, 0);
        bench.write(TDH, 0);
        bench.write(TDT, 1);
        assertThat(bench.sent()).hasSize(1);
    }

    @Test
    void framesTooShortToBeEthernetOrInDescriptorsNotModelledAreDroppedAndCounted() {
        var tx = bench.transmitting(8);
        tx.put(0, new byte[10], SEND);                                  // 10 bytes: no Ethernet header
        tx.put(1, frame(PEER, 100, 1), SEND | TXD_CMD_DEXT);            // an extended descriptor
        bench.dma.writeU8(tx.desc(1) + TXD_CSO, 0x20);                  // of a type the 8254x does not have (DTYP 2)
        tx.put(2, frame(PEER, 100, 2), SEND);
        bench.write(TDT, 3);
        assertThat(bench.diag("tx_bad_frames")).isEqualTo(2);
        assertThat(bench.diag("tx_unsupported_descriptors")).isEqualTo(1);
        assertThat(bench.sent()).extracting(E1000Bench::seqOf).containsExactly(2);
        assertThat(tx.status(0) & TXD_STAT_DD).as("each descriptor still reported done").isNotZero();
    }
}
