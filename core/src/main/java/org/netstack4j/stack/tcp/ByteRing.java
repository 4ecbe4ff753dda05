package org.netstack4j.stack.tcp;

import org.netstack4j.buffer.ChunkPool;
import org.netstack4j.buffer.PacketBuffer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A connection's bytes in one direction: at most {@code capacity} bytes from the head (the oldest
 * byte kept), held in chunks from the host's {@link ChunkPool} only while they hold something. A
 * chunk is taken when the first byte lands in it and given back when the head passes it, so an
 * idle connection holds no stream memory. Positions are 64-bit counters from the ring's start;
 * a small table maps a chunk's number to the pool's chunk (the window covers at most
 * capacity / 4 KB + 1 chunks, so numbers modulo the table's size never collide).
 *
 * <p>The receive side writes out-of-order data beyond {@link #length} and later extends
 * {@code length} over it; the send side appends and drops what the peer acknowledged. When the
 * pool's budget is spent, appends take less and out-of-order writes are refused: the caller
 * counts it and the peer sends again. Under the pool's pressure an append takes no new chunk
 * unless the ring holds none (then one); how a write may take chunks is the caller's choice
 * ({@link Take}).
 */
final class ByteRing {
    /** What a write may take from the pool for chunks it needs that the ring does not hold. */
    enum Take {
        /** Nothing: the write fits in chunks already held, or is refused. */
        NONE,
        /** Up to the pool's hard limit (its budget less the reserve). */
        ORDINARY,
        /** The reserve too: the one segment a connection holding nothing may always take. */
        RESERVE
    }

    private static final int C = ChunkPool.CHUNK_BYTES;
    private static final int SHIFT = ChunkPool.CHUNK_SHIFT;

    private final ChunkPool pool;
    private final int capacity;
    /** Pool chunk per chunk number (modulo the length, a power of two); -1 where none is held. */
    private final int[] chunks;
    private final int mask;
    private long head;
    private int length;
    private int held;

    ByteRing(int capacity, ChunkPool pool) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
        this.pool = pool;
        int span = (capacity + C - 1) / C + 1;
        this.chunks = new int[Integer.highestOneBit(span) == span ? span : Integer.highestOneBit(span) << 1];
        this.mask = chunks.length - 1;
        java.util.Arrays.fill(chunks, -1);
    }

    int capacity() {
        return capacity;
    }

    /** Contiguous bytes from the head. */
    int length() {
        return length;
    }

    int free() {
        return capacity - length;
    }

    /**
     * Bytes an append could take now: the free space, less what the pool could not back (the
     * room left in chunks already held after the tail, plus what the pool still has).
     */
    int writable() {
        long fromPool;
        if (pool.underPressure()) {
            // Under pressure a buffer grows no further than what it holds (Linux's sk_stream_moderate_sndbuf);
            // an empty one may still start a chunk, so every writer gets on while memory lasts.
            fromPool = held == 0 && pool.available() > 0 ? C - (int) ((head + length) & (C - 1)) : 0;
        } else {
            fromPool = (long) pool.available() * C;
        }
        return (int) Math.min(free(), tailRoom() + fromPool);
    }

    /** Bytes after the tail (the end of the contiguous data) in the chunk the ring already holds there. */
    int tailRoom() {
        long tail = head + length;
        return held == 0 || chunk(tail) < 0 ? 0 : C - (int) (tail & (C - 1));
    }

    /** True while the ring holds stream memory. */
    boolean allocated() {
        return held > 0;
    }

    private int chunk(long position) {
        return chunks[(int) (position >>> SHIFT) & mask];
    }

    /** Makes sure chunks back {@code [from, from + n)}; false (nothing more taken) when {@code take} does not allow it. */
    private boolean back(long from, int n, Take take) {
        for (long c = from >>> SHIFT, last = (from + n - 1) >>> SHIFT; c <= last; c++) {
            int slot = (int) c & mask;
            if (chunks[slot] < 0) {
                int got = take == Take.NONE ? -1 : pool.take(take == Take.RESERVE);
                if (got < 0) {
                    return false;
                }
                chunks[slot] = got;
                held++;
            }
        }
        return true;
    }

    /** Appends up to {@code n} bytes of {@code src}; returns how many fitted (fewer when memory is short). */
    int append(byte[] src, int off, int n) {
        int take = Math.min(n, writable());
        long tail = head + length;
        int copied = 0;
        while (copied < take) {
            long at = tail + copied;
            if (!back(at, 1, Take.ORDINARY)) {
                break;
            }
            int run = Math.min(take - copied, C - (int) (at & (C - 1)));
            int ch = chunk(at);
            MemorySegment.copy(src, off + copied, pool.memory(ch), ValueLayout.JAVA_BYTE,
                    pool.offset(ch) + (at & (C - 1)), run);
            copied += run;
        }
        length += copied;
        return copied;
    }

    /**
     * Writes {@code n} bytes of {@code src} from {@code srcIndex} at {@code offset} from the head
     * (offset + n <= capacity). False, with nothing written, when chunks that {@code take} allows
     * cannot back them.
     */
    boolean writeAt(int offset, PacketBuffer src, int srcIndex, int n, Take take) {
        long from = head + offset;
        if (n == 0) {
            return true;
        }
        if (!back(from, n, take)) {
            return false;
        }
        int done = 0;
        while (done < n) {
            long at = from + done;
            int run = Math.min(n - done, C - (int) (at & (C - 1)));
            int ch = chunk(at);
            src.copyTo(srcIndex + done, pool.memory(ch), pool.offset(ch) + (at & (C - 1)), run);
            done += run;
        }
        return true;
    }

    /** Copies {@code n} bytes from {@code offset} after the head into {@code dst} at {@code dstIndex}. */
    void copyOut(int offset, PacketBuffer dst, int dstIndex, int n) {
        long from = head + offset;
        int done = 0;
        while (done < n) {
            long at = from + done;
            int run = Math.min(n - done, C - (int) (at & (C - 1)));
            int ch = chunk(at);
            dst.copyFrom(pool.memory(ch), pool.offset(ch) + (at & (C - 1)), dstIndex + done, run);
            done += run;
        }
    }

    /** Takes up to {@code n} bytes from the head into {@code dst}; returns how many. */
    int read(byte[] dst, int off, int n) {
        int take = Math.min(n, length);
        int done = 0;
        while (done < take) {
            long at = head + done;
            int run = Math.min(take - done, C - (int) (at & (C - 1)));
            int ch = chunk(at);
            MemorySegment.copy(pool.memory(ch), ValueLayout.JAVA_BYTE, pool.offset(ch) + (at & (C - 1)),
                    dst, off + done, run);
            done += run;
        }
        skip(take);
        return take;
    }

    /** Drops {@code n} bytes from the head (acknowledged, or read); chunks the head passed go back. */
    void skip(int n) {
        long from = head;
        head += n;
        length -= n;
        for (long c = from >>> SHIFT, end = head >>> SHIFT; c < end; c++) {
            giveBack((int) c & mask);
        }
    }

    /** Makes {@code n} more bytes after {@link #length} part of it (out-of-order data now in order). */
    void extend(int n) {
        length += n;
    }

    /**
     * Gives back the chunks that lie wholly beyond {@code offset} from the head: out-of-order data
     * there has been given up (pruned). The chunk {@code offset} falls in is kept.
     */
    void giveBackBeyond(int offset) {
        long first = (head + offset + C - 1) >>> SHIFT;
        for (long c = first, end = (head >>> SHIFT) + chunks.length; c < end; c++) {
            giveBack((int) c & mask);
        }
    }

    /** Gives back every chunk when nothing is kept (and {@code nothingBeyond}: no out-of-order bytes wait past the end). */
    void releaseIfEmpty(boolean nothingBeyond) {
        if (length == 0 && nothingBeyond) {
            release();
        }
    }

    /** Gives back every chunk, whatever it holds (the connection is gone). */
    void release() {
        for (int slot = 0; held > 0 && slot < chunks.length; slot++) {
            giveBack(slot);
        }
    }

    private void giveBack(int slot) {
        if (chunks[slot] >= 0) {
            pool.give(chunks[slot]);
            chunks[slot] = -1;
            held--;
        }
    }
}
