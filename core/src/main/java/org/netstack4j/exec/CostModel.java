package org.netstack4j.exec;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How much simulated CPU time each kind of {@link Work} takes on a {@link Cpu}. Inside a
 * {@link Simulation} a CPU that has done charged work is busy until that much simulated time has
 * passed: it runs nothing else meanwhile, interrupts included, while the hardware around it goes
 * on (frames land in rings, timers fire, lines rise). On real threads work takes what it takes and
 * the model only counts.
 *
 * <p>{@link #FREE}, the default of every CPU, makes all work instantaneous: the simulation then
 * behaves exactly as it did before costs existed.
 *
 * @param interruptNanos entering and leaving one interrupt handler
 * @param pollNanos      one call of a driver's poll routine
 * @param rxFrameNanos   one received frame taken off the ring
 * @param forwardNanos   one packet routed on
 * @param txDescriptorNanos one transmit descriptor written for a packet the host sends
 * @param checksumKbNanos   1 KB summed for a checksum in software
 */
public record CostModel(long interruptNanos, long pollNanos, long rxFrameNanos, long forwardNanos,
                        long txDescriptorNanos, long checksumKbNanos) {

    /** Work costs nothing (every CPU's default). */
    public static final CostModel FREE = new CostModel(0, 0, 0, 0, 0, 0);

    /**
     * Round figures for a router built from a 1 GbE card and one core of a commodity x86 server.
     * They are orders of magnitude, not measurements of one machine:
     * <ul>
     *   <li>interrupt entry+exit 4 µs: vectoring, saving and restoring state, the uncached ICR read
     *       across the bus (around a microsecond by itself) and the cache misses a handler causes.
     *       A few microseconds on current cores; 21 µs per interrupt in CERN's DSNIC study
     *       (WoTUG-21, 1998); "a few tens of microseconds" to respond to one in Mogul and
     *       Ramakrishnan (1997);</li>
     *   <li>receive 1 µs per frame and forwarding 2 µs per packet: together about 330,000 packets
     *       a second on one core, the order of kernel IP forwarding per core without bypass;</li>
     *   <li>a poll call 0.5 µs: the call, the ring and register checks, the interrupt re-enable.</li>
     * </ul>
     * With these, four times the polled maximum (about 1.3 Mpps) stays below what one 1 GbE link
     * can carry in 64-byte frames (1.488 Mpps). A router's transmit work is in its forwarding price,
     * and it sums no TCP or UDP checksum: the host-side prices are 0 here (see {@link #HOST}).
     */
    public static final CostModel TYPICAL = new CostModel(4_000, 500, 1_000, 2_000, 0, 0);

    /**
     * A host sending and receiving bulk data: {@link #TYPICAL}, and 1 µs per transmit descriptor (as
     * a received frame costs 1 µs) and 250 ns per KB checksummed in software (about 4 GB/s, the
     * order of an optimised one's complement sum on one core). What the card's offloads save shows
     * here: TSO writes two descriptors for up to 44 frames, and checksum offload sums nothing.
     */
    public static final CostModel HOST = new CostModel(4_000, 500, 1_000, 2_000, 1_000, 250);

    public CostModel {
        for (long n : new long[] {interruptNanos, pollNanos, rxFrameNanos, forwardNanos, txDescriptorNanos,
                checksumKbNanos}) {
            if (n < 0 || n > 1_000_000_000L) {
                throw new IllegalArgumentException("a cost must be 0..1000000000 ns: " + n);
            }
        }
    }

    /** The price of one unit of {@code work}. */
    public long nanos(Work work) {
        return switch (work) {
            case INTERRUPT -> interruptNanos;
            case POLL -> pollNanos;
            case RX_FRAME -> rxFrameNanos;
            case FORWARD -> forwardNanos;
            case TX_DESCRIPTOR -> txDescriptorNanos;
            case CHECKSUM_KB -> checksumKbNanos;
        };
    }

    /** The price of summing {@code bytes} for a checksum in software. */
    public long checksumNanos(int bytes) {
        return checksumKbNanos * bytes >> 10;
    }

    /** True if nothing costs anything. */
    public boolean isFree() {
        return interruptNanos == 0 && pollNanos == 0 && rxFrameNanos == 0 && forwardNanos == 0
                && txDescriptorNanos == 0 && checksumKbNanos == 0;
    }

    /** This model with the price of {@code work} changed. */
    public CostModel with(Work work, long nanos) {
        return new CostModel(work == Work.INTERRUPT ? nanos : interruptNanos, work == Work.POLL ? nanos : pollNanos,
                work == Work.RX_FRAME ? nanos : rxFrameNanos, work == Work.FORWARD ? nanos : forwardNanos,
                work == Work.TX_DESCRIPTOR ? nanos : txDescriptorNanos, work == Work.CHECKSUM_KB ? nanos : checksumKbNanos);
    }

    /** Prices by work, in declaration order (reports). */
    public Map<Work, Long> asMap() {
        Map<Work, Long> m = new LinkedHashMap<>();
        for (Work w : Work.values()) {
            m.put(w, nanos(w));
        }
        return m;
    }
}
