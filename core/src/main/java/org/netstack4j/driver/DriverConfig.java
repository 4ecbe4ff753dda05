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
 */
public record DriverConfig(int rxRingSize, int txRingSize, WakeMode mode, int budget, int interruptsPerSecond,
                           long statsIntervalNanos) {

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
        if (interruptsPerSecond < 0 || statsIntervalNanos < 0) {
            throw new IllegalArgumentException("interrupt rate and stats interval must not be negative");
        }
    }

    private static void checkRing(String which, int size) {
        if (size < 8 || size > 4096 || size % 8 != 0) {
            throw new IllegalArgumentException(which + " ring size must be a multiple of 8 in 8..4096: " + size);
        }
    }

    public static DriverConfig of(WakeMode mode) {
        return new DriverConfig(DEFAULT_RING, DEFAULT_RING, mode, DEFAULT_BUDGET, 0, 2_000_000_000L);
    }

    public DriverConfig withRings(int rx, int tx) {
        return new DriverConfig(rx, tx, mode, budget, interruptsPerSecond, statsIntervalNanos);
    }

    public DriverConfig withBudget(int newBudget) {
        return new DriverConfig(rxRingSize, txRingSize, mode, newBudget, interruptsPerSecond, statsIntervalNanos);
    }

    public DriverConfig withInterruptsPerSecond(int rate) {
        return new DriverConfig(rxRingSize, txRingSize, mode, budget, rate, statsIntervalNanos);
    }

    public DriverConfig withStatsInterval(long nanos) {
        return new DriverConfig(rxRingSize, txRingSize, mode, budget, interruptsPerSecond, nanos);
    }
}
