package org.netstack4j.lab;

import org.junit.jupiter.api.Test;
import org.netstack4j.driver.Offloads;
import org.netstack4j.exec.CostModel;
import org.netstack4j.hw.link.FaultInjector.Rates;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The card's offloads through the whole stack: TCP transfers of a few MB between two simulated
 * hosts, every byte checked, every buffer back in its pool afterwards, with the offloads on, off,
 * on one side only, through loss and through corruption.
 */
class OffloadTransferTest {
    private static final long MB = 1 << 20;
    private static final Offloads CHECKSUMS_ONLY = new Offloads(true, true, false);

    private static OffloadTransfer.Outcome transfer(long bytes, Offloads sender, Offloads receiver, Rates faults)
            throws Exception {
        OffloadTransfer.Outcome o = OffloadTransfer.run(3, bytes, sender, receiver, faults, CostModel.HOST);
        assertThat(o.bytes()).isEqualTo(bytes);
        assertThat(o.byteExact()).as("every byte as written").isTrue();
        assertThat(o.poolsFull()).as("every buffer and chunk back in its pool").isTrue();
        return o;
    }

    @Test
    void segmentationOffloadMovesTheSameBytesWithFarFewerDescriptorsAndLessCpu() throws Exception {
        OffloadTransfer.Outcome on = transfer(4 * MB, Offloads.ALL, Offloads.ALL, null);
        OffloadTransfer.Outcome off = transfer(4 * MB, Offloads.NONE, Offloads.NONE, null);
        assertThat(on.segmentationRequests()).as("TSO used").isPositive();
        assertThat(off.segmentationRequests()).isZero();
        assertThat(off.txContextDescriptors()).as("offloads off: legacy descriptors only").isZero();
        // Off: one descriptor per segment of 1,448 bytes, about 724 per MB. On: segments of up to 44
        // of those in one descriptor, and a context descriptor only when the context changes.
        assertThat(off.descriptorsPerMb()).isGreaterThan(700);
        assertThat(on.txDescriptors()).as("at least 10x fewer descriptors").isLessThan(off.txDescriptors() / 10);
        assertThat(on.txContextDescriptors()).isLessThan(on.segmentationRequests() + 2);
        assertThat(on.cpuNanosPerKb()).as("less CPU per byte").isLessThan(off.cpuNanosPerKb() * 0.8);
        assertThat(on.cardChecksumErrors()).isZero();
        assertThat(on.stackChecksumErrors()).isZero();
    }

    @Test
    void checksumOffloadAloneUsesOneDescriptorPerSegmentAndOneContext() throws Exception {
        OffloadTransfer.Outcome o = transfer(2 * MB, CHECKSUMS_ONLY, CHECKSUMS_ONLY, null);
        assertThat(o.segmentationRequests()).isZero();
        // One context descriptor for the data segments (the pure ACKs go the other way), written once.
        assertThat(o.txContextDescriptors()).isLessThanOrEqualTo(2);
        assertThat(o.descriptorsPerMb()).isGreaterThan(700);
    }

    @Test
    void eitherSideAloneWithOffloadsTalksToTheOtherByteExact() throws Exception {
        OffloadTransfer.Outcome senderOnly = transfer(2 * MB, Offloads.ALL, Offloads.NONE, null);
        assertThat(senderOnly.segmentationRequests()).isPositive();
        OffloadTransfer.Outcome receiverOnly = transfer(2 * MB, Offloads.NONE, Offloads.ALL, null);
        assertThat(receiverOnly.segmentationRequests()).isZero();
        assertThat(receiverOnly.txContextDescriptors()).isZero();
    }

    @Test
    void rangesSentAsOneSegmentAreRetransmittedThroughLossByteExact() throws Exception {
        OffloadTransfer.Outcome o = transfer(4 * MB, Offloads.ALL, Offloads.ALL, Rates.NONE.withDrop(0.02)
                .withReorder(0.02, 300_000L));
        assertThat(o.lost()).as("the cable lost frames of segmented ranges").isPositive();
        assertThat(o.retransmitted()).isPositive();
        assertThat(o.segmentationRequests()).isPositive();
    }

    @Test
    void framesTheCardFindsCorruptAreDroppedAndCountedAsChecksumErrors() throws Exception {
        OffloadTransfer.Outcome o = transfer(2 * MB, Offloads.ALL, Offloads.ALL, Rates.NONE.withCorrupt(0.01, 1));
        assertThat(o.corrupted()).isPositive();
        assertThat(o.cardChecksumErrors()).as("the receiving card marked the corrupt data frames").isPositive();
        assertThat(o.stackChecksumErrors()).as("and the stack dropped each, in its checksum counters")
                .isEqualTo(o.cardChecksumErrors());
    }
}
