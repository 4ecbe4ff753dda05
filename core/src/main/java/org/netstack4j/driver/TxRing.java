package org.netstack4j.driver;

import org.netstack4j.buffer.DmaMemory;
import org.netstack4j.buffer.PacketBuffer;

import static org.netstack4j.hw.e1000.E1000Registers.*;

/**
 * The transmit descriptor ring in DMA memory, and the buffer behind each data descriptor until
 * the card is done with it. {@code tail} is the next descriptor to fill (TDT once flushed);
 * {@code clean} is the oldest one not yet reclaimed; {@code held} is how many slots are in use,
 * {@code clean, clean + 1, ...} up to (not including) {@code tail} — a context descriptor's slot
 * counts though it holds no buffer. The count is what tells a ring with every slot in use
 * ({@code held == size}) from an empty one: both have {@code tail == clean}.
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

    /**
     * Points descriptor {@code i} at {@code frame} as an extended data descriptor: one buffer, one
     * packet, FCS added, status reported; {@code popts} asks for checksum insertion, {@code tse}
     * for segmentation under the context before it.
     */
    void fillExtended(int i, PacketBuffer frame, int popts, boolean tse) {
        long d = descriptor(i);
        int dcmd = TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS | TXD_CMD_DEXT | (tse ? TXD_CMD_TSE : 0);
        dma.writeU64(d + DESC_ADDR, frame.busAddress());
        dma.writeU32(d + DESC_LENGTH, frame.length() & TXD_EXT_LENGTH_MASK | TXD_DTYP_DATA << 20 | dcmd << 24);
        dma.writeU8(d + TXD_STATUS, 0);
        dma.writeU8(d + TXD_POPTS, popts);
        dma.writeU16(d + TXD_SPECIAL, 0);
        buffers[i] = frame;
    }

    /** Makes descriptor {@code i} a TCP/IP context descriptor (status reported, so its slot frees as others do). */
    void fillContext(int i, int ipcss, int ipcso, int ipcse, int tucss, int tucso, int tucse, int tucmd, int paylen,
                     int hdrlen, int mss) {
        long d = descriptor(i);
        dma.writeU8(d + TXC_IPCSS, ipcss);
        dma.writeU8(d + TXC_IPCSO, ipcso);
        dma.writeU16(d + TXC_IPCSE, ipcse);
        dma.writeU8(d + TXC_TUCSS, tucss);
        dma.writeU8(d + TXC_TUCSO, tucso);
        dma.writeU16(d + TXC_TUCSE, tucse);
        int cmd = tucmd | TXD_CMD_DEXT | TXD_CMD_RS;
        dma.writeU32(d + TXC_CMD_AND_LENGTH, paylen & TXD_EXT_LENGTH_MASK | TXD_DTYP_CONTEXT << 20 | cmd << 24);
        dma.writeU8(d + TXC_STATUS, 0);
        dma.writeU8(d + TXC_HDRLEN, hdrlen);
        dma.writeU16(d + TXC_MSS, mss);
        buffers[i] = null;
    }

    /** Takes the buffer out of slot {@code i} (reclaim); null for a context descriptor's slot. */
    PacketBuffer take(int i) {
        PacketBuffer b = buffers[i];
        buffers[i] = null;
        return b;
    }
}
