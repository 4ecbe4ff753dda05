package org.netstack4j.driver;

/**
 * Per-interface driver settings.
 *
 * @param rxRingSize            receive descriptors (multiple of 8, 8..4096)
 * @param txRingSize            transmit descriptors (multiple of 8, 8..4096)
 * @param mode                  how the driver is woken
 * @param budget                frames per poll before yielding the CPU (NAPI weight; Linux uses 64)
 * @param interruptsPerSecond   ITR moderation: at most this many interrupts a second (0 = none)
 * @param statsIntervalNanos    how often the card's read-to-clear statistics are folded into the counters (0 = only on demand)
 * @param mtu                   the largest IP datagram a frame carries: 1500, or up to {@value #MAX_MTU} with
 *                              jumbo frames (the card's RCTL.LPE, 16 KB receive buffers)
 * @param offloads              what the card does for the stack: checksums both ways, TCP segmentation
 */
public record DriverConfig(int rxRingSize, int txRingSize, WakeMode mode, int budget, int interruptsPerSecond,
                           long statsIntervalNanos, int mtu, Offloads offloads) {
    /** The largest jumbo MTU: a 9,000-byte datagram and its Ethernet header fit a 16 KB buffer with room to spare. */
    public static final int MAX_MTU = 9000;

    public static final int DEFAULT_RING = 256;
    public static final int DEFAULT_BUDGET = 64;

    public DriverConfig {
        checkRing("receive", rxRingSize);
        checkRing("transmit", txRingSize);
        if (mode == null) {
            throw new IllegalArgumentException("wake mode is required");
        }
        if (budget < 1) {
            throw new IllegalArgumentException("budget must be at least 1: " + budget);
        }
        if (mtu < 576 || mtu > MAX_MTU) {
            throw new IllegalArgumentException("MTU must be 576.." + MAX_MTU + ": " + mtu);
        }
        if (offloads == null) {
            throw new IllegalArgumentException("offloads are required (Offloads.NONE for none)");
        }
        if (interruptsPerSecond < 0 || statsIntervalNanos < 0) {
            throw new IllegalArgumentException("interrupt rate and stats interval must not be negative");
        }
    }

    private static void checkRing(String which, int size) {
        if (size < 8 || size > 4096 || size % 8 != 0) {
            throw new IllegalArgumentException(which + " ring size must be a multiple of 8 in 8..4096: " + size);
        }
    }

    /**
     * The defaults for {@code mode}. Offloads are on, except in busy-poll mode, the real-time
     * configuration (RTnet's I/O task), where they are off: see {@link Offloads} for why.
     */
    public static DriverConfig of(WakeMode mode) {
        return new DriverConfig(DEFAULT_RING, DEFAULT_RING, mode, DEFAULT_BUDGET, 0, 2_000_000_000L, 1500,
                defaultOffloads(mode));
    }

    /** Offloads for {@code mode} unless told otherwise: all of them, none in real-time (busy-poll) mode. */
    public static Offloads defaultOffloads(WakeMode mode) {
        return mode == WakeMode.BUSY_POLL ? Offloads.NONE : Offloads.ALL;
    }

    public DriverConfig withRings(int rx, int tx) {
        return new DriverConfig(rx, tx, mode, budget, interruptsPerSecond, statsIntervalNanos, mtu, offloads);
    }

    public DriverConfig withBudget(int newBudget) {
        return new DriverConfig(rxRingSize, txRingSize, mode, newBudget, interruptsPerSecond, statsIntervalNanos, mtu,
                offloads);
    }

    public DriverConfig withInterruptsPerSecond(int rate) {
        return new DriverConfig(rxRingSize, txRingSize, mode, budget, rate, statsIntervalNanos, mtu, offloads);
    }

    public DriverConfig withStatsInterval(long nanos) {
        return new DriverConfig(rxRingSize, txRingSize, mode, budget, interruptsPerSecond, nanos, mtu, offloads);
    }

    /** Frames up to {@code newMtu} bytes of IP datagram (above 1500: jumbo frames). */
    public DriverConfig withMtu(int newMtu) {
        return new DriverConfig(rxRingSize, txRingSize, mode, budget, interruptsPerSecond, statsIntervalNanos, newMtu,
                offloads);
    }

    /** The same settings with {@code newOffloads}: those on, the rest off. */
    public DriverConfig withOffloads(Offloads newOffloads) {
        return new DriverConfig(rxRingSize, txRingSize, mode, budget, interruptsPerSecond, statsIntervalNanos, mtu,
                newOffloads);
    }

    /** Bytes of each receive buffer the card fills: 2 KB, or 16 KB for jumbo frames. */
    public int rxBufferSize() {
        return mtu <= 1500 ? 2048 : 16_384;
    }

    /** The longest frame sent or taken, without FCS: the MTU and the Ethernet header. */
    public int maxFrame() {
        return mtu + 14;
    }
}
