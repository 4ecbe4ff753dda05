package org.netstack4j.buffer;

import java.lang.foreign.MemorySegment;

/**
 * A fixed pool of equal-sized packet buffers carved once out of DMA memory, like RTnet's rtskb
 * pools. {@link #take()} and {@link #give} allocate nothing; an empty pool answers {@code null}
 * and the caller counts a drop. Returning a buffer twice, or to a pool that does not own it, is
 * a bug that is caught here rather than corrupting a ring later.
 *
 * <p>A pool belongs to one CPU (one host's loop): it is not thread-safe, by design, so the
 * packet path pays for no lock. Work from other threads reaches the pool through that CPU.
 */
public final class BufferPool {
    private final String name;
    private final PacketBuffer[] all;
    private final PacketBuffer[] freeStack;
    private final int bufferSize;
    private final int headroom;
    private int freeCount;
    private long taken;
    private long emptyMisses;

    /**
     * @param count      number of buffers, fixed for the pool's life
     * @param bufferSize bytes per buffer (including headroom)
     * @param headroom   bytes kept free in front of a fresh buffer's packet
     */
    public BufferPool(String name, DmaMemory dma, int count, int bufferSize, int headroom) {
        if (count <= 0 || bufferSize <= 0 || headroom < 0 || headroom >= bufferSize) {
            throw new IllegalArgumentException("bad pool " + name + ": count " + count + ", size " + bufferSize + ", headroom " + headroom);
        }
        this.name = name;
        this.bufferSize = bufferSize;
        this.headroom = headroom;
        long stride = (bufferSize + 63L) & -64L; // cache-line aligned slots
        long bus = dma.allocate(stride * count, 4096);
        long offset = dma.offsetOf(bus, stride * count);
        MemorySegment memory = dma.segment();
        this.all = new PacketBuffer[count];
        this.freeStack = new PacketBuffer[count];
        for (int i = 0; i < count; i++) {
            all[i] = new PacketBuffer(this, memory, offset + i * stride, bus + i * stride, bufferSize, headroom);
            freeStack[i] = all[i];
        }
        this.freeCount = count;
    }

    /**
     * A buffer holding a copy of {@code length} bytes of {@code frame} from {@code offset}, or
     * {@code null} if the pool is empty or the frame would not fit (what a link that keeps frames
     * counts as a drop). Bad bounds throw, and the buffer goes back first.
     */
    public PacketBuffer copyOf(MemorySegment frame, long offset, int length) {
        PacketBuffer copy = length <= bufferSize ? take() : null;
        if (copy == null) {
            return null;
        }
        try {
            copy.append(length);
            copy.copyFrom(frame, offset, 0, length);
        } catch (RuntimeException e) {
            copy.release();
            throw e;
        }
        return copy;
    }

    /** A buffer with the pool's headroom and no data, or {@code null} if the pool is empty. */
    public PacketBuffer take() {
        if (freeCount == 0) {
            emptyMisses++;
            return null;
        }
        PacketBuffer b = freeStack[--freeCount];
        freeStack[freeCount] = null;
        b.free = false;
        b.reset();
        taken++;
        return b;
    }

    /** Returns a buffer taken from this pool. */
    public void give(PacketBuffer b) {
        if (b.pool() != this) {
            throw new IllegalStateException("buffer of pool " + b.pool().name() + " returned to pool " + name);
        }
        if (b.free) {
            throw new IllegalStateException("buffer returned twice to pool " + name);
        }
        b.free = true;
        b.reset(); // no offload request or verdict outlives the packet
        freeStack[freeCount++] = b;
    }

    public String name() {
        return name;
    }

    /** Buffers in the pool, fixed at creation. */
    public int size() {
        return all.length;
    }

    /** Buffers currently in the pool. */
    public int free() {
        return freeCount;
    }

    /** Buffers currently out of the pool. */
    public int inUse() {
        return all.length - freeCount;
    }

    public boolean isFull() {
        return freeCount == all.length;
    }

    public int bufferSize() {
        return bufferSize;
    }

    public int headroom() {
        return headroom;
    }

    /** Successful takes so far. */
    public long taken() {
        return taken;
    }

    /** Takes that found the pool empty. */
    public long emptyMisses() {
        return emptyMisses;
    }

    @Override
    public String toString() {
        return "BufferPool[" + name + ", " + freeCount + "/" + all.length + " free]";
    }
}
