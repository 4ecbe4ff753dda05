package org.netstack4j.driver;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.hw.e1000.E1000Registers;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class E1000DriverTest {

    @ParameterizedTest
    @EnumSource(WakeMode.class)
    void bringUpReadsMacFromEepromAndProgramsTheCard(WakeMode mode) {
        try (TwoCards bench = new TwoCards(DriverConfig.of(mode))) {
            bench.up();
            var card = bench.nicA.card();
            assertThat(bench.nicA.driver().mac()).isEqualTo(TwoCards.MAC_A);
            assertThat(card.read(E1000Registers.RDLEN)).isEqualTo(256 * 16);
            assertThat(card.read(E1000Registers.RDH)).isZero();
            assertThat(card.read(E1000Registers.RDT)).isEqualTo(255);
            assertThat(card.read(E1000Registers.TDH)).isZero();
            assertThat(card.read(E1000Registers.TDT)).isZero();
            assertThat(card.read(E1000Registers.RCTL) & E1000Registers.RCTL_EN).isNotZero();
            assertThat(card.read(E1000Registers.TCTL) & E1000Registers.TCTL_EN).isNotZero();
            assertThat(card.read(E1000Registers.RAH0) & E1000Registers.RAH_AV).isNotZero();
            int expectedMask = mode == WakeMode.BUSY_POLL ? 0 : E1000Registers.ICR_RXT0;
            assertThat(card.read(E1000Registers.IMS) & E1000Registers.ICR_RXT0).isEqualTo(expectedMask);
            assertThat(bench.nicA.rxPool().inUse()).isEqualTo(256);
        }
    }

    @ParameterizedTest
    @EnumSource(WakeMode.class)
    void framesArriveInOrderAcrossManyRingWraps(WakeMode mode) {
        DriverConfig small = DriverConfig.of(mode).withRings(8, 8);
        try (TwoCards bench = new TwoCards(small, small, 8)) {
            bench.up();
            int sent = 0;
            for (int round = 0; round < 500; round++) {
                for (int i = 0; i < 5; i++) {
                    assertThat(bench.nicA.driver().queue(bench.frameFromA(60, sent))).isTrue();
                    sent++;
                }
                bench.nicA.driver().flush();
                bench.run();
            }
            assertThat(bench.receivedByB).hasSize(sent);
            for (int i = 0; i < sent; i++) {
                assertThat(TwoCards.tagOf(bench.receivedByB.get(i))).isEqualTo(i);
            }
            assertThat(bench.nicB.driver().counters().rxPackets()).isEqualTo(sent);
            bench.nicA.driver().reclaimTransmitted();
            assertThat(bench.nicA.driver().counters().txPackets()).isEqualTo(sent);
            // 2,500 frames through 8 descriptors: more than 300 laps of each ring.
            assertThat(bench.nicA.driver().counters().tdtWrites()).isEqualTo(500);
            assertThat(bench.a.txPool().isFull()).isTrue();
        }
    }

    @Test
    void fullTransmitRingRefusesFramesAndLosesNone() {
        try (TwoCards bench = new TwoCards(DriverConfig.of(WakeMode.NAPI).withRings(16, 16))) {
            bench.up();
            E1000Driver driver = bench.nicA.driver();
            // Stop the card's transmitter, as a stalled link would: nothing completes.
            bench.nicA.card().write(E1000Registers.TCTL, 0);
            List<PacketBuffer> refused = new ArrayList<>();
            int accepted = 0;
            for (int i = 0; i < 40; i++) {
                PacketBuffer f = bench.frameFromA(100, i);
                if (driver.queue(f)) {
                    accepted++;
                } else {
                    refused.add(f);
                }
            }
            driver.flush();
            // One slot always stays free so that TDT never catches up with TDH.
            assertThat(accepted).isEqualTo(15);
            assertThat(driver.counters().txRingFull()).isEqualTo(25);
            assertThat(bench.receivedByB).isEmpty();

            bench.nicA.card().write(E1000Registers.TCTL, E1000Registers.TCTL_EN | E1000Registers.TCTL_PSP);
            bench.run();
            assertThat(bench.receivedByB).hasSize(15);
            for (PacketBuffer f : refused) {
                assertThat(driver.transmit(f)).isTrue();
            }
            bench.run();
            assertThat(bench.receivedByB).hasSize(40);
            assertThat(bench.receivedByB.stream().map(TwoCards::tagOf)).containsExactlyElementsOf(
                    java.util.stream.IntStream.range(0, 40).boxed().toList());
        }
    }

    @Test
    void aBatchThatLapsTheRingIsReclaimedInFull() {
        DriverConfig small = DriverConfig.of(WakeMode.NAPI).withRings(8, 8);
        try (TwoCards bench = new TwoCards(small, small, 8)) {
            bench.up();
            E1000Driver driver = bench.nicA.driver();
            // Eleven frames in one batch through eight descriptors, flushing when refused (as
            // NetInterface.queueOrKick does): the tail laps the oldest unreclaimed slot.
            int refusals = 0;
            for (int i = 0; i < 11; i++) {
                PacketBuffer f = bench.frameFromA(60, i);
                if (!driver.queue(f)) {
                    refusals++;
                    driver.flush();
                    assertThat(driver.queue(f)).as("frame %d after the flush", i).isTrue();
                }
            }
            driver.flush();
            bench.run();
            driver.reclaimTransmitted();

            assertThat(refusals).isEqualTo(1);
            assertThat(bench.receivedByB.stream().map(TwoCards::tagOf)).containsExactlyElementsOf(
                    java.util.stream.IntStream.range(0, 11).boxed().toList());
            assertThat(driver.counters().txPackets()).isEqualTo(11);
            assertThat(driver.counters().txBytes()).isEqualTo(11 * 60);
            assertThat(driver.counters().txRingFull()).isEqualTo(1);
            assertThat(driver.transmitInFlight()).isZero();
            assertThat(bench.a.txPool().inUse()).as("buffers still held by the ring while idle").isZero();

            driver.tearDown();
            assertThat(driver.counters().txAbortedAtTearDown()).as("every frame was sent").isZero();
            assertThat(driver.counters().txPackets()).isEqualTo(11);
            assertThat(bench.a.txPool().isFull()).isTrue();
        }
    }

    @Test
    void aSenderRefusedWhenTheTailMeetsTheOldestSlotIsWokenOnceTheRingDrains() {
        DriverConfig small = DriverConfig.of(WakeMode.NAPI).withRings(8, 8);
        try (TwoCards bench = new TwoCards(small, small, 8)) {
            bench.up();
            E1000Driver driver = bench.nicA.driver();
            int[] wakes = new int[1];
            driver.setTransmitWaiter(bench.a.cpu().newJob("waiter", () -> {
                wakes[0]++;
                return org.netstack4j.exec.Job.Result.DONE;
            }));
            assertThat(driver.transmit(bench.frameFromA(60, 0))).isTrue();
            // In the same job, eight more: the ring takes seven (its tail comes round to slot 0,
            // whose buffer is sent but not yet reclaimed) and refuses the eighth.
            int accepted = 0;
            PacketBuffer refused = null;
            for (int i = 1; i <= 8; i++) {
                PacketBuffer f = bench.frameFromA(60, i);
                if (driver.queue(f)) {
                    accepted++;
                } else {
                    refused = f;
                }
            }
            assertThat(accepted).isEqualTo(7);
            assertThat(refused).isNotNull();
            assertThat(driver.transmitInFlight()).isEqualTo(8);
            driver.flush();

            assertThat(driver.reclaimTransmitted()).as("all eight were sent").isEqualTo(8);
            assertThat(driver.transmitInFlight()).isZero();
            assertThat(bench.a.txPool().inUse()).isEqualTo(1); // the refused frame, still the caller's
            bench.run();
            assertThat(wakes[0]).as("the waiter is scheduled once room came back").isEqualTo(1);

            assertThat(driver.transmit(refused)).isTrue();
            bench.run();
            driver.reclaimTransmitted();
            assertThat(bench.receivedByB.stream().map(TwoCards::tagOf)).containsExactlyElementsOf(
                    java.util.stream.IntStream.range(0, 9).boxed().toList());
            assertThat(driver.counters().txPackets()).isEqualTo(9);
            assertThat(driver.counters().txRingFull()).isEqualTo(1);
            assertThat(bench.a.txPool().isFull()).isTrue();
        }
    }

    @Test
    void emptyPoolDropsAndCountsButNeverLeavesTheRingShort() {
        DriverConfig config = DriverConfig.of(WakeMode.NAPI).withRings(16, 16);
        try (TwoCards bench = new TwoCards(config, config, 4)) {
            bench.up();
            bench.bHolds = true; // b's consumer keeps every buffer: its pool runs dry after 4 spares
            for (int i = 0; i < 10; i++) {
                bench.nicA.driver().transmit(bench.frameFromA(60, i));
            }
            bench.run();
            var counters = bench.nicB.driver().counters();
            assertThat(counters.rxPackets()).isEqualTo(4);
            assertThat(counters.rxPoolEmpty()).isEqualTo(6);
            // Every descriptor still has a buffer: the pool's whole stock is the ring plus what the consumer holds.
            assertThat(bench.nicB.rxPool().free()).isZero();
            assertThat(bench.nicB.rxPool().inUse()).isEqualTo(16 + 4);

            bench.bHolds = false;
            bench.releaseHeld();
            for (int i = 10; i < 20; i++) {
                bench.nicA.driver().transmit(bench.frameFromA(60, i));
            }
            bench.run();
            assertThat(counters.rxPackets()).isEqualTo(14);
            assertThat(counters.rxPoolEmpty()).isEqualTo(6);
        }
    }

    @Test
    void napiPollStopsAtTheBudgetAndUnmasksWhenDone() {
        DriverConfig config = DriverConfig.of(WakeMode.NAPI).withBudget(64);
        try (TwoCards bench = new TwoCards(config)) {
            bench.up();
            for (int i = 0; i < 200; i++) {
                bench.nicA.driver().queue(bench.frameFromA(60, i));
            }
            bench.nicA.driver().flush();
            bench.run();
            var c = bench.nicB.driver().counters();
            assertThat(c.rxPackets()).isEqualTo(200);
            assertThat(c.interrupts()).isEqualTo(1);
            assertThat(c.polls()).isEqualTo(4);          // 64 + 64 + 64 + 8
            assertThat(c.budgetExhausted()).isEqualTo(3);
            assertThat(bench.nicB.card().read(E1000Registers.IMS) & E1000Registers.ICR_RXT0).isNotZero();
        }
    }

    @Test
    void interruptModeDoesTheWorkInTheHandler() {
        try (TwoCards bench = new TwoCards(DriverConfig.of(WakeMode.INTERRUPT))) {
            bench.up();
            for (int i = 0; i < 100; i++) {
                bench.nicA.driver().transmit(bench.frameFromA(60, i));
                bench.run();
            }
            var c = bench.nicB.driver().counters();
            assertThat(c.rxPackets()).isEqualTo(100);
            assertThat(c.interrupts()).isEqualTo(100);
            assertThat(c.polls()).isZero();
        }
    }

    @Test
    void busyPollTakesNoInterrupts() {
        try (TwoCards bench = new TwoCards(DriverConfig.of(WakeMode.BUSY_POLL))) {
            bench.up();
            for (int i = 0; i < 100; i++) {
                bench.nicA.driver().transmit(bench.frameFromA(60, i));
            }
            bench.run();
            var c = bench.nicB.driver().counters();
            assertThat(c.rxPackets()).isEqualTo(100);
            assertThat(c.interrupts()).isZero();
            assertThat(c.polls()).isPositive();
            assertThat(bench.b.cpu().interruptsTaken()).isZero();
        }
    }

    @Test
    void interruptThrottleLimitsTheRate() {
        // 4,000 interrupts a second at most: one every 250 µs of simulated time.
        DriverConfig config = DriverConfig.of(WakeMode.INTERRUPT).withInterruptsPerSecond(4_000);
        try (TwoCards bench = new TwoCards(config)) {
            bench.up();
            for (int i = 0; i < 1_000; i++) {
                bench.nicA.driver().transmit(bench.frameFromA(60, i));
                bench.sim.runFor(10_000); // a frame every 10 µs for 10 ms
            }
            bench.sim.runFor(1_000_000);
            var c = bench.nicB.driver().counters();
            assertThat(c.rxPackets()).isEqualTo(1_000);
            assertThat(c.interrupts()).isBetween(38L, 42L);
        }
    }

    @Test
    void badEepromChecksumFailsBringUpClearly() {
        try (TwoCards bench = new TwoCards(DriverConfig.of(WakeMode.NAPI))) {
            bench.nicA.card().corruptEeprom();
            assertThatThrownBy(() -> bench.nicA.driver().bringUp(f -> f.release()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("EEPROM checksum");
            assertThat(bench.nicA.rxPool().isFull()).isTrue();
            assertThat(bench.nicA.driver().isUp()).isFalse();
        }
    }

    @Test
    void oversizeFramesAreCountedByTheCard() {
        try (TwoCards bench = new TwoCards(DriverConfig.of(WakeMode.NAPI))) {
            bench.up();
            // A 1600-byte frame arriving from the wire: no LPE, so the card drops it (ROC).
            var f = bench.frameFromA(1514, 1);
            var big = java.lang.foreign.Arena.ofAuto().allocate(1600);
            f.copyTo(0, big, 0, 1514);
            bench.nicB.card().input().send(big, 0, 1600);
            f.release();
            bench.run();
            bench.nicB.driver().updateStats();
            assertThat(bench.nicB.driver().counters().rxOversize()).isEqualTo(1);
            assertThat(bench.receivedByB).isEmpty();
        }
    }

    @Test
    void aFrameSpanningSeveralReceiveBuffersIsDroppedWholeAndCountedOnce() {
        try (TwoCards bench = new TwoCards(DriverConfig.of(WakeMode.NAPI))) {
            bench.up();
            // The driver never sets LPE; with it set behind its back, a 5000-byte frame fits the
            // card (jumbo) but not one 2048-byte buffer: the card writes it over three descriptors,
            // only the last with EOP, and the driver drops all three pieces as one long frame.
            var card = bench.nicB.card();
            card.write(E1000Registers.RCTL, card.read(E1000Registers.RCTL) | E1000Registers.RCTL_LPE);
            var f = bench.frameFromA(1514, 1);
            var big = java.lang.foreign.Arena.ofAuto().allocate(5000);
            f.copyTo(0, big, 0, 1514);
            f.release();
            card.input().send(big, 0, 5000);
            bench.run();
            var counters = bench.nicB.driver().counters();
            assertThat(counters.rxLongFrames()).isEqualTo(1);
            assertThat(counters.rxPackets()).isZero();
            assertThat(bench.receivedByB).isEmpty();

            // The next frame, in one buffer, goes up as usual: the driver stopped discarding at EOP.
            bench.nicA.driver().transmit(bench.frameFromA(60, 2));
            bench.run();
            assertThat(bench.receivedByB).hasSize(1);
            assertThat(TwoCards.tagOf(bench.receivedByB.getFirst())).isEqualTo(2);
            assertThat(counters.rxLongFrames()).isEqualTo(1);
            assertThat(counters.rxPackets()).isEqualTo(1);
        }
    }

    @Test
    void framesLeftInTheReceiveRingAtTearDownAreCounted() {
        try (TwoCards bench = new TwoCards(DriverConfig.of(WakeMode.NAPI))) {
            bench.up();
            for (int i = 0; i < 3; i++) {
                bench.nicA.driver().transmit(bench.frameFromA(60, i));
            }
            bench.run(); // b takes these up
            for (int i = 3; i < 8; i++) {
                bench.nicA.driver().transmit(bench.frameFromA(60, i)); // in b's ring; b never runs again
            }
            E1000Driver b = bench.nicB.driver();
            assertThat(b.receivePending()).isTrue();
            b.tearDown();
            assertThat(b.counters().rxPackets()).isEqualTo(3);
            assertThat(b.counters().rxDroppedAtTearDown()).isEqualTo(5);
            assertThat(b.counterMap()).containsEntry("rx_dropped_at_teardown", 5L);
            assertThat(b.counters().rxDropped()).isEqualTo(5);
            bench.nicA.driver().tearDown();
            assertThat(bench.b.poolsFull()).isTrue();
        }
    }

    @Test
    void tearDownReturnsEveryBufferIncludingUnsentFrames() {
        try (TwoCards bench = new TwoCards(DriverConfig.of(WakeMode.NAPI))) {
            bench.up();
            for (int i = 0; i < 10; i++) {
                bench.nicA.driver().queue(bench.frameFromA(60, i)); // queued, never flushed
            }
            bench.nicA.driver().tearDown();
            bench.nicB.driver().tearDown();
            assertThat(bench.nicA.driver().counters().txAbortedAtTearDown()).isEqualTo(10);
            assertThat(bench.a.poolsFull()).isTrue();
            assertThat(bench.b.poolsFull()).isTrue();
        }
    }
}
