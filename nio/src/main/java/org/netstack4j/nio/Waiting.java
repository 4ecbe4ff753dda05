package org.netstack4j.nio;

import org.netstack4j.exec.Applications;

import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Who waits on one channel: threads blocked in its calls and the selectors it is registered
 * with. The stack's events (on the host's loop) wake them all; each re-checks what it waits for,
 * so a wake-up is never wrong, only sometimes early.
 */
final class Waiting {
    private final Applications apps;
    private final Set<Thread> threads = new java.util.concurrent.CopyOnWriteArraySet<>(); // woken in a fixed order
    private final CopyOnWriteArrayList<NsSelectionKey> keys = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong signals = new java.util.concurrent.atomic.AtomicLong();

    Waiting(Applications apps) {
        this.apps = apps;
    }

    /** The calling thread will be woken by the next event; call before checking, then block. */
    void enter() {
        threads.add(Thread.currentThread());
    }

    void leave() {
        threads.remove(Thread.currentThread());
    }

    /**
     * How many events there have been: taken before a caller looks at the channel, and given to
     * {@link #block}, so that an event between the look and the block is never slept through (a
     * thread's park permit alone would not do: a loop call the thread waits in may use it up).
     */
    long mark() {
        return signals.get();
    }

    /** Blocks the calling thread until an event after {@code mark}, or {@code deadlineNanos} (may return early). */
    void block(long mark, long deadlineNanos) {
        if (signals.get() == mark) {
            apps.block(deadlineNanos);
        }
    }

    long now() {
        return apps.clock().nanos();
    }

    void add(NsSelectionKey key) {
        keys.add(key);
    }

    void remove(NsSelectionKey key) {
        keys.remove(key);
    }

    /** Something changed: wakes every blocked thread and every selector with a key here (any thread). */
    void wakeAll() {
        signals.incrementAndGet();
        for (Thread t : threads) {
            apps.wake(t);
        }
        for (NsSelectionKey k : keys) {
            k.nsSelector().wakeForEvent();
        }
    }
}
