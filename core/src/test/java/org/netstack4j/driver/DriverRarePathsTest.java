package org.netstack4j.driver;

import org.junit.jupiter.api.Test;
import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.hw.RegisterWindow;

import java.lang.foreign.MemorySegment;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.hw.e1000.E1000Registers.*;

/**
 * The driver's paths the model seldom or never takes on its own — a spurious interrupt, a frame
 * landing just as NAPI unmasks, a link change, a transmit error and a receive error written back
 * by the card — made to happen through a register window between driver and card (as a logic
 * analyser would sit on the bus) and through the descriptors in DMA memory. Each is counted
 * exactly, and the driver goes on.
 */
class DriverRarePathsTest {

    /** A window that passes everything through, and can make the card say something once. */
    static final class Probe implements RegisterWindow {
        final RegisterWindow card;
        int zeroIcrReads;
        Runnable beforeIcrRead;
        Runnable onUnmask;
        int rdbal;
        int rdbah;
        int tdbal;
        int tdbah;

        Probe(RegisterWindow card) {
            this.card = card;
        }

        long rxRing() {
            return (Integer.toUnsignedLong(rdbah) << 32) | Integer.toUnsignedLong(rdbal);
        }

        long txRing() {
            return (Integer.toUnsignedLong(tdbah) << 32) | Integer.toUnsignedLong(tdbal);
        }

        @Override
        public int read(int offset) {
            if (offset == ICR) {
                if (zeroIcrReads > 0) {
                    zeroIcrReads--;
                    return 0; // as a shared interrupt line that another device raised
                }
                Runnable r = beforeIcrRead;
                beforeIcrRead = null;
                if (r != null) {
                    r.run();
                }
            }
            return card.read(offset);
        }

        @Override
        public void write(int offset, int value) {
            switch (offset) {
                case RDBAL -> rdbal = value;
                case RDBAH -> rdbah = value;
                case TDBAL -> tdbal = value;
                case TDBAH -> tdbah = value;
                case IMS -> {
                    Runnable r = onUnmask;
                    onUnmask = null;
                    if (r != null) {
                        r.run();
                    }
                }
                default -> { }
            }
            card.write(offset, value);
        }
    }

    private Probe probeA;
    private Probe probeB;

    private TwoCards cards() {
        DriverConfig napi = DriverConfig.of(WakeMode.NAPI);
        TwoCards t = new TwoCards(napi, napi, napi.rxRingSize(), w -> probeA = new Probe(w), w -> probeB = new Probe(w));
        t.up();
        return t;
    }

    private static long counter(TwoCards t, boolean a, String name) {
        Map<String, Long> m = (a ? t.nicA : t.nicB).driver().counterMap();
        return m.get(name);
    }

    private static void send(TwoCards t, int tag) {
        PacketBuffer f = t.frameFromA(100, tag);
        assertThat(t.nicA.driver().queue(f)).isTrue();
        t.nicA.driver().flush();
        t.run();
    }

    @Test
    void aSpuriousInterruptIsCountedAndTheRealCauseStillServed() {
        try (TwoCards t = cards()) {
            send(t, 1);
            long interrupts = counter(t, false, "interrupts");
            probeB.zeroIcrReads = 1;
            send(t, 2);
            assertThat(counter(t, false, "spurious_interrupts")).isEqualTo(1);
            assertThat(counter(t, false, "interrupts") - interrupts).as("the real one, served next").isEqualTo(1);
            assertThat(t.receivedByB).extracting(TwoCards::tagOf).containsExactly(1, 2);
        }
    }

    @Test
    void aFrameLandingAsNapiUnmasksIsPolledAtOnce() {
        try (TwoCards t = cards()) {
            send(t, 1);
            PacketBuffer lateFrame = t.frameFromA(100, 99);
            byte[] late = lateFrame.toByteArray();
            lateFrame.release();
            probeB.onUnmask = () -> t.nicB.card().input().send(MemorySegment.ofArray(late), 0, late.length);
            send(t, 2);
            assertThat(counter(t, false, "napi_rechecks")).isEqualTo(1);
            assertThat(t.receivedByB).extracting(TwoCards::tagOf).containsExactly(1, 2, 99);
            assertThat(counter(t, false, "rx_missed_errors")).isZero();
        }
    }

    @Test
    void everyBatchOfReceivedFramesIsOneTailWriteAndLinkChangesAreCounted() {
        try (TwoCards t = cards()) {
            long rdt = counter(t, false, "rdt_writes");
            for (int i = 0; i < 5; i++) {
                send(t, i);
            }
            assertThat(counter(t, false, "rdt_writes") - rdt).as("one poll, one RDT write, per frame").isEqualTo(5);
            long changes = counter(t, false, "link_changes");
            t.nicB.card().detach();
            t.run();
            t.nicB.card().attach(t.nicA.card().input());
            t.run();
            assertThat(counter(t, false, "link_changes") - changes).as("down, then up").isEqualTo(2);
            send(t, 6);
            assertThat(t.receivedByB).hasSize(6);
        }
    }

    @Test
    void aTransmitErrorWrittenBackByTheCardIsCountedNotSent() {
        try (TwoCards t = cards()) {
            // The card reports excess collisions for the first frame, as half-duplex hardware would.
            probeA.beforeIcrRead = () -> {
                long status = probeA.txRing() + TXD_STATUS;
                t.a.dma().writeU8(status, t.a.dma().readU8(status) | TXD_STAT_EC);
            };
            send(t, 1);
            send(t, 2);
            assertThat(counter(t, true, "tx_errors")).isEqualTo(1);
            assertThat(counter(t, true, "tx_packets")).as("the second, once reclaimed").isEqualTo(1);
        }
    }

    @Test
    void aReceiveErrorWrittenBackByTheCardDropsTheFrameAndTheNextArrives() {
        try (TwoCards t = cards()) {
            probeB.beforeIcrRead = () -> t.b.dma().writeU8(probeB.rxRing() + RXD_ERRORS, RXD_ERR_CE); // a CRC error
            send(t, 1);
            send(t, 2);
            assertThat(counter(t, false, "rx_errors")).isEqualTo(1);
            assertThat(t.receivedByB).extracting(TwoCards::tagOf).containsExactly(2);
        }
    }
}
