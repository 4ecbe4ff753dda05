package org.netstack4j.exec;

/**
 * Timers for many things at once (every TCP connection's), owned by one loop: a hierarchical
 * timing wheel (Varghese and Lauck) of {@value #LEVELS} levels of 64 slots. Level 0's slots are
 * one tick each ({@value #TICK_SHIFT}-bit ticks: about 1 ms); each level above spans 64 times
 * the one below, so six levels reach about two years. An entry sits in the slot of the highest
 * digit in which its tick differs from the wheel's; when the wheel reaches that slot the entry
 * moves down a level, and at level 0 it fires. Arming and cancelling are O(1) (an entry is a
 * node of a doubly linked list, kept inside the thing it times); advancing skips empty slots by
 * each level's occupancy bitmap, so a long idle stretch costs nothing per tick.
 *
 * <p>Entries of one slot fire in the order they were armed (first in, first out), so a
 * simulated run fires the same timers in the same order every time. No lock: arm, cancel and
 * {@link #advance} run on the owner's loop only. The owner drives it: after arming, it asks
 * {@link #nextTick} and arms one timeline timer for {@link #timeOf} that tick.
 */
public final class TimerWheel {
    /** Nanoseconds per tick as a power of two: 2^20 ns, about 1.05 ms. */
    public static final int TICK_SHIFT = 20;
    static final int LEVELS = 6;
    private static final int BITS = 6;
    private static final int SLOTS = 1 << BITS;

    /** What a wheel times. Extend it (or keep one) inside the thing that needs the timer. */
    public abstract static class Entry {
        private Entry prev;
        private Entry next;
        private long tick = -1;
        private int slot = -1; // level * SLOTS + index while armed

        /** The wheel reached this entry's tick (it is disarmed first; it may re-arm itself). */
        protected abstract void expire(long nowNanos);

        public boolean armed() {
            return slot >= 0;
        }
    }

    private final Entry[] heads = new Entry[LEVELS * SLOTS];
    private final Entry[] tails = new Entry[LEVELS * SLOTS];
    private final long[] occupied = new long[LEVELS];
    /** The last tick the wheel has processed: entries fire only after it. */
    private long current;
    private int size;

    /** @param nowNanos the clock now: the wheel starts at its tick */
    public TimerWheel(long nowNanos) {
        this.current = nowNanos >> TICK_SHIFT;
    }

    /** The first tick at or after {@code nanos} (an entry never fires early). */
    public static long tickOf(long nanos) {
        return (nanos + (1L << TICK_SHIFT) - 1) >> TICK_SHIFT;
    }

    /** When {@code tick} begins, in nanoseconds. */
    public static long timeOf(long tick) {
        return tick << TICK_SHIFT;
    }

    /**
     * Arms (or moves) {@code e} to fire at the first tick at or after {@code deadlineNanos};
     * returns that tick. Advancing the wheel to it also moves down whatever must come down on the way.
     */
    public long arm(Entry e, long deadlineNanos) {
        long tick = Math.max(tickOf(deadlineNanos), current + 1);
        if (e.slot >= 0) {
            if (e.tick == tick) {
                return tick; // already there: the common re-arm of a retransmission timer costs nothing
            }
            unlink(e);
            size--;
        }
        e.tick = tick;
        place(e);
        size++;
        return tick;
    }

    /** Disarms {@code e}; nothing if it is not armed. */
    public void cancel(Entry e) {
        if (e.slot >= 0) {
            unlink(e);
            size--;
        }
    }

    /** Entries armed. */
    public int size() {
        return size;
    }

    private void place(Entry e) {
        long differ = e.tick ^ current;
        // Past the top level's turn (about two years) an entry waits in the top level and comes
        // round again each turn until its own.
        int level = Math.min(LEVELS - 1, (63 - Long.numberOfLeadingZeros(differ)) / BITS);
        int index = (int) ((e.tick >>> (BITS * level)) & (SLOTS - 1));
        int s = level * SLOTS + index;
        e.slot = s;
        e.next = null;
        e.prev = tails[s];
        if (tails[s] == null) {
            heads[s] = e;
            occupied[level] |= 1L << index;
        } else {
            tails[s].next = e;
        }
        tails[s] = e;
    }

    private void unlink(Entry e) {
        int s = e.slot;
        if (e.prev == null) {
            heads[s] = e.next;
        } else {
            e.prev.next = e.next;
        }
        if (e.next == null) {
            tails[s] = e.prev;
        } else {
            e.next.prev = e.prev;
        }
        if (heads[s] == null) {
            occupied[s / SLOTS] &= ~(1L << (s % SLOTS));
        }
        e.prev = null;
        e.next = null;
        e.slot = -1;
    }

    /**
     * The next tick at which the wheel has work (an entry to fire or to move down), or -1 if no
     * entry is armed. Arm the owner's timeline timer for it.
     */
    public long nextTick() {
        if (size == 0) {
            return -1;
        }
        long best = Long.MAX_VALUE;
        long from = current + 1;
        for (int level = 0; level < LEVELS; level++) {
            if (occupied[level] == 0) {
                continue;
            }
            int shift = BITS * level;
            long unit = 1L << shift;
            long aligned = (from + unit - 1) & -unit; // the first tick at or after 'from' where this level's slot is looked at
            int index = (int) ((aligned >>> shift) & (SLOTS - 1));
            long bits = occupied[level] & (-1L << index);
            long turn = aligned & -(unit << BITS);
            if (bits == 0) {
                bits = occupied[level]; // only the top level can hold entries for a later turn
                turn += unit << BITS;
            }
            best = Math.min(best, turn + ((long) Long.numberOfTrailingZeros(bits) << shift));
        }
        return best == Long.MAX_VALUE ? -1 : best;
    }

    /**
     * Processes every tick up to the one {@code nowNanos} lies in: entries whose tick has come
     * fire, in order; others move down. Returns how many fired.
     */
    public int advance(long nowNanos) {
        long target = nowNanos >> TICK_SHIFT;
        int fired = 0;
        while (true) {
            long next = nextTick();
            if (next < 0 || next > target) {
                break;
            }
            current = next;
            // Higher levels first: what comes down may land in a lower slot looked at this same tick.
            for (int level = LEVELS - 1; level >= 1; level--) {
                int shift = BITS * level;
                if ((current & ((1L << shift) - 1)) == 0) {
                    cascade(level * SLOTS + (int) ((current >>> shift) & (SLOTS - 1)));
                }
            }
            int s = (int) (current & (SLOTS - 1));
            Entry e;
            while ((e = heads[s]) != null) {
                unlink(e);
                size--;
                e.expire(nowNanos);
                fired++;
            }
        }
        if (target > current) {
            current = target;
        }
        return fired;
    }

    private void cascade(int s) {
        Entry e = heads[s];
        heads[s] = null;
        tails[s] = null;
        occupied[s / SLOTS] &= ~(1L << (s % SLOTS));
        while (e != null) {
            Entry next = e.next;
            e.prev = null;
            e.next = null;
            place(e); // relative to the new current: a lower level, or level 0's slot of this tick
            e = next;
        }
    }
}
