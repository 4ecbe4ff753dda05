package org.netstack4j.exec;

import java.util.concurrent.locks.LockSupport;

/** Application threads as virtual (or platform) threads, blocking by parking. */
final class RealApplications implements Applications {
    private static final Clock CLOCK = System::nanoTime;
    private final ThreadFailures failures = new ThreadFailures();
    private final boolean platform;

    RealApplications(boolean platform) {
        this.platform = platform;
    }

    @Override
    public Thread start(String name, Runnable body) {
        Thread.Builder builder = platform ? Thread.ofPlatform().daemon() : Thread.ofVirtual();
        return builder.name(name).start(() -> {
            try {
                body.run();
            } catch (Throwable t) {
                failures.record(name, t);
            }
        });
    }

    @Override
    public ThreadFailures failures() {
        return failures;
    }

    @Override
    public void block(long deadlineNanos) {
        long wait = deadlineNanos - System.nanoTime();
        if (wait > 0) {
            LockSupport.parkNanos(this, wait);
        }
    }

    @Override
    public void wake(Thread thread) {
        LockSupport.unpark(thread);
    }

    @Override
    public Clock clock() {
        return CLOCK;
    }
}
