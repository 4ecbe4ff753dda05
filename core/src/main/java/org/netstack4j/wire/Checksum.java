package org.netstack4j.wire;

import org.netstack4j.buffer.PacketBuffer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum of
 * the data taken as big-endian 16-bit words, an odd last byte padded with a zero.
 *
 * <p>A partial sum is an unsigned 32-bit value congruent to the one's complement sum modulo
 * 0xFFFF, so sums over pieces (a pseudo-header, a header, a payload) can be chained through
 * {@code initial} and {@link #finish finished} once. A piece of odd length may only come last:
 * the next piece would start in the middle of a word.
 */
public final class Checksum {
    private static final ValueLayout.OfLong U64_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort U16_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Checksum() {
    }

    /** Adds {@code length} bytes of {@code b} from {@code offset} to the partial sum {@code initial}. */
    public static int sum(PacketBuffer b, int offset, int length, int initial) {
        Objects.checkFromIndexSize(offset, length, b.length());
        // Bounds are checked once here, then the words are read straight from the segment.
        MemorySegment m = b.memory();
        long base = b.offset() + offset;
        long s = Integer.toUnsignedLong(initial);
        int i = 0;
        // Wide words: hi * 2^16 + lo is congruent to hi + lo modulo 0xFFFF, and likewise for
        // 32-bit halves, so summing the two halves of each 64-bit word is the same sum with a
        // quarter of the reads. A long cannot overflow below 2^31 words.
        for (; i <= length - 8; i += 8) {
            long w = m.get(U64_BE, base + i);
            s += (w >>> 32) + (w & 0xFFFF_FFFFL);
        }
        if (i <= length - 4) {
            s += Integer.toUnsignedLong(m.get(U32_BE, base + i));
            i += 4;
        }
        if (i <= length - 2) {
            s += Short.toUnsignedInt(m.get(U16_BE, base + i));
            i += 2;
        }
        if (i < length) {
            s += (m.get(ValueLayout.JAVA_BYTE, base + i) & 0xFF) << 8;
        }
        return to32(s);
    }

    /** Adds {@code length} bytes of {@code data} from {@code offset} to the partial sum {@code initial}. */
    public static int sum(byte[] data, int offset, int length, int initial) {
        Objects.checkFromIndexSize(offset, length, data.length);
        long s = Integer.toUnsignedLong(initial);
        int end = offset + length;
        int i = offset;
        for (; i < end - 1; i += 2) {
            s += ((data[i] & 0xFF) << 8) | (data[i + 1] & 0xFF);
        }
        if (i < end) {
            s += (data[i] & 0xFF) << 8;
        }
        return to32(s);
    }

    /** Folds a partial sum to 16 bits with end-around carry; 0 only if every word summed was 0. */
    public static int fold(int sum) {
        int s = (sum >>> 16) + (sum & 0xFFFF);
        return (s >>> 16) + (s & 0xFFFF);
    }

    /** The checksum field value for a partial sum: one's complement of the folded sum. */
    public static int finish(int sum) {
        return ~fold(sum) & 0xFFFF;
    }

    /**
     * The checksum of a range. Over data that includes a correct checksum field this is 0,
     * which is how receivers verify.
     */
    public static int of(PacketBuffer b, int offset, int length) {
        return finish(sum(b, offset, length, 0));
    }

    /** The checksum of a range of a byte array. */
    public static int of(byte[] data, int offset, int length) {
        return finish(sum(data, offset, length, 0));
    }

    /** Partial sum of the IPv4 pseudo-header that UDP and TCP checksums cover (RFC 768, RFC 793). */
    public static int pseudoHeader(int src, int dst, int protocol, int length) {
        return (src >>> 16) + (src & 0xFFFF) + (dst >>> 16) + (dst & 0xFFFF) + (protocol & 0xFF) + (length & 0xFFFF);
    }

    /**
     * The checksum after one 16-bit word covered by it changed from {@code oldWord} to
     * {@code newWord}, by RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). Unlike RFC 1141's form it
     * gives the same value as recomputing from scratch, never the 0xFFFF that a fresh sum of a
     * non-zero header cannot produce.
     */
    public static int update(int oldChecksum, int oldWord, int newWord) {
        int s = (~oldChecksum & 0xFFFF) + (~oldWord & 0xFFFF) + (newWord & 0xFFFF);
        return ~fold(s) & 0xFFFF;
    }

    private static int to32(long s) {
        // 2^32 is congruent to 1 modulo 0xFFFF: adding the high half back in keeps the sum.
        s = (s & 0xFFFF_FFFFL) + (s >>> 32);
        s = (s & 0xFFFF_FFFFL) + (s >>> 32);
        return (int) s;
    }
}
