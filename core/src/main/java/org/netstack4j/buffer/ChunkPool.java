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
 * <p>Pressure, as Linux's {@code tcp_mem}: the pool is under pressure from the moment the chunks
 * in use reach {@code pressurePercent} of the budget until they fall to {@code lowPercent} of it
 * (hysteresis, so the state does not flap with every chunk); connections then stop growing their
 * windows and buffers. The last few chunks ({@link #reserve}) are the hard limit's margin: an
 * ordinary take stops short of them, and only a take {@code fromReserve} (the one segment a
 * connection whose reader has drained it may always take, so no reader waits for ever) uses them.
 *
 * <p>Like {@link BufferPool}, a pool belongs to one host's loop and takes no lock.
 */
public final class ChunkPool {
    /** Bytes per chunk: a page, as Linux accounts socket memory. */
    public static final int CHUNK_BYTES = 4096;
    /** log2 of {@link #CHUNK_BYTES}. */
    public static final int CHUNK_SHIFT = 12;
    static final int SLAB_CHUNKS = 64;
    /** Pressure from 3/4 of the budget in use... */
    public static final int DEFAULT_PRESSURE_PERCENT = 75;
    /** ...until half of it. */
    public static final int DEFAULT_LOW_PERCENT = 50;

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
    /** Chunks held back from ordinary takes: the hard limit is the budget less these. */
    private final int reserve;
    /** Pressure begins when this many chunks are in use... */
    private final int pressureChunks;
    /** ...and ends when no more than this many are. */
    private final int lowChunks;
    private boolean pressure;
    private long pressureEntries;
    private long reserveTakes;

    /** A pool with the default thresholds (pressure from 75 % of the budget until 50 %). */
    public ChunkPool(String name, long budgetBytes) {
        this(name, budgetBytes, DEFAULT_PRESSURE_PERCENT, DEFAULT_LOW_PERCENT);
    }

    /**
     * @param budgetBytes     the most this pool ever holds at once (rounded up to whole chunks)
     * @param pressurePercent pressure begins when this share of the budget is in use (1..100)
     * @param lowPercent      and ends when use falls to this share (0..pressurePercent - 1)
     */
    public ChunkPool(String name, long budgetBytes, int pressurePercent, int lowPercent) {
        if (budgetBytes < CHUNK_BYTES || budgetBytes > (long) Integer.MAX_VALUE * CHUNK_BYTES / 2) {
            throw new IllegalArgumentException("stream memory budget must be 4 KB..4 TB: " + budgetBytes);
        }
        checkThresholds(pressurePercent, lowPercent);
        this.name = name;
        this.budget = (int) ((budgetBytes + CHUNK_BYTES - 1) / CHUNK_BYTES);
        // A take from the reserve is one segment (two chunks, four with jumbo frames) for a reader that waits.
        this.reserve = Math.min(budget / 4, Math.clamp(budget / 64, 4, 64));
        this.pressureChunks = Math.max(1, (int) Math.ceilDiv((long) budget * pressurePercent, 100L));
        this.lowChunks = Math.min(pressureChunks - 1, (int) ((long) budget * lowPercent / 100));
    }

    /** Throws unless {@code 0 <= lowPercent < pressurePercent <= 100}. */
    public static void checkThresholds(int pressurePercent, int lowPercent) {
        if (pressurePercent < 1 || pressurePercent > 100 || lowPercent < 0 || lowPercent >= pressurePercent) {
            throw new IllegalArgumentException("memory pressure needs 0 <= low < pressure <= 100 percent: pressure "
                    + pressurePercent + ", low " + lowPercent);
        }
    }

    /** A chunk's number, or -1 (counted) when the budget short of the reserve is spent. */
    public int take() {
        return take(false);
    }

    /**
     * A chunk's number, or -1 (counted) when none may be had: an ordinary take stops at the
     * budget less the {@link #reserve}; one {@code fromReserve} may use the reserve too.
     */
    public int take(boolean fromReserve) {
        if (inUse >= budget - (fromReserve ? 0 : reserve) || freeCount == 0 && !carveSlab()) {
            refusals++;
            return -1;
        }
        if (inUse >= budget - reserve) {
            reserveTakes++;
        }
        inUse++;
        peakInUse = Math.max(peakInUse, inUse);
        if (!pressure && inUse >= pressureChunks) {
            pressure = true;
            pressureEntries++;
        }
        return freeStack[--freeCount];
    }

    /** Gives back a chunk {@link #take} gave. */
    public void give(int chunk) {
        if (chunk < 0 || chunk >= slabCount * SLAB_CHUNKS || freeCount == freeStack.length) {
            throw new IllegalArgumentException(name + ": chunk " + chunk + " is not out of this pool");
        }
        freeStack[freeCount++] = chunk;
        inUse--;
        if (pressure && inUse <= lowChunks) {
            pressure = false;
        }
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

    /** Chunks an ordinary take can still have: the budget less the reserve and what is in use. */
    public int available() {
        return Math.max(0, budget - reserve - inUse);
    }

    /** True from when use reached the pressure threshold until it fell to the low one. */
    public boolean underPressure() {
        return pressure;
    }

    /** Times pressure began (Linux's TCPMemoryPressures). */
    public long pressureEntries() {
        return pressureEntries;
    }

    /** Chunks held back for takes {@code fromReserve}. */
    public int reserve() {
        return reserve;
    }

    /** Takes that used the reserve: a drained connection took its one segment at the hard limit. */
    public long reserveTakes() {
        return reserveTakes;
    }

    /** Chunks in use at which pressure begins. */
    public int pressureChunks() {
        return pressureChunks;
    }

    /** Chunks in use at or below which pressure ends. */
    public int lowChunks() {
        return lowChunks;
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
        return "ChunkPool[" + name + " " + inUse + "/" + budget + " chunks in use" + (pressure ? ", under pressure" : "") + "]";
    }
}
