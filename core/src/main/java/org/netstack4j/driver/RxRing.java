package org.netstack4j.driver;

import org.netstack4j.buffer.DmaMemory;
import org.netstack4j.buffer.PacketBuffer;

import static org.netstack4j.hw.e1000.E1000Registers.*;

/**
 * The receive descriptor ring in DMA memory, with a buffer behind every descriptor at all times:
 * the ring is never left short. {@code next} is the next descriptor the driver will look at,
 * always (RDT + 1) mod N once the driver has written RDT.
 */
final class RxRing {
    final int size;
    final long base;
    private final DmaMemory dma;
    private final PacketBuffer[] buffers;
    int next;
    /** Inside a frame longer than one buffer (no EOP yet): its pieces are being discarded. */
    boolean discarding;

    RxRing(DmaMemory dma, int size) {
        this.dma = dma;
        this.size = size;
        this.base = dma.allocate((long) size * DESC_SIZE, RING_ALIGN);
        this.buffers = new PacketBuffer[size];
    }

    long descriptor(int i) {
        return base + (long) i * DESC_SIZE;
    }

    int nextIndex(int i) {
        return i + 1 == size ? 0 : i + 1;
    }

    /** Status of descriptor {@code i}, read with acquire: length and data written before DD are visible. */
    int status(int i) {
        return dma.readU8Acquire(descriptor(i) + RXD_STATUS);
    }

    int errors(int i) {
        return dma.readU8(descriptor(i) + RXD_ERRORS);
    }

    int length(int i) {
        return dma.readU16(descriptor(i) + DESC_LENGTH);
    }

    /** True if the card has filled the descriptor the driver looks at next. */
    boolean hasWork() {
        return (status(next) & RXD_STAT_DD) != 0;
    }

    PacketBuffer buffer(int i) {
        return buffers[i];
    }

    /** Puts {@code b} behind descriptor {@code i} and clears its status, ready for the card. */
    void attach(int i, PacketBuffer b) {
        buffers[i] = b;
        long d = descriptor(i);
        dma.writeU64(d + DESC_ADDR, b.slotBusAddress());
        dma.writeU16(d + DESC_LENGTH, 0);
        dma.writeU8(d + RXD_ERRORS, 0);
        dma.writeU8(d + RXD_STATUS, 0);
    }

    /** Gives descriptor {@code i} back to the card with the same buffer (a dropped frame). */
    void recycle(int i) {
        dma.writeU8(descriptor(i) + RXD_STATUS, 0);
    }

    PacketBuffer detach(int i) {
        PacketBuffer b = buffers[i];
        buffers[i] = null;
        return b;
    }
}
