package org.netstack4j.buffer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * One packet's bytes in DMA memory: a fixed slot from a {@link BufferPool}, holding the packet in
 * {@code [start, end)} with headroom in front, so each layer on the way down prepends its header
 * in place ({@link #prepend}) and each layer on the way up strips its own ({@link #trimFront}).
 *
 * <p>Indexes in the accessors are relative to the packet's first byte. Every operation is bounds
 * checked against the slot; a violation is a programming error and throws.
 */
public final class PacketBuffer {
    private static final ValueLayout.OfShort U16_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final BufferPool pool;
    private final MemorySegment memory;
    private final long slotOffset;
    private final long slotBus;
    private final int capacity;
    private final int headroom;
    private int start;
    private int end;
    boolean free = true;

    // Offload requests (transmit) and verdicts (receive), plain fields so the packet path allocates
    // nothing; cleared whenever the buffer is reset, so a recycled buffer carries no stale request.
    /** Slot position where the L4 checksum's range starts (-1: no checksum left to the device). */
    private int checksumStartInSlot = -1;
    /** Where the checksum field lies, from the start of that range (TCP 16, UDP 6). */
    private int checksumOffset;
    /** TCP segmentation: payload bytes per frame (0: not a segmentation request). */
    private int segmentSize;
    /** TCP segmentation: the TCP header's length (options included), replicated in every frame. */
    private int segmentL4HeaderLength;
    /** Checksum verdicts the device gave on receive ({@link #RX_IP_CHECKSUM_GOOD} and the others). */
    private int rxChecksum;

    /** Receive: the device checked the IPv4 header checksum and it was right. */
    public static final int RX_IP_CHECKSUM_GOOD = 0x1;
    /** Receive: the device checked the IPv4 header checksum and it was wrong. */
    public static final int RX_IP_CHECKSUM_BAD = 0x2;
    /** Receive: the device checked the TCP or UDP checksum and it was right. */
    public static final int RX_L4_CHECKSUM_GOOD = 0x4;
    /** Receive: the device checked the TCP or UDP checksum and it was wrong. */
    public static final int RX_L4_CHECKSUM_BAD = 0x8;

    PacketBuffer(BufferPool pool, MemorySegment memory, long slotOffset, long slotBus, int capacity, int headroom) {
        this.pool = pool;
        this.memory = memory;
        this.slotOffset = slotOffset;
        this.slotBus = slotBus;
        this.capacity = capacity;
        this.headroom = headroom;
        reset();
    }

    /** Empties the packet and restores the pool's headroom. */
    public void reset() {
        start = headroom;
        end = headroom;
        clearOffloads();
    }

    private void clearOffloads() {
        checksumStartInSlot = -1;
        checksumOffset = 0;
        segmentSize = 0;
        segmentL4HeaderLength = 0;
        rxChecksum = 0;
    }

    // ---- Offloads: what the stack asks of the device, and what the device says of a received packet

    /**
     * Leaves a checksum to the device (Linux's CHECKSUM_PARTIAL): the one's complement sum of the
     * packet from {@code start} to its end goes into the 16-bit field {@code offset} bytes further
     * on, which holds the pseudo-header's partial sum meanwhile. The position is kept relative to
     * the slot, so it stays right as lower layers prepend their headers.
     */
    public void requestChecksum(int start, int offset) {
        if (start < 0 || offset < 0 || start + offset + 2 > length()) {
            throw new IndexOutOfBoundsException("checksum at " + start + "+" + offset + " in packet of " + length());
        }
        checksumStartInSlot = this.start + start;
        checksumOffset = offset;
    }

    /** True if the checksum is left to the device ({@link #requestChecksum}). */
    public boolean checksumRequested() {
        return checksumStartInSlot >= 0;
    }

    /** Where the checksum's range starts, from the packet's first byte (valid while {@link #checksumRequested}). */
    public int checksumStart() {
        return checksumStartInSlot - start;
    }

    /** Where the checksum field lies, from {@link #checksumStart}. */
    public int checksumOffset() {
        return checksumOffset;
    }

    /** The checksum is in place (done by software): nothing is left to the device. */
    public void checksumDone() {
        checksumStartInSlot = -1;
        checksumOffset = 0;
    }

    /**
     * Asks the device to cut this TCP segment into frames of {@code mss} payload bytes, each with
     * the headers replicated (TSO). The TCP header is {@code tcpHeaderLength} bytes at
     * {@link #checksumStart}; the checksum must be requested too.
     */
    public void requestSegmentation(int mss, int tcpHeaderLength) {
        if (mss <= 0 || tcpHeaderLength < 20) {
            throw new IllegalArgumentException("segmentation with MSS " + mss + ", TCP header " + tcpHeaderLength);
        }
        segmentSize = mss;
        segmentL4HeaderLength = tcpHeaderLength;
    }

    /** Payload bytes per frame of a segmentation request; 0 if none. */
    public int segmentSize() {
        return segmentSize;
    }

    /** The TCP header length of a segmentation request. */
    public int segmentL4HeaderLength() {
        return segmentL4HeaderLength;
    }

    /** Receive: the device's checksum verdicts, {@code RX_*} bits (0: it checked nothing). */
    public int rxChecksum() {
        return rxChecksum;
    }

    public void setRxChecksum(int verdicts) {
        rxChecksum = verdicts;
    }

    /** Empties the packet with {@code newHeadroom} bytes free in front (a driver receiving at offset 0 uses 0). */
    public void resetTo(int newHeadroom) {
        if (newHeadroom < 0 || newHeadroom > capacity) {
            throw new IndexOutOfBoundsException("headroom " + newHeadroom + " outside slot of " + capacity);
        }
        start = newHeadroom;
        end = newHeadroom;
        clearOffloads();
    }

    public int length() {
        return end - start;
    }

    public int headroom() {
        return start;
    }

    public int tailroom() {
        return capacity - end;
    }

    public int capacity() {
        return capacity;
    }

    public BufferPool pool() {
        return pool;
    }

    /** The DMA memory this buffer lives in; packet byte {@code i} is at {@code offset() + i}. */
    public MemorySegment memory() {
        return memory;
    }

    /** Offset in {@link #memory()} of the packet's first byte. */
    public long offset() {
        return slotOffset + start;
    }

    /** Bus address of the packet's first byte, for a descriptor. */
    public long busAddress() {
        return slotBus + start;
    }

    /** Bus address of the slot itself (receive descriptors point here). */
    public long slotBusAddress() {
        return slotBus;
    }

    /** Grows the packet at the front by {@code n} bytes (a header); returns nothing, the header is at index 0. */
    public void prepend(int n) {
        if (n < 0 || n > start) {
            throw new IndexOutOfBoundsException("prepend " + n + " with headroom " + start);
        }
        start -= n;
    }

    /** Grows the packet at the back by {@code n} bytes; returns the index of the first new byte. */
    public int append(int n) {
        if (n < 0 || n > capacity - end) {
            throw new IndexOutOfBoundsException("append " + n + " with tailroom " + (capacity - end));
        }
        int at = end - start;
        end += n;
        return at;
    }

    /** Removes {@code n} bytes from the front (a header consumed on the way up). */
    public void trimFront(int n) {
        if (n < 0 || n > length()) {
            throw new IndexOutOfBoundsException("trim " + n + " from packet of " + length());
        }
        start += n;
    }

    /** Shortens the packet to {@code newLength} bytes (padding or trailer removed). */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length()) {
            throw new IndexOutOfBoundsException("truncate to " + newLength + " of " + length());
        }
        end = start + newLength;
    }

    /** Sets the packet to {@code newLength} bytes from the current start (after a device wrote them). */
    public void setLength(int newLength) {
        if (newLength < 0 || start + newLength > capacity) {
            throw new IndexOutOfBoundsException("length " + newLength + " from " + start + " in slot of " + capacity);
        }
        end = start + newLength;
    }

    private long at(int index, int width) {
        if (index < 0 || index > length() - width) {
            throw new IndexOutOfBoundsException("index " + index + " width " + width + " in packet of " + length());
        }
        return slotOffset + start + index;
    }

    public byte getByte(int index) {
        return memory.get(ValueLayout.JAVA_BYTE, at(index, 1));
    }

    public void setByte(int index, int value) {
        memory.set(ValueLayout.JAVA_BYTE, at(index, 1), (byte) value);
    }

    public int getU16(int index) {
        return Short.toUnsignedInt(memory.get(U16_BE, at(index, 2)));
    }

    public void setU16(int index, int value) {
        memory.set(U16_BE, at(index, 2), (short) value);
    }

    public int getInt(int index) {
        return memory.get(U32_BE, at(index, 4));
    }

    public void setInt(int index, int value) {
        memory.set(U32_BE, at(index, 4), value);
    }

    /** Copies {@code length} bytes from {@code src} at {@code srcOffset} into the packet at {@code index}. */
    public void copyFrom(MemorySegment src, long srcOffset, int index, int length) {
        MemorySegment.copy(src, srcOffset, memory, at(index, length), length);
    }

    /** Copies {@code length} packet bytes from {@code index} into {@code dst} at {@code dstOffset}. */
    public void copyTo(int index, MemorySegment dst, long dstOffset, int length) {
        MemorySegment.copy(memory, at(index, length), dst, dstOffset, length);
    }

    /** Copies bytes from a heap array into the packet at {@code index}. */
    public void copyFrom(byte[] src, int srcOffset, int index, int length) {
        MemorySegment.copy(src, srcOffset, memory, ValueLayout.JAVA_BYTE, at(index, length), length);
    }

    /** Copies packet bytes into a heap array (tests, diagnostics). */
    public void copyTo(int index, byte[] dst, int dstOffset, int length) {
        MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, at(index, length), dst, dstOffset, length);
    }

    /** The packet's bytes as a new array (tests and diagnostics, never the packet path). */
    public byte[] toByteArray() {
        byte[] out = new byte[length()];
        copyTo(0, out, 0, out.length);
        return out;
    }

    /** Returns this buffer to its pool. */
    public void release() {
        pool.give(this);
    }

    @Override
    public String toString() {
        return "PacketBuffer[" + pool.name() + ", " + length() + " bytes, headroom " + start + "]";
    }
}
