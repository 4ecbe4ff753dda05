package org.netstack4j.exec;

import java.util.Arrays;

/**
 * A binary min-heap of armed timers, ordered by deadline and then by arming order, so that two
 * timers due at the same instant always fire in the same order (determinism in simulation).
 * Not thread-safe: each timeline guards it as it needs.
 */
final class TimerHeap {
    private Timer[] heap = new Timer[64];
    private int size;
    private long nextSequence;

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    Timer peek() {
        return size == 0 ? null : heap[0];
    }

    void arm(Timer t, long deadline) {
        if (t.heapIndex >= 0) {
            remove(t);
        }
        t.deadline = deadline;
        t.sequence = nextSequence++;
        if (size == heap.length) {
            // Grows only while the set of timers grows; steady state re-arms existing timers.
            heap = Arrays.copyOf(heap, size * 2);
        }
        t.heapIndex = size;
        heap[size++] = t;
        siftUp(t.heapIndex);
    }

    void remove(Timer t) {
        int i = t.heapIndex;
        if (i < 0) {
            return;
        }
        Timer last = heap[--size];
        heap[size] = null;
        t.heapIndex = -1;
        if (i < size) {
            heap[i] = last;
            last.heapIndex = i;
            siftDown(i);
            siftUp(last.heapIndex);
        }
    }

    /** Removes and returns the earliest timer if it is due at {@code now}, else null. */
    Timer pollDue(long now) {
        Timer first = peek();
        if (first == null || first.deadline > now) {
            return null;
        }
        remove(first);
        return first;
    }

    private static boolean before(Timer a, Timer b) {
        return a.deadline < b.deadline || (a.deadline == b.deadline && a.sequence < b.sequence);
    }

    private void siftUp(int i) {
        Timer t = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Timer p = heap[parent];
            if (!before(t, p)) {
                break;
            }
            heap[i] = p;
            p.heapIndex = i;
            i = parent;
        }
        heap[i] = t;
        t.heapIndex = i;
    }

    private void siftDown(int i) {
        Timer t = heap[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && before(heap[child + 1], heap[child])) {
                child++;
            }
            if (!before(heap[child], t)) {
                break;
            }
            heap[i] = heap[child];
            heap[i].heapIndex = i;
            i = child;
        }
        heap[i] = t;
        t.heapIndex = i;
    }
}
