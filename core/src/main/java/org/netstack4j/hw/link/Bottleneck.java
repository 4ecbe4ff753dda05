package org.netstack4j.hw.link;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.netstack4j.buffer.BufferPool;
import org.netstack4j.buffer.DmaMemory;
import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.exec.Timeline;
import org.netstack4j.exec.Timer;

/**
 * A bottleneck: wraps one direction of a wire ({@link Link}) and gives it a finite rate, a
 * propagation delay and a drop-tail queue of so many bytes, in the timeline's time. The wires
 * of the model deliver at once and without limit, so without this no flow ever meets
 * congestion; with it, flows that share it fill its queue and lose what overflows, as at a
 * router's slow port, and congestion control can be tested in simulated time.
 *
 * <p>A frame sent in starts its transmission when the ones before it have finished (at {@code
 * bitsPerSecond}, counting the frame's bytes as given), and arrives {@code delayNanos} after its
 * last bit left, in order. It is dropped, and counted, if the bytes still waiting to be
 * transmitted, this one included, would exceed {@code queueBytes}. Frames on their way live in
 * a private fixed {@link BufferPool} over its own {@link DmaMemory}; when the pool is empty, or a
 * frame is larger than a buffer, the frame is dropped and counted in {@code dropped_no_buffer}.
 * Steady state allocates nothing. Once nothing is held: {@code delivered == sent - dropped_queue_full - dropped_no_buffer}.
 *
 * <p>Thread-safe as {@link FaultInjector} is: senders and the timeline's timer thread meet under
 * one lock, which is not held while frames are delivered (only the timer delivers, so order holds).
 */
public final class Bottleneck implements Link, AutoCloseable {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final Link inner;
    private final Timeline timeline;
    private final long bitsPerSecond;
    private final long delayNanos;
    private final long queueBytes;
    private final Object lock = new Object();
    private final DmaMemory memory;
    private final BufferPool pool;
    private final Timer timer;
    /** Frames on their way, oldest first: a ring of {@code frames.length}. */
    private final PacketBuffer[] frames;
    private final long[] arrivals;
    private final long[] departures;
    private int head;
    private int count;
    /** When the last frame accepted has been transmitted: the queue is empty from then on. */
    private long busyUntil;
    private boolean closed;
    private boolean memoryFreed;
    private long sent;
    private long delivered;
    private long droppedQueueFull;
    private long droppedNoBuffer;
    private long peakQueueBytes;

    /** What crossed the bottleneck, and what did not. */
    public record Counters(long sent, long delivered, long droppedQueueFull, long droppedNoBuffer, long peakQueueBytes) {
        public Map<String, Long> toMap() {
            Map<String, Long> m = new LinkedHashMap<>();
            m.put("sent", sent);
            m.put("delivered", delivered);
            m.put("dropped_queue_full", droppedQueueFull);
            m.put("dropped_no_buffer", droppedNoBuffer);
            m.put("peak_queue_bytes", peakQueueBytes);
            return m;
        }
    }

    /**
     * @param inner         where frames arrive
     * @param timeline      clock and timer for transmissions and the delay
     * @param bitsPerSecond the link's rate
     * @param delayNanos    propagation delay, after a frame's last bit
     * @param queueBytes    the most bytes waiting to be transmitted (drop-tail beyond)
     * @param buffers       frames that can be on their way at once (waiting or propagating)
     * @param bufferSize    the largest frame it carries
     */
    public Bottleneck(Link inner, Timeline timeline, long bitsPerSecond, long delayNanos, int queueBytes, int buffers,
                      int bufferSize) {
        this.inner = Objects.requireNonNull(inner, "inner");
        this.timeline = Objects.requireNonNull(timeline, "timeline");
        if (bitsPerSecond < 8 || bitsPerSecond > 1_000_000_000_000L || delayNanos < 0
                || delayNanos > 1_000 * NANOS_PER_SECOND || queueBytes < 1 || buffers < 1 || bufferSize < 1) {
            throw new IllegalArgumentException("bad bottleneck: " + bitsPerSecond + " bit/s, " + delayNanos + " ns, queue "
                    + queueBytes + " bytes, " + buffers + " x " + bufferSize + " buffers");
        }
        this.bitsPerSecond = bitsPerSecond;
        this.delayNanos = delayNanos;
        this.queueBytes = queueBytes;
        long stride = (bufferSize + 63L) & -64L;
        this.memory = new DmaMemory(stride * buffers);
        this.pool = new BufferPool("bottleneck", memory, buffers, bufferSize, 0);
        this.frames = new PacketBuffer[buffers];
        this.arrivals = new long[buffers];
        this.departures = new long[buffers];
        this.timer = timeline.newTimer("bottleneck", this::fire);
    }

    /** Nanoseconds to transmit {@code bytes}. */
    private long transmission(long bytes) {
        return bytes * 8 * NANOS_PER_SECOND / bitsPerSecond;
    }

    /** Bytes not yet transmitted at {@code now} (the frame on the wire counted whole). */
    private long backlog(long now) {
        long backlog = 0;
        for (int i = count - 1; i >= 0; i--) {
            int slot = (head + i) % frames.length;
            if (departures[slot] <= now) {
                break;
            }
            backlog += frames[slot].length();
        }
        return backlog;
    }

    @Override
    public void send(MemorySegment frame, long offset, int length) {
        synchronized (lock) {
            sent++;
            if (closed) {
                droppedQueueFull++;
                return;
            }
            long now = timeline.nanos();
            long backlog = backlog(now) + length;
            if (backlog > queueBytes) {
                droppedQueueFull++;
                return;
            }
            PacketBuffer copy = pool.copyOf(frame, offset, length);
            if (copy == null) {
                droppedNoBuffer++;
                return;
            }
            peakQueueBytes = Math.max(peakQueueBytes, backlog);
            busyUntil = Math.max(now, busyUntil) + transmission(length);
            int slot = (head + count) % frames.length;
            frames[slot] = copy;
            departures[slot] = busyUntil;
            arrivals[slot] = busyUntil + delayNanos;
            if (count++ == 0) {
                timer.arm(arrivals[slot]);
            }
        }
    }

    /** Delivers every frame whose time has come, in order, then waits for the next. */
    private void fire() {
        while (true) {
            PacketBuffer due;
            synchronized (lock) {
                if (count == 0) {
                    return;
                }
                if (arrivals[head] > timeline.nanos()) {
                    timer.arm(arrivals[head]);
                    return;
                }
                due = frames[head];
                frames[head] = null;
                head = (head + 1) % frames.length;
                count--;
                delivered++;
            }
            try {
                inner.send(due.memory(), due.offset(), due.length());
            } finally {
                synchronized (lock) {
                    give(due);
                }
            }
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

    /** Drops everything on its way (counted in {@code dropped_queue_full}); frames sent afterwards are dropped too. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            timer.cancel();
            while (count > 0) {
                PacketBuffer b = frames[head];
                frames[head] = null;
                head = (head + 1) % frames.length;
                count--;
                droppedQueueFull++;
                give(b);
            }
            give(null);
        }
    }

    /** Frames on their way now (waiting, on the wire or propagating). */
    public int held() {
        synchronized (lock) {
            return count;
        }
    }

    public Counters counters() {
        synchronized (lock) {
            return new Counters(sent, delivered, droppedQueueFull, droppedNoBuffer, peakQueueBytes);
        }
    }

    /** The private pool holding frames on their way; full whenever nothing is. */
    public BufferPool pool() {
        return pool;
    }
}
