package org.netstack4j.stack;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * How other threads hand work to a host's loop: a bounded queue with many producers and one
 * consumer (the loop), allocating nothing per item. Each slot carries a sequence number, so a
 * producer claims a slot with one compare-and-set and publishes it with a release write
 * (Vyukov's bounded queue).
 */
final class HandoffQueue<T> {
    private final int mask;
    private final AtomicReferenceArray<T> items;
    private final AtomicLongArray sequence;
    private final AtomicLong tail = new AtomicLong();
    private long head; // the consumer's alone

    HandoffQueue(int capacity) {
        int size = Integer.highestOneBit(Math.max(2, capacity - 1)) << 1;
        mask = size - 1;
        items = new AtomicReferenceArray<>(size);
        sequence = new AtomicLongArray(size);
        for (int i = 0; i < size; i++) {
            sequence.set(i, i);
        }
    }

    /** Any thread. False if the queue is full. */
    boolean offer(T item) {
        while (true) {
            long t = tail.get();
            int slot = (int) (t & mask);
            long seq = sequence.getAcquire(slot);
            if (seq == t) {
                if (tail.compareAndSet(t, t + 1)) {
                    items.setPlain(slot, item);
                    sequence.setRelease(slot, t + 1);
                    return true;
                }
            } else if (seq < t) {
                return false;
            }
            // else another producer took this slot: retry with the new tail
        }
    }

    /** The loop only. Null if nothing is ready. */
    T poll() {
        int slot = (int) (head & mask);
        if (sequence.getAcquire(slot) != head + 1) {
            return null;
        }
        T item = items.getPlain(slot);
        items.setPlain(slot, null);
        sequence.setRelease(slot, head + mask + 1);
        head++;
        return item;
    }
}
