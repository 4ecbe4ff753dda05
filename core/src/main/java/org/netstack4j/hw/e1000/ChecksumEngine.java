package org.netstack4j.hw.e1000;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The card's own one's complement adder (RFC 1071), over frame bytes in its staging memory: the
 * transmit unit inserts checksums with it and the receive unit checks them. Hardware has its own
 * adder rather than the host's code, and so does the model.
 */
final class ChecksumEngine {
    private static final ValueLayout.OfLong U64_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort U16_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private ChecksumEngine() {
    }

    /** The sum of {@code length} bytes from {@code offset} (big-endian words, an odd last byte padded), plus {@code initial}. */
    static long sum(MemorySegment m, long offset, int length, long initial) {
        long s = initial;
        int i = 0;
        for (; i <= length - 8; i += 8) {
            long w = m.get(U64_BE, offset + i);
            s += (w >>> 32) + (w & 0xFFFF_FFFFL); // 2^32 is 1 modulo 0xFFFF: halves add as words do
        }
        for (; i <= length - 2; i += 2) {
            s += Short.toUnsignedInt(m.get(U16_BE, offset + i));
        }
        if (i < length) {
            s += (m.get(ValueLayout.JAVA_BYTE, offset + i) & 0xFF) << 8;
        }
        return s;
    }

    /** Folds a sum to 16 bits with end-around carry. */
    static int fold(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    static int u16(MemorySegment m, long offset) {
        return Short.toUnsignedInt(m.get(U16_BE, offset));
    }

    static void putU16(MemorySegment m, long offset, int value) {
        m.set(U16_BE, offset, (short) value);
    }

    static int u32(MemorySegment m, long offset) {
        return (u16(m, offset) << 16) | u16(m, offset + 2);
    }

    static void putU32(MemorySegment m, long offset, int value) {
        putU16(m, offset, value >>> 16);
        putU16(m, offset + 2, value & 0xFFFF);
    }
}
