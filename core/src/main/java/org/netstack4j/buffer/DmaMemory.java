package org.netstack4j.buffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A host's DMA-able memory: one off-heap region in which descriptor rings and packet buffers
 * live, each piece named by a bus address, as a device sees it. Devices reach this memory by bus
 * address only; {@link #offsetOf} turns a bus address into an offset and refuses anything
 * outside the region, as an IOMMU would, instead of touching stray memory.
 *
 * <p>Allocation is a bump pointer: rings and pools are carved out once at start and never freed
 * one by one; the whole region goes away with {@link #close()}.
 */
public final class DmaMemory implements AutoCloseable {
    /** Bus addresses start here, so that a zero or small address in a descriptor is always caught. */
    public static final long DEFAULT_BUS_BASE = 0x0010_0000L;

    private static final ValueLayout.OfLong U64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Descriptor status bytes cross threads: written with release, read with acquire. */
    private static final VarHandle BYTE = ValueLayout.JAVA_BYTE.varHandle();

    private final Arena arena;
    private final MemorySegment memory;
    private final long busBase;
    private long next;

    public DmaMemory(long bytes) {
        this(bytes, DEFAULT_BUS_BASE);
    }

    public DmaMemory(long bytes, long busBase) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("DMA memory size must be positive: " + bytes);
        }
        this.arena = Arena.ofShared();
        this.memory = arena.allocate(bytes, 4096);
        this.busBase = busBase;
    }

    /** Carves {@code bytes} aligned to {@code alignment} out of the region; returns its bus address. */
    public synchronized long allocate(long bytes, long alignment) {
        if (bytes <= 0 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("bad DMA allocation: " + bytes + " bytes, alignment " + alignment);
        }
        long start = (next + alignment - 1) & -alignment;
        if (start + bytes > memory.byteSize()) {
            throw new IllegalStateException("DMA memory exhausted: asked " + bytes + " bytes, "
                    + (memory.byteSize() - start) + " left of " + memory.byteSize());
        }
        next = start + bytes;
        return busBase + start;
    }

    /** The whole region; offsets into it come from {@link #offsetOf}. */
    public MemorySegment segment() {
        return memory;
    }

    /** True if {@code [bus, bus+length)} lies inside this memory. */
    public boolean contains(long bus, long length) {
        long offset = bus - busBase;
        return offset >= 0 && length >= 0 && offset <= memory.byteSize() - length;
    }

    /** The offset in {@link #segment()} of bus address {@code bus}, checked for {@code length} bytes. */
    public long offsetOf(long bus, long length) {
        if (!contains(bus, length)) {
            throw new IllegalArgumentException(String.format(
                    "bus address 0x%x+%d outside DMA memory [0x%x, 0x%x)", bus, length, busBase, busBase + memory.byteSize()));
        }
        return bus - busBase;
    }

    public long busBase() {
        return busBase;
    }

    public long size() {
        return memory.byteSize();
    }

    /** Bytes handed out so far. */
    public synchronized long used() {
        return next;
    }

    // ---- Device-side accessors by bus address. PCI is little-endian, and so are these.
    // Each access is bounds-checked once, by the segment; an address outside this memory gets
    // the same IllegalArgumentException as offsetOf gives (the try costs nothing until it throws).

    public long readU64(long bus) {
        try {
            return memory.get(U64_LE, bus - busBase);
        } catch (IndexOutOfBoundsException e) {
            throw outside(bus, 8);
        }
    }

    public void writeU64(long bus, long value) {
        try {
            memory.set(U64_LE, bus - busBase, value);
        } catch (IndexOutOfBoundsException e) {
            throw outside(bus, 8);
        }
    }

    /** A 32-bit little-endian word (extended descriptors pack a length, a type and a command into one). */
    public int readU32(long bus) {
        try {
            return memory.get(U32_LE, bus - busBase);
        } catch (IndexOutOfBoundsException e) {
            throw outside(bus, 4);
        }
    }

    public void writeU32(long bus, int value) {
        try {
            memory.set(U32_LE, bus - busBase, value);
        } catch (IndexOutOfBoundsException e) {
            throw outside(bus, 4);
        }
    }

    public int readU16(long bus) {
        try {
            return Short.toUnsignedInt(memory.get(U16_LE, bus - busBase));
        } catch (IndexOutOfBoundsException e) {
            throw outside(bus, 2);
        }
    }

    public void writeU16(long bus, int value) {
        try {
            memory.set(U16_LE, bus - busBase, (short) value);
        } catch (IndexOutOfBoundsException e) {
            throw outside(bus, 2);
        }
    }

    public int readU8(long bus) {
        try {
            return Byte.toUnsignedInt(memory.get(ValueLayout.JAVA_BYTE, bus - busBase));
        } catch (IndexOutOfBoundsException e) {
            throw outside(bus, 1);
        }
    }

    public void writeU8(long bus, int value) {
        try {
            memory.set(ValueLayout.JAVA_BYTE, bus - busBase, (byte) value);
        } catch (IndexOutOfBoundsException e) {
            throw outside(bus, 1);
        }
    }

    /** Reads a status byte with acquire semantics: what was written before its release is visible. */
    public int readU8Acquire(long bus) {
        try {
            return Byte.toUnsignedInt((byte) BYTE.getAcquire(memory, bus - busBase));
        } catch (IndexOutOfBoundsException e) {
            throw outside(bus, 1);
        }
    }

    /** Writes a status byte with release semantics, publishing everything written before it. */
    public void writeU8Release(long bus, int value) {
        try {
            BYTE.setRelease(memory, bus - busBase, (byte) value);
        } catch (IndexOutOfBoundsException e) {
            throw outside(bus, 1);
        }
    }

    private IllegalArgumentException outside(long bus, long length) {
        return new IllegalArgumentException(String.format(
                "bus address 0x%x+%d outside DMA memory [0x%x, 0x%x)", bus, length, busBase, busBase + memory.byteSize()));
    }

    /** Zeroes {@code length} bytes at {@code bus}. */
    public void zero(long bus, long length) {
        Bytes.zero(memory, offsetOf(bus, length), length);
    }

    @Override
    public void close() {
        arena.close();
    }
}
