package org.netstack4j.exec;

import java.util.concurrent.locks.LockSupport;

/** Application threads as virtual threads, blocking by parking: the JDK's scheduler decides. */
final class RealApplications implements Applications {
    static final RealApplications INSTANCE = new RealApplications();
    private static final Clock CLOCK = System::nanoTime;

    @Override
    public Thread start(String name, Runnable body) {
        return Thread.ofVirtual().name(name).start(body);
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
