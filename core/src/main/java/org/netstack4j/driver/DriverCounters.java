package org.netstack4j.driver;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A driver's counters, named as {@code ethtool -S} names them where Linux has a name. Written
 * only on the interface's CPU; read them from elsewhere once that CPU has stopped, or accept a
 * slightly stale view.
 */
public final class DriverCounters {
    // Software: what the driver itself did.
    long rxPackets;
    long rxBytes;
    long txPackets;
    long txBytes;
    long txRingFull;
    long txErrors;
    long txAbortedAtTearDown;
    long rxDroppedAtTearDown;
    long rxPoolEmpty;
    long rxErrors;
    long rxLongFrames;
    long interrupts;
    long spuriousInterrupts;
    long polls;
    long budgetExhausted;
    long napiRechecks;
    long tdtWrites;
    long rdtWrites;
    long linkChanges;
    long txDescriptors;
    long txContextDescriptors;
    long txChecksumOffloaded;
    long txSegmentationRequests;
    long rxChecksumGood;
    long rxChecksumErrors;
    // Hardware: the card's read-to-clear statistics, accumulated.
    long rxMissed;
    long rxNoBuffer;
    long rxOversize;
    long rxUndersize;
    long hwRxPackets;
    long hwTxPackets;
    long hwRxBytes;
    long hwTxBytes;
    long hwRxTotal;
    long hwTxSegmentationGood;
    long hwTxSegmentationFailed;

    public long rxPackets() {
        return rxPackets;
    }

    public long rxBytes() {
        return rxBytes;
    }

    public long txPackets() {
        return txPackets;
    }

    public long txBytes() {
        return txBytes;
    }

    /** Frames refused because the transmit ring was full (back-pressure, not loss). */
    public long txRingFull() {
        return txRingFull;
    }

    /** Frames received but dropped because the pool had no buffer to refill the ring. */
    public long rxPoolEmpty() {
        return rxPoolEmpty;
    }

    public long rxErrors() {
        return rxErrors;
    }

    public long rxLongFrames() {
        return rxLongFrames;
    }

    public long txErrors() {
        return txErrors;
    }

    public long txAbortedAtTearDown() {
        return txAbortedAtTearDown;
    }

    /** Frames the card had put in the receive ring that no poll took up before tear-down. */
    public long rxDroppedAtTearDown() {
        return rxDroppedAtTearDown;
    }

    public long interrupts() {
        return interrupts;
    }

    public long spuriousInterrupts() {
        return spuriousInterrupts;
    }

    public long polls() {
        return polls;
    }

    public long budgetExhausted() {
        return budgetExhausted;
    }

    public long napiRechecks() {
        return napiRechecks;
    }

    public long tdtWrites() {
        return tdtWrites;
    }

    /** Transmit descriptors written: data and context ones. */
    public long txDescriptors() {
        return txDescriptors;
    }

    /** Context descriptors written (only when the offload context changed). */
    public long txContextDescriptors() {
        return txContextDescriptors;
    }

    /** Packets whose TCP or UDP checksum the card inserted. */
    public long txChecksumOffloaded() {
        return txChecksumOffloaded;
    }

    /** TCP segments of up to 64 KB handed to the card to cut into frames (TSO). */
    public long txSegmentationRequests() {
        return txSegmentationRequests;
    }

    /** Frames whose checksums the card checked and found right. */
    public long rxChecksumGood() {
        return rxChecksumGood;
    }

    /** Frames the card found a wrong checksum in (passed up marked, dropped and counted by the stack). */
    public long rxChecksumErrors() {
        return rxChecksumErrors;
    }

    /** Segmentations the card completed (TSCTC). */
    public long hwTxSegmentationGood() {
        return hwTxSegmentationGood;
    }

    /** Segmentations the card gave up on (TSCTFC). */
    public long hwTxSegmentationFailed() {
        return hwTxSegmentationFailed;
    }

    /** Frames the card dropped because its on-chip buffer was full (MPC). */
    public long rxMissed() {
        return rxMissed;
    }

    /** Frames the card dropped as too long (ROC). */
    public long rxOversize() {
        return rxOversize;
    }

    public long rxUndersize() {
        return rxUndersize;
    }

    public long rxNoBuffer() {
        return rxNoBuffer;
    }

    public long hwRxPackets() {
        return hwRxPackets;
    }

    public long hwTxPackets() {
        return hwTxPackets;
    }

    /** Every frame the driver or the card dropped on receive. */
    public long rxDropped() {
        return rxPoolEmpty + rxErrors + rxLongFrames + rxMissed + rxOversize + rxUndersize + rxDroppedAtTearDown;
    }

    public Map<String, Long> toMap() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("rx_packets", rxPackets);
        m.put("rx_bytes", rxBytes);
        m.put("tx_packets", txPackets);
        m.put("tx_bytes", txBytes);
        m.put("tx_ring_full", txRingFull);
        m.put("tx_errors", txErrors);
        m.put("tx_aborted_at_teardown", txAbortedAtTearDown);
        m.put("rx_dropped_at_teardown", rxDroppedAtTearDown);
        m.put("rx_pool_empty", rxPoolEmpty);
        m.put("rx_errors", rxErrors);
        m.put("rx_length_errors", rxLongFrames); // ethtool -S: a frame over more than one buffer (no EOP), dropped
        m.put("rx_missed_errors", rxMissed);
        m.put("rx_no_buffer_count", rxNoBuffer);
        m.put("rx_long_length_errors", rxOversize); // ethtool -S (ROC)
        m.put("rx_short_length_errors", rxUndersize); // ethtool -S (RUC)
        m.put("interrupts", interrupts);
        m.put("spurious_interrupts", spuriousInterrupts);
        m.put("polls", polls);
        m.put("budget_exhausted", budgetExhausted);
        m.put("napi_rechecks", napiRechecks);
        m.put("tdt_writes", tdtWrites);
        m.put("rdt_writes", rdtWrites);
        m.put("link_changes", linkChanges);
        m.put("tx_descriptors", txDescriptors);
        m.put("tx_context_descriptors", txContextDescriptors);
        m.put("tx_csum_offload", txChecksumOffloaded);
        m.put("tx_tso_requests", txSegmentationRequests);
        m.put("rx_csum_offload_good", rxChecksumGood); // ethtool -S (e1000: hw_csum_rx_good)
        m.put("rx_csum_offload_errors", rxChecksumErrors); // ethtool -S (e1000: hw_csum_rx_error)
        m.put("hw_rx_packets", hwRxPackets);
        m.put("hw_tx_packets", hwTxPackets);
        m.put("hw_rx_bytes", hwRxBytes);
        m.put("hw_tx_bytes", hwTxBytes);
        m.put("hw_rx_total", hwRxTotal);
        m.put("tx_tcp_seg_good", hwTxSegmentationGood); // ethtool -S (TSCTC)
        m.put("tx_tcp_seg_failed", hwTxSegmentationFailed); // ethtool -S (TSCTFC)
        return m;
    }
}
