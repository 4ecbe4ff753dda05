package org.netstack4j.driver;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.hw.e1000.E1000Registers.*;

/**
 * Driver counters moved through the model alone (no crafted window, unlike {@link DriverRarePathsTest}):
 * the cable pulled and put back, the card's statistics folded in, a receive error the card itself reports.
 */
class DriverCountersTest {
    /** A bus address no DMA memory has. */
    private static final long NOWHERE = 0x7FFF_0000_0000L;

    private static Map<String, Long> counters(org.netstack4j.lab.Nic nic) {
        return nic.driver().counterMap();
    }

    @Test
    void linkChangesFollowTheCable() {
        try (TwoCards bench = new TwoCards(DriverConfig.of(WakeMode.NAPI))) {
            bench.up();
            bench.run();
            assertThat(counters(bench.nicB)).containsEntry("link_changes", 1L);
            assertThat(bench.nicB.driver().linkUp()).isTrue();

            bench.nicB.card().detach();
            bench.run();
            assertThat(counters(bench.nicB)).containsEntry("link_changes", 2L);
            assertThat(bench.nicB.driver().linkUp()).isFalse();

            bench.nicB.card().attach(bench.nicA.card().input());
            bench.run();
            assertThat(counters(bench.nicB)).containsEntry("link_changes", 3L);
            assertThat(bench.nicB.driver().linkUp()).isTrue();
            assertThat(counters(bench.nicA)).as("a's cable never moved after up").containsEntry("link_changes", 1L);
        }
    }

    @Test
    void cardStatisticsAreFoldedIntoTheCounters() {
        try (TwoCards bench = new TwoCards(DriverConfig.of(WakeMode.NAPI))) {
            bench.up();
            for (int i = 0; i < 5; i++) {
                bench.nicA.driver().transmit(bench.frameFromA(100, i));
            }
            bench.run();
            // A runt straight from the wire: the card counts it (RUC), nothing goes up.
            bench.nicB.card().input().send(java.lang.foreign.Arena.ofAuto().allocate(10), 0, 10);
            bench.run();
            bench.nicA.driver().updateStats();
            bench.nicB.driver().updateStats();
            // 100 bytes + 4 of FCS each.
            assertThat(counters(bench.nicA)).containsEntry("hw_tx_packets", 5L).containsEntry("hw_tx_bytes", 520L);
            assertThat(counters(bench.nicB)).containsEntry("hw_rx_packets", 5L).containsEntry("hw_rx_bytes", 520L)
                    .containsEntry("hw_rx_total", 6L).containsEntry("rx_short_length_errors", 1L)
                    .containsEntry("rx_no_buffer_count", 0L);
            assertThat(bench.nicB.driver().counters().rxUndersize()).isEqualTo(1);
            assertThat(bench.nicB.driver().counters().rxDropped()).isEqualTo(1);
            // Read-to-clear: folding again adds nothing.
            bench.nicB.driver().updateStats();
            assertThat(counters(bench.nicB)).containsEntry("hw_rx_packets", 5L).containsEntry("hw_rx_total", 6L);
            assertThat(bench.receivedByB).hasSize(5);
        }
    }

    @Test
    void aReceiveDescriptorWithAnErrorIsDroppedCountedAndTheNextFrameGoesUp() {
        try (TwoCards bench = new TwoCards(DriverConfig.of(WakeMode.NAPI))) {
            bench.up();
            var card = bench.nicB.card();
            long ring = Integer.toUnsignedLong(card.read(RDBAL)) | (long) card.read(RDBAH) << 32;
            int head = card.read(RDH);
            // The buffer behind the next descriptor lies outside DMA memory: the card reports RXE.
            long descriptor = ring + (long) head * DESC_SIZE + DESC_ADDR;
            long buffer = bench.b.dma().readU64(descriptor);
            bench.b.dma().writeU64(descriptor, NOWHERE);
            bench.nicA.driver().transmit(bench.frameFromA(60, 0));
            bench.run();
            assertThat(card.diagnostics().toMap()).containsEntry("dma_errors", 1L);
            assertThat(counters(bench.nicB)).containsEntry("rx_errors", 1L).containsEntry("rx_packets", 0L);
            assertThat(bench.nicB.driver().counters().rxDropped()).isEqualTo(1);
            assertThat(bench.receivedByB).isEmpty();

            bench.b.dma().writeU64(descriptor, buffer);
            bench.nicA.driver().transmit(bench.frameFromA(60, 1));
            bench.run();
            assertThat(bench.receivedByB).hasSize(1);
            assertThat(TwoCards.tagOf(bench.receivedByB.getFirst())).isEqualTo(1);
            assertThat(counters(bench.nicB)).containsEntry("rx_errors", 1L).containsEntry("rx_packets", 1L);
        }
    }
}
