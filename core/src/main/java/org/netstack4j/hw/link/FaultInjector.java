package org.netstack4j.hw.link;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.netstack4j.buffer.BufferPool;
import org.netstack4j.buffer.DmaMemory;
import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.exec.Timeline;
import org.netstack4j.exec.Timer;

/**
 * A faulty wire: wraps a {@link Link} and, at seeded random, drops, duplicates, reorders, corrupts
 * and delays the frames sent through it, so protocol code can be tested against a hostile medium
 * reproducibly: the same seed and the same sequence of frames (at the same simulated times) give
 * the same faults, and every frame is accounted for in the {@linkplain Counters counters}.
 *
 * <p>For each frame five random numbers are drawn, always, in this order: drop, duplicate,
 * corrupt, reorder, delay (corruption then draws the bits to flip, a delay its jitter). A dropped
 * frame goes no further. A duplicated one is delivered twice, back to back. A corrupted one is
 * delivered as a copy with 1 to {@code maxCorruptBits} distinct bits flipped; the sender's memory
 * is never written. A delayed one is delivered by a {@link Timer} after {@code delayNanos} plus up
 * to {@code delayJitterNanos} (so jitter also reorders). A reordered one (chosen only when no
 * frame is held already, and never together with a delay) is held back until the next frame is
 * delivered immediately, and released right after it, or when {@code reorderTimeoutNanos} pass,
 * so nothing is held forever.
 *
 * <p>Frames the injector keeps (delayed, held, corrupted copies) live in a private fixed
 * {@link BufferPool} over its own {@link DmaMemory}; when the pool is empty, or a frame is larger
 * than a buffer, the frame is dropped and counted in {@code dropped_no_buffer}. Steady state
 * allocates nothing. Once nothing is held:
 * {@code delivered == sent - dropped - dropped_no_buffer + duplicated}.
 *
 * <p>Thread-safe: senders on several threads and the timeline's timer thread may meet here. The
 * decisions, the pool and the counters are guarded by one lock, which is not held while frames
 * are delivered.
 */
public final class FaultInjector implements Link, AutoCloseable {
    /** Default number of buffers for frames the injector keeps. */
    public static final int DEFAULT_BUFFERS = 64;
    /** Default buffer size: a full-size frame with room to spare. */
    public static final int DEFAULT_BUFFER_SIZE = 2048;

    /**
     * Fault rates, each a probability in [0, 1] applied to every frame, with the delay, the
     * delay jitter and the reorder timeout in nanoseconds and the most bits one corruption flips.
     */
    public record Rates(double drop, double duplicate, double corrupt, double reorder, double delay,
                        long delayNanos, long delayJitterNanos, long reorderTimeoutNanos, int maxCorruptBits) {
        /** No faults; 1 ms delay and reorder timeout, 1 bit per corruption, once rates are set. */
        public static final Rates NONE = new Rates(0, 0, 0, 0, 0, 1_000_000L, 0, 1_000_000L, 1);

        public Rates {
            checkRate("drop", drop);
            checkRate("duplicate", duplicate);
            checkRate("corrupt", corrupt);
            checkRate("reorder", reorder);
            checkRate("delay", delay);
            if (delayNanos < 0 || delayJitterNanos < 0 || delayNanos > Long.MAX_VALUE / 4 || delayJitterNanos > Long.MAX_VALUE / 4) {
                throw new IllegalArgumentException("bad delay " + delayNanos + " ns, jitter " + delayJitterNanos + " ns");
            }
            if (reorderTimeoutNanos <= 0 || reorderTimeoutNanos > Long.MAX_VALUE / 4) {
                throw new IllegalArgumentException("bad reorder timeout " + reorderTimeoutNanos + " ns");
            }
            if (maxCorruptBits < 1 || maxCorruptBits > 64) {
                throw new IllegalArgumentException("max corrupt bits must be in 1..64: " + maxCorruptBits);
            }
        }

        private static void checkRate(String what, double rate) {
            if (!(rate >= 0 && rate <= 1)) {
                throw new IllegalArgumentException(what + " rate must be in [0, 1]: " + rate);
            }
        }

        public Rates withDrop(double rate) {
            return new Rates(rate, duplicate, corrupt, reorder, delay, delayNanos, delayJitterNanos, reorderTimeoutNanos, maxCorruptBits);
        }

        public Rates withDuplicate(double rate) {
            return new Rates(drop, rate, corrupt, reorder, delay, delayNanos, delayJitterNanos, reorderTimeoutNanos, maxCorruptBits);
        }

        /** Corrupts at {@code rate}, flipping 1 to {@code maxBits} distinct bits. */
        public Rates withCorrupt(double rate, int maxBits) {
            return new Rates(drop, duplicate, rate, reorder, delay, delayNanos, delayJitterNanos, reorderTimeoutNanos, maxBits);
        }

        /** Reorders at {@code rate}; a held frame is released after at most {@code timeoutNanos}. */
        public Rates withReorder(double rate, long timeoutNanos) {
            return new Rates(drop, duplicate, corrupt, rate, delay, delayNanos, delayJitterNanos, timeoutNanos, maxCorruptBits);
        }

        /** Delays at {@code rate} by {@code nanos} plus a uniform jitter in {@code [0, jitterNanos]}. */
        public Rates withDelay(double rate, long nanos, long jitterNanos) {
            return new Rates(drop, duplicate, corrupt, reorder, rate, nanos, jitterNanos, reorderTimeoutNanos, maxCorruptBits);
        }
    }

    /** What happened to the frames. */
    public static final class Counters {
        long sent;
        long delivered;
        long dropped;
        long duplicated;
        long reordered;
        long corrupted;
        long delayed;
        long droppedNoBuffer;

        /** Frames sent into the injector. */
        public long sent() {
            return sent;
        }

        /** Frames delivered to the wrapped link, duplicates included. */
        public long delivered() {
            return delivered;
        }

        /** Frames dropped on purpose (including those held at {@link FaultInjector#close()} and sent after it). */
        public long dropped() {
            return dropped;
        }

        /** Frames delivered a second time. */
        public long duplicated() {
            return duplicated;
        }

        /** Frames held back to be delivered after a later one. */
        public long reordered() {
            return reordered;
        }

        /** Frames delivered with bits flipped. */
        public long corrupted() {
            return corrupted;
        }

        /** Frames delayed by a timer. */
        public long delayed() {
            return delayed;
        }

        /** Frames that had to be kept but found no buffer (pool empty, or frame larger than a buffer). */
        public long droppedNoBuffer() {
            return droppedNoBuffer;
        }

        public Map<String, Long> toMap() {
            Map<String, Long> m = new LinkedHashMap<>();
            m.put("sent", sent);
            m.put("delivered", delivered);
            m.put("dropped", dropped);
            m.put("duplicated", duplicated);
            m.put("reordered", reordered);
            m.put("corrupted", corrupted);
            m.put("delayed", delayed);
            m.put("dropped_no_buffer", droppedNoBuffer);
            return m;
        }

        @Override
        public String toString() {
            return toMap().toString();
        }
    }

    /** A delayed frame: its buffer, how many times to deliver it, and its own timer. */
    private static final class Slot {
        final Timer timer;
        PacketBuffer buffer;
        int copies;
        long deadline;
        long sequence;

        Slot(Timer timer) {
            this.timer = timer;
        }
    }

    private final Link inner;
    private final Timeline timeline;
    private final Rates rates;
    private final Object lock = new Object();
    private final SplittableRandom random;
    private final DmaMemory memory;
    private final BufferPool pool;
    private final Slot[] slots;
    private final int[] freeSlots;
    private final int[] flipped;
    private final Counters counters = new Counters();
    private final Timer reorderTimer;
    private int freeSlotCount;
    private long nextSequence;
    private PacketBuffer held;
    private int heldCopies;
    private long heldDeadline;
    private boolean closed;
    private boolean memoryFreed;

    /** An injector with {@value #DEFAULT_BUFFERS} buffers of {@value #DEFAULT_BUFFER_SIZE} bytes. */
    public FaultInjector(Link inner, Timeline timeline, Rates rates, long seed) {
        this(inner, timeline, rates, seed, DEFAULT_BUFFERS, DEFAULT_BUFFER_SIZE);
    }

    /**
     * @param inner      where surviving frames go
     * @param timeline   clock and timers for delays and reorder timeouts
     * @param seed       the same seed gives the same faults for the same frames
     * @param buffers    how many frames the injector can keep at once
     * @param bufferSize largest frame it can keep
     */
    public FaultInjector(Link inner, Timeline timeline, Rates rates, long seed, int buffers, int bufferSize) {
        this.inner = Objects.requireNonNull(inner, "inner");
        this.timeline = Objects.requireNonNull(timeline, "timeline");
        this.rates = Objects.requireNonNull(rates, "rates");
        if (buffers < 1 || bufferSize < 1) {
            throw new IllegalArgumentException("bad buffer pool: " + buffers + " x " + bufferSize);
        }
        this.random = new SplittableRandom(seed);
        long stride = (bufferSize + 63L) & -64L;
        this.memory = new DmaMemory(stride * buffers);
        this.pool = new BufferPool("fault-injector", memory, buffers, bufferSize, 0);
        this.slots = new Slot[buffers];
        this.freeSlots = new int[buffers];
        for (int i = 0; i < buffers; i++) {
            int index = i;
            slots[i] = new Slot(timeline.newTimer("fault-delay-" + i, () -> fireDelayed(index)));
            freeSlots[i] = buffers - 1 - i; // slot 0 is taken first
        }
        this.freeSlotCount = buffers;
        this.flipped = new int[rates.maxCorruptBits()];
        this.reorderTimer = timeline.newTimer("fault-reorder", this::fireReorder);
    }

    @Override
    public void send(MemorySegment frame, long offset, int length) {
        PacketBuffer now = null;       // a corrupted copy to deliver now (else the frame itself)
        int nowCopies = 0;
        PacketBuffer released = null;  // a held frame to deliver after it
        int releasedCopies = 0;
        synchronized (lock) {
            counters.sent++;
            if (closed) {
                counters.dropped++;
                return;
            }
            double drop = random.nextDouble();
            double duplicate = random.nextDouble();
            double corrupt = random.nextDouble();
            double reorder = random.nextDouble();
            double delay = random.nextDouble();
            if (drop < rates.drop()) {
                counters.dropped++;
                return;
            }
            int copies = duplicate < rates.duplicate() ? 2 : 1;
            boolean corrupting = corrupt < rates.corrupt() && length > 0;
            boolean delaying = delay < rates.delay();
            boolean holding = !delaying && held == null && reorder < rates.reorder();
            PacketBuffer copy = null;
            if (corrupting || delaying || holding) {
                copy = pool.copyOf(frame, offset, length);
                if (copy == null) {
                    counters.droppedNoBuffer++;
                    return;
                }
                if (corrupting) {
                    corrupt(copy);
                }
            }
            if (delaying) {
                Slot slot = slots[freeSlots[--freeSlotCount]]; // never empty: every slot in use holds a buffer
                long jitter = rates.delayJitterNanos() == 0 ? 0 : random.nextLong(rates.delayJitterNanos() + 1);
                slot.buffer = copy;
                slot.copies = copies;
                slot.deadline = timeline.nanos() + rates.delayNanos() + jitter;
                slot.sequence = nextSequence++;
                counters.delayed++;
                slot.timer.arm(slot.deadline);
                return;
            }
            if (holding) {
                held = copy;
                heldCopies = copies;
                heldDeadline = timeline.nanos() + rates.reorderTimeoutNanos();
                counters.reordered++;
                reorderTimer.arm(heldDeadline);
                return;
            }
            now = copy;
            nowCopies = copies;
            count(copies);
            if (held != null) {
                released = held;
                releasedCopies = heldCopies;
                held = null;
                reorderTimer.cancel();
                count(releasedCopies);
            }
        }
        for (int i = 0; i < nowCopies; i++) {
            if (now == null) {
                inner.send(frame, offset, length);
            } else {
                inner.send(now.memory(), now.offset(), now.length());
            }
        }
        deliver(released, releasedCopies);
        if (now != null || released != null) {
            synchronized (lock) {
                give(now);
                give(released);
            }
        }
    }

    /** Flips 1 to maxCorruptBits distinct bits of {@code copy}. Under the lock. */
    private void corrupt(PacketBuffer copy) {
        int bits = copy.length() * 8;
        int n = Math.min(1 + random.nextInt(rates.maxCorruptBits()), bits);
        for (int k = 0; k < n; k++) {
            int bit;
            boolean again;
            do {
                bit = random.nextInt(bits);
                again = false;
                for (int j = 0; j < k; j++) {
                    again |= flipped[j] == bit;
                }
            } while (again);
            flipped[k] = bit;
            copy.setByte(bit >>> 3, copy.getByte(bit >>> 3) ^ (0x80 >>> (bit & 7)));
        }
        counters.corrupted++;
    }

    /** Counts a frame about to be delivered {@code copies} times. Under the lock. */
    private void count(int copies) {
        counters.delivered += copies;
        counters.duplicated += copies - 1;
    }

    private void deliver(PacketBuffer buffer, int copies) {
        if (buffer == null) {
            return;
        }
        for (int i = 0; i < copies; i++) {
            inner.send(buffer.memory(), buffer.offset(), buffer.length());
        }
    }

    /** Returns a buffer to the pool, and the memory to the system once closed and all are back. Under the lock. */
    private void give(PacketBuffer buffer) {
        if (buffer != null) {
            buffer.release();
        }
        if (closed && !memoryFreed && pool.isFull()) {
            memoryFreed = true;
            memory.close();
        }
    }

    private void fireDelayed(int index) {
        PacketBuffer buffer;
        int copies;
        synchronized (lock) {
            Slot slot = slots[index];
            // A firing that lost a race with flush() and a re-arm finds the slot empty or not yet due.
            if (slot.buffer == null || timeline.nanos() < slot.deadline) {
                return;
            }
            buffer = slot.buffer;
            copies = slot.copies;
            slot.buffer = null;
            freeSlots[freeSlotCount++] = index;
            count(copies);
        }
        deliver(buffer, copies);
        synchronized (lock) {
            give(buffer);
        }
    }

    private void fireReorder() {
        PacketBuffer buffer;
        int copies;
        synchronized (lock) {
            if (held == null || timeline.nanos() < heldDeadline) {
                return;
            }
            buffer = held;
            copies = heldCopies;
            held = null;
            count(copies);
        }
        deliver(buffer, copies);
        synchronized (lock) {
            give(buffer);
        }
    }

    /**
     * Delivers everything held now, in the order the timers would have (by deadline), without
     * waiting, and returns the buffers to the pool.
     */
    public void flush() {
        PacketBuffer[] buffers;
        int[] copies;
        int n = 0;
        synchronized (lock) {
            Slot[] taken = takeAllHeld();
            buffers = new PacketBuffer[taken.length];
            copies = new int[taken.length];
            for (Slot s : taken) {
                buffers[n] = s.buffer;
                copies[n++] = s.copies;
                count(s.copies);
            }
        }
        for (int i = 0; i < n; i++) {
            deliver(buffers[i], copies[i]);
        }
        synchronized (lock) {
            for (int i = 0; i < n; i++) {
                give(buffers[i]);
            }
        }
    }

    /** Drops everything held (counted in {@code dropped}); frames sent afterwards are dropped too. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            for (Slot s : takeAllHeld()) {
                counters.dropped++;
                give(s.buffer);
            }
            give(null);
        }
    }

    /**
     * Takes every held frame out of its slot (cancelling its timer), sorted by deadline then
     * arming order, as transient slots that own the buffers. Under the lock.
     */
    private Slot[] takeAllHeld() {
        Slot[] out = new Slot[slots.length + 1];
        int n = 0;
        for (int i = 0; i < slots.length; i++) {
            Slot s = slots[i];
            if (s.buffer != null) {
                s.timer.cancel();
                Slot t = new Slot(null);
                t.buffer = s.buffer;
                t.copies = s.copies;
                t.deadline = s.deadline;
                t.sequence = s.sequence;
                out[n++] = t;
                s.buffer = null;
                freeSlots[freeSlotCount++] = i;
            }
        }
        if (held != null) {
            reorderTimer.cancel();
            Slot t = new Slot(null);
            t.buffer = held;
            t.copies = heldCopies;
            t.deadline = heldDeadline;
            t.sequence = Long.MAX_VALUE;
            out[n++] = t;
            held = null;
        }
        Slot[] result = Arrays.copyOf(out, n);
        Arrays.sort(result, (x, y) -> x.deadline != y.deadline ? Long.compare(x.deadline, y.deadline)
                : Long.compare(x.sequence, y.sequence));
        return result;
    }

    /**
     * Frames the injector has kept and not yet finished with: delayed, waiting to be reordered, or
     * being delivered from a copy right now. Zero means the pool is full.
     */
    public int held() {
        synchronized (lock) {
            return pool.inUse();
        }
    }

    /** A snapshot of the counters. */
    public Counters counters() {
        synchronized (lock) {
            Counters c = new Counters();
            c.sent = counters.sent;
            c.delivered = counters.delivered;
            c.dropped = counters.dropped;
            c.duplicated = counters.duplicated;
            c.reordered = counters.reordered;
            c.corrupted = counters.corrupted;
            c.delayed = counters.delayed;
            c.droppedNoBuffer = counters.droppedNoBuffer;
            return c;
        }
    }

    /** The private pool holding kept frames; full whenever nothing is held or in delivery. */
    public BufferPool pool() {
        return pool;
    }

    public Rates rates() {
        return rates;
    }
}
