package org.netstack4j.hw.e1000;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.hw.e1000.E1000Bench.MAC;
import static org.netstack4j.hw.e1000.E1000Bench.frame;
import static org.netstack4j.hw.e1000.E1000Registers.*;

/** CTRL.RST and the link: what a reset clears, what it reloads, and STATUS.LU with LSC. */
class E1000ResetTest {
    private static final int RAL0_FROM_EEPROM = 0x1200_5452; // 52:54:00:12 with the first octet low
    private static final int RAH0_FROM_EEPROM = 0x8000_5634; // 34:56 and AV

    private final E1000Bench bench = new E1000Bench();

    @AfterEach
    void close() {
        bench.close();
    }

    @Test
    void powerOnStateHasTheEepromMacInReceiveAddressZero() {
        assertThat(bench.read(RAL0)).isEqualTo(RAL0_FROM_EEPROM);
        assertThat(bench.read(RAH0)).isEqualTo(RAH0_FROM_EEPROM);
        assertThat(bench.read(RCTL)).isZero();
        assertThat(bench.read(TCTL)).isZero();
        assertThat(bench.read(CTRL) & CTRL_RST).isZero();
    }

    @Test
    void rstClearsItself() {
        bench.write(CTRL, bench.read(CTRL) | CTRL_RST);
        assertThat(bench.read(CTRL) & CTRL_RST).isZero();
        assertThat(bench.diag("resets")).isEqualTo(1);
        bench.write(CTRL, bench.read(CTRL) | CTRL_RST);
        assertThat(bench.read(CTRL) & CTRL_RST).isZero();
        assertThat(bench.diag("resets")).isEqualTo(2);
    }

    @Test
    void resetMidTrafficFlushesTheFifoAndZeroesTheRingsAndInterrupts() {
        var rx = bench.rxRing(16, 2048);          // RDH = RDT = 0: no free descriptor
        bench.write(RCTL, RCTL_EN | RCTL_BAM | RCTL_SECRC);
        var tx = bench.transmitting(8);
        tx.put(0, frame(E1000Bench.PEER, 60, 0), TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS);
        bench.write(TDT, 1);
        for (int i = 0; i < 5; i++) {
            bench.deliver(frame(MAC, 100, i));
        }
        assertThat(bench.card.fifoFrames()).isEqualTo(5);
        bench.write(IMS, ICR_RXT0 | ICR_RXO | ICR_TXDW);
        bench.write(ICS, ICR_RXT0);
        assertThat(bench.lineHigh()).isTrue();
        bench.write(ITR, 100);
        bench.write(RDTR, 8);
        bench.write(RADV, 16);
        bench.write(TIDV, 8);
        bench.write(MTA + 4 * 7, 0x8000_0001);
        bench.write(RAL0, 0x0403_0201);
        bench.write(RAH0, RAH_AV | 0x0605);
        bench.write(RAL0 + 8, 0x1111_1111);
        bench.write(RAL0 + 12, RAH_AV | 0x1111);

        bench.write(CTRL, bench.read(CTRL) | CTRL_RST);

        assertThat(bench.read(CTRL) & CTRL_RST).isZero();
        assertThat(bench.card.fifoFrames()).isZero();
        assertThat(bench.diag("reset_flushed")).isEqualTo(5);
        assertThat(bench.lineHigh()).as("no cause is pending after reset").isFalse();
        for (int reg : new int[] {RCTL, RDBAL, RDBAH, RDLEN, RDH, RDT, RDTR, RADV,
                TCTL, TDBAL, TDBAH, TDLEN, TDH, TDT, TIDV, TADV, IMS, ITR, ICR,
                MTA + 4 * 7, RAL0 + 8, RAL0 + 12}) {
            assertThat(bench.read(reg)).as("register 0x%04x after reset", reg).isZero();
        }
        assertThat(bench.read(RAL0)).isEqualTo(RAL0_FROM_EEPROM);
        assertThat(bench.read(RAH0)).isEqualTo(RAH0_FROM_EEPROM);
        // Statistics start again from zero.
        assertThat(bench.read(GPTC)).isZero();
        assertThat(bench.read(TPR)).isZero();

        // The card is quiet: receive is off, so a frame goes nowhere; the old ring is untouched.
        bench.deliver(frame(MAC, 100, 99));
        assertThat(bench.diag("rx_while_disabled")).isEqualTo(1);
        assertThat(rx.status(0)).isZero();
        assertThat(bench.read(RDH)).isZero();

        // Set up again: only new frames arrive; the flushed ones are gone for good.
        var rx2 = bench.receiving(16, RCTL_SECRC);
        bench.deliver(frame(MAC, 100, 7));
        assertThat(rx2.status(0)).isEqualTo(RXD_STAT_DD | RXD_STAT_EOP);
        assertThat(E1000Bench.seqOf(rx2.data(0))).isEqualTo(7);
        assertThat(rx2.status(1)).isZero();
        assertThat(bench.read(GPRC)).isEqualTo(1);
    }

    @Test
    void resetDoesNotTakeTheLinkDown() {
        bench.write(CTRL, CTRL_RST);
        assertThat(bench.read(STATUS) & STATUS_LU).isEqualTo(STATUS_LU);
    }

    @Test
    void statusLinkUpFollowsAttachAndDetachWithLsc() {
        assertThat(bench.read(STATUS) & STATUS_LU).isEqualTo(STATUS_LU);
        assertThat(bench.read(STATUS) & STATUS_FD).isEqualTo(STATUS_FD);
        assertThat(bench.read(ICR)).isZero();
        bench.write(IMS, ICR_LSC);

        bench.card.detach();
        assertThat(bench.read(STATUS) & STATUS_LU).isZero();
        assertThat(bench.lineHigh()).isTrue();
        assertThat(bench.read(ICR)).isEqualTo(ICR_LSC);
        assertThat(bench.lineHigh()).isFalse();

        bench.card.attach(bench.recorder());
        assertThat(bench.read(STATUS) & STATUS_LU).isEqualTo(STATUS_LU);
        assertThat(bench.read(ICR)).isEqualTo(ICR_LSC);
        assertThat(bench.rises()).hasSize(2);
    }

    @Test
    void framesSentWithoutALinkAreLostAndCounted() {
        var tx = bench.transmitting(8);
        bench.card.detach();
        tx.put(0, frame(E1000Bench.PEER, 60, 0), TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS);
        bench.write(TDT, 1);
        assertThat(bench.sent()).isEmpty();
        assertThat(bench.diag("tx_no_link")).isEqualTo(1);
        assertThat(tx.status(0) & TXD_STAT_DD).as("the descriptor is still done").isEqualTo(TXD_STAT_DD);
    }
}
