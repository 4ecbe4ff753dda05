package org.netstack4j.hw.e1000;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The card's receive FIFO (the 82540 has 48 KB for receive): frames wait here when no receive
 * descriptor is free, and what does not fit is dropped by the caller (MPC, RXO). A ring of bytes,
 * each frame stored whole and contiguously (a frame that would straddle the end starts again at
 * zero), with its length in a parallel queue. Frames occupy their length (at least 60, as on the
 * wire) rounded up to 16 bytes plus a 16-byte status word, as FIFO lines are. Guarded by the receive unit's lock.
 */
final class OnChipPacketBuffer {
    private static final int LINE = 16;

    private final MemorySegment memory;
    private final int[] offsets;
    private final int[] lengths;
    private int capacityBytes;
    private int usedBytes;
    private int head;       // index into offsets/lengths of the oldest frame
    private int count;
    private int writeAt;    // byte offset where the next frame goes
    private int readAt;     // byte offset of the oldest frame
    private boolean wrapped; // the writer has gone back to zero behind the reader

    OnChipPacketBuffer(Arena arena, int maxBytes) {
        this.memory = arena.allocate(maxBytes, 64);
        this.offsets = new int[maxBytes / (E1000Registers.MIN_FRAME + LINE) + 1];
        this.lengths = new int[offsets.length];
        this.capacityBytes = maxBytes;
    }

    /** Sets the usable size (PBA); only while empty, as the manual requires. */
    void resize(int bytes) {
        if (count != 0) {
            return;
        }
        capacityBytes = (int) Math.min(bytes, memory.byteSize());
        writeAt = readAt = 0;
        wrapped = false;
    }

    int capacityBytes() {
        return capacityBytes;
    }

    private static int footprint(int length) {
        // A frame under 60 bytes is padded on the wire, so it takes the room of a 60-byte one.
        int onWire = Math.max(length, E1000Registers.MIN_FRAME);
        return ((onWire + LINE - 1) & -LINE) + LINE;
    }

    /** Stores a frame if it fits; false means it must be dropped. */
    boolean offer(MemorySegment src, long offset, int length) {
        int need = footprint(length);
        if (usedBytes + need > capacityBytes || count == offsets.length) {
            return false;
        }
        int at;
        if (count == 0) {
            at = 0;
        } else if (!wrapped) {
            if (writeAt + length <= capacityBytes) {
                at = writeAt;
            } else if (length <= readAt) {
                at = 0; // the tail end is too short: waste it and start again at zero
                wrapped = true;
            } else {
                return false;
            }
        } else if (writeAt + length <= readAt) {
            at = writeAt;
        } else {
            return false;
        }
        MemorySegment.copy(src, offset, memory, at, length);
        int slot = (head + count) % offsets.length;
        offsets[slot] = at;
        lengths[slot] = length;
        if (count == 0) {
            readAt = at;
        }
        count++;
        usedBytes += need;
        writeAt = at + length;
        return true;
    }

    boolean isEmpty() {
        return count == 0;
    }

    int frames() {
        return count;
    }

    int usedBytes() {
        return usedBytes;
    }

    MemorySegment memory() {
        return memory;
    }

    long oldestOffset() {
        return offsets[head];
    }

    int oldestLength() {
        return lengths[head];
    }

    void removeOldest() {
        usedBytes -= footprint(lengths[head]);
        head = (head + 1) % offsets.length;
        count--;
        if (count == 0) {
            writeAt = readAt = 0;
            wrapped = false;
        } else {
            int next = offsets[head];
            if (next < readAt) {
                wrapped = false; // the reader followed the writer back to zero
            }
            readAt = next;
        }
    }

    /** Empties the FIFO (reset); returns how many frames were lost. */
    int clear() {
        int lost = count;
        count = 0;
        head = 0;
        usedBytes = 0;
        writeAt = readAt = 0;
        wrapped = false;
        return lost;
    }
}
