package org.netstack4j.driver;

import org.netstack4j.buffer.DmaMemory;
import org.netstack4j.buffer.PacketBuffer;

import static org.netstack4j.hw.e1000.E1000Registers.*;

/**
 * The transmit descriptor ring in DMA memory, and the buffer behind each descriptor until the
 * card is done with it. {@code tail} is the next descriptor to fill (TDT once flushed);
 * {@code clean} is the oldest one not yet reclaimed; {@code held} is how many buffers the ring
 * holds, in slots {@code clean, clean + 1, ...} up to (not including) {@code tail}. The count is
 * what tells a ring holding every slot's buffer ({@code held == size}) from an empty one: both
 * have {@code tail == clean}.
 */
final class TxRing {
    final int size;
    final long base;
    private final DmaMemory dma;
    private final PacketBuffer[] buffers;
    int tail;
    int clean;
    int held;
    int flushedTail;

    TxRing(DmaMemory dma, int size) {
        this.dma = dma;
        this.size = size;
        this.base = dma.allocate((long) size * DESC_SIZE, RING_ALIGN);
        this.buffers = new PacketBuffer[size];
    }

    /** Every descriptor empty with DD set, so the first pass round the ring finds each slot free. */
    void init() {
        dma.zero(base, (long) size * DESC_SIZE);
        for (int i = 0; i < size; i++) {
            dma.writeU8(descriptor(i) + TXD_STATUS, TXD_STAT_DD);
        }
        tail = clean = held = flushedTail = 0;
    }

    long descriptor(int i) {
        return base + (long) i * DESC_SIZE;
    }

    int next(int i) {
        return i + 1 == size ? 0 : i + 1;
    }

    /** The card has finished with descriptor {@code i} (DD, read with acquire). */
    boolean done(int i) {
        return (dma.readU8Acquire(descriptor(i) + TXD_STATUS) & TXD_STAT_DD) != 0;
    }

    int status(int i) {
        return dma.readU8Acquire(descriptor(i) + TXD_STATUS);
    }

    PacketBuffer buffer(int i) {
        return buffers[i];
    }

    /** Points descriptor {@code i} at {@code frame}: one buffer, one frame, FCS added, status reported. */
    void fill(int i, PacketBuffer frame) {
        long d = descriptor(i);
        dma.writeU64(d + DESC_ADDR, frame.busAddress());
        dma.writeU16(d + DESC_LENGTH, frame.length());
        dma.writeU8(d + TXD_CSO, 0);
        dma.writeU8(d + TXD_CMD, TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS);
        dma.writeU8(d + TXD_STATUS, 0);
        dma.writeU8(d + TXD_CSS, 0);
        dma.writeU16(d + TXD_SPECIAL, 0);
        buffers[i] = frame;
    }

    /** Takes the buffer out of slot {@code i} (reclaim). */
    PacketBuffer take(int i) {
        PacketBuffer b = buffers[i];
        buffers[i] = null;
        return b;
    }
}
