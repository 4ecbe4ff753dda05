package org.netstack4j.exec;

import java.util.ArrayDeque;

/**
 * A lock whose waiters wait through {@link Applications#block}, so a holder may block in a socket
 * write without stopping a simulation (a Java monitor held across that write would hold the
 * simulation's one running thread too). Not reentrant; first come, first served.
 */
public final class AppMutex {
    private final Applications apps;
    private final ArrayDeque<Thread> waiters = new ArrayDeque<>();
    private Thread owner;

    public AppMutex(Applications apps) {
        this.apps = apps;
    }

    public void lock() {
        Thread me = Thread.currentThread();
        while (true) {
            synchronized (this) {
                if (owner == null && (waiters.isEmpty() || waiters.peek() == me)) {
                    waiters.remove(me);
                    owner = me;
                    return;
                }
                if (!waiters.contains(me)) {
                    waiters.add(me);
                }
            }
            apps.block(Long.MAX_VALUE); // a wake that came first makes this return at once
        }
    }

    public void unlock() {
        Thread next;
        synchronized (this) {
            if (owner != Thread.currentThread()) {
                throw new IllegalMonitorStateException("unlocked by a thread that does not hold it");
            }
            owner = null;
            next = waiters.peek();
        }
        if (next != null) {
            apps.wake(next);
        }
    }
}
