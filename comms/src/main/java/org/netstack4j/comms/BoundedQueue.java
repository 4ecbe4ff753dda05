package org.netstack4j.comms;

import org.netstack4j.exec.Applications;

import java.util.ArrayDeque;

/**
 * The server's work queue: a fixed capacity that an offer never waits past (a full queue is an
 * answer, "busy"), and takers that wait through {@link Applications#block}.
 */
final class BoundedQueue<T> {
    private final Applications apps;
    private final int capacity;
    private final ArrayDeque<T> items = new ArrayDeque<>();
    private final ArrayDeque<Thread> takers = new ArrayDeque<>();
    private boolean closed;

    BoundedQueue(Applications apps, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a queue needs room for at least one item: " + capacity);
        }
        this.apps = apps;
        this.capacity = capacity;
    }

    /** False, at once, if the queue is full or closed. */
    boolean offer(T item) {
        Thread taker;
        synchronized (this) {
            if (closed || items.size() >= capacity) {
                return false;
            }
            items.add(item);
            taker = takers.poll();
        }
        if (taker != null) {
            apps.wake(taker);
        }
        return true;
    }

    /** The oldest item, waiting for one; null once the queue is closed and empty. */
    T take() {
        Thread me = Thread.currentThread();
        while (true) {
            synchronized (this) {
                takers.remove(me);
                T item = items.poll();
                if (item != null || closed) {
                    return item;
                }
                takers.add(me);
            }
            apps.block(Long.MAX_VALUE);
        }
    }

    synchronized int size() {
        return items.size();
    }

    /** No more offers; takers drain what is left, then get null. */
    void close() {
        Thread[] waiting;
        synchronized (this) {
            closed = true;
            waiting = takers.toArray(Thread[]::new);
            takers.clear();
        }
        for (Thread t : waiting) {
            apps.wake(t);
        }
    }
}
