package org.netstack4j.exec;

/**
 * Where application code runs and blocks. Socket calls block through this, so the same blocking
 * program runs on real threads in real time and, inside a {@link Simulation}, one thread at a
 * time in simulated time, in an order fixed by the simulation: the same seed, the same run.
 */
public interface Applications {

    /**
     * Starts {@code body} as an application thread. If it ends with an exception or error, the
     * cause is recorded in {@link #failures}: never lost, and never printed in place of a verdict.
     */
    Thread start(String name, Runnable body);

    /** What the application threads started here died of. */
    ThreadFailures failures();

    /**
     * Blocks the calling application thread until {@link #wake} is called for it or the clock
     * reaches {@code deadlineNanos}. May return early: callers re-check their condition in a loop.
     * A wake that comes before the block is not lost: the block then returns at once.
     */
    void block(long deadlineNanos);

    /** Blocks the calling application thread until the clock reaches {@code deadlineNanos}, whatever wakes it meanwhile. */
    default void sleepUntil(long deadlineNanos) {
        while (clock().nanos() < deadlineNanos) {
            block(deadlineNanos);
        }
    }

    /** Wakes {@code thread} if it is blocked in {@link #block}, or makes its next block return at once. Any thread. */
    void wake(Thread thread);

    /** The clock that deadlines are read on. */
    Clock clock();

    /** Real threads (virtual threads) and real time: blocking is parking. Each call, its own failures. */
    static Applications real() {
        return new RealApplications(false);
    }

    /**
     * Real time with each application on a platform thread: a wake-up reaches a parked platform
     * thread directly, where a virtual thread's must first wake a carrier (measured here: UDP echo
     * p50 about 20 us on platform threads, 50 us on virtual ones). For a few latency-minded
     * applications; thousands of blocked connections want virtual threads.
     */
    static Applications realOnPlatformThreads() {
        return new RealApplications(true);
    }
}
