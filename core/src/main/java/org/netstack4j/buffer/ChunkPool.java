package org.netstack4j.buffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A host's stream memory: fixed-size chunks of off-heap memory that connections take while data
 * waits in them and give back when it has gone, with a host-wide budget (Linux's {@code tcp_mem}).
 * Memory is carved in slabs of {@value #SLAB_CHUNKS} chunks as demand first reaches them, so a
 * host that carries no stream holds none; a slab, once carved, stays with the pool until it is
 * dropped. When the budget is spent, {@link #take} answers -1 and counts a refusal.
 *
 * <p>Like {@link BufferPool}, a pool belongs to one host's loop and takes no lock.
 */
public final class ChunkPool {
    /** Bytes per chunk: a page, as Linux accounts socket memory. */
    public static final int CHUNK_BYTES = 4096;
    /** log2 of {@link #CHUNK_BYTES}. */
    public static final int CHUNK_SHIFT = 12;
    static final int SLAB_CHUNKS = 64;

    private final String name;
    private final int budget;
    /** Freed by the collector with the pool: no chunk can outlive the memory it points into. */
    private final Arena arena = Arena.ofAuto();
    private MemorySegment[] slabs = new MemorySegment[4];
    private int slabCount;
    private int[] freeStack = new int[0];
    private int freeCount;
    private int inUse;
    private int peakInUse;
    private long refusals;

    /** @param budgetBytes the most this pool ever holds at once (rounded up to whole chunks) */
    public ChunkPool(String name, long budgetBytes) {
        if (budgetBytes < CHUNK_BYTES || budgetBytes > (long) Integer.MAX_VALUE * CHUNK_BYTES / 2) {
            throw new IllegalArgumentException("stream memory budget must be 4 KB..4 TB: " + budgetBytes);
        }
        this.name = name;
        this.budget = (int) ((budgetBytes + CHUNK_BYTES - 1) / CHUNK_BYTES);
    }

    /** A chunk's number, or -1 (counted) when the budget is spent. */
    public int take() {
        if (freeCount == 0 && !carveSlab()) {
            refusals++;
            return -1;
        }
        inUse++;
        peakInUse = Math.max(peakInUse, inUse);
        return freeStack[--freeCount];
    }

    /** Gives back a chunk {@link #take} gave. */
    public void give(int chunk) {
        if (chunk < 0 || chunk >= slabCount * SLAB_CHUNKS || freeCount == freeStack.length) {
            throw new IllegalArgumentException(name + ": chunk " + chunk + " is not out of this pool");
        }
        freeStack[freeCount++] = chunk;
        inUse--;
    }

    private boolean carveSlab() {
        int carved = slabCount * SLAB_CHUNKS;
        if (carved >= budget) {
            return false;
        }
        int chunks = Math.min(SLAB_CHUNKS, budget - carved);
        if (slabCount == slabs.length) {
            slabs = Arrays.copyOf(slabs, 2 * slabCount);
        }
        slabs[slabCount] = arena.allocate((long) SLAB_CHUNKS * CHUNK_BYTES, CHUNK_BYTES);
        freeStack = Arrays.copyOf(freeStack, carved + chunks);
        for (int i = chunks - 1; i >= 0; i--) {
            freeStack[freeCount++] = carved + i; // the lowest number on top: reuse stays local
        }
        slabCount++;
        return true;
    }

    /** The memory a chunk lies in (its slab); the chunk starts at {@link #offset}. */
    public MemorySegment memory(int chunk) {
        return slabs[chunk / SLAB_CHUNKS];
    }

    /** Where {@code chunk} starts in {@link #memory}. */
    public long offset(int chunk) {
        return (long) (chunk % SLAB_CHUNKS) * CHUNK_BYTES;
    }

    /** Chunks that can still be taken: free ones and those the budget allows carving. */
    public int available() {
        return budget - inUse;
    }

    public int inUse() {
        return inUse;
    }

    public int peakInUse() {
        return peakInUse;
    }

    /** Chunks the budget allows at once. */
    public int budget() {
        return budget;
    }

    /** Takes refused because the budget was spent. */
    public long refusals() {
        return refusals;
    }

    /** True when every chunk taken has come back. */
    public boolean isFull() {
        return inUse == 0;
    }

    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "ChunkPool[" + name + " " + inUse + "/" + budget + " chunks in use]";
    }
}
