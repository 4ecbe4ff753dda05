package org.netstack4j.wire;

import org.netstack4j.buffer.PacketBuffer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A 48-bit Ethernet address, held in the low 48 bits of a long (first byte most significant). */
public record MacAddress(long bits) {
    public static final MacAddress BROADCAST = new MacAddress(0xFFFF_FFFF_FFFFL);
    private static final ValueLayout.OfInt U32_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort U16_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

    public MacAddress {
        if ((bits & ~0xFFFF_FFFF_FFFFL) != 0) {
            throw new IllegalArgumentException("not a 48-bit address: " + Long.toHexString(bits));
        }
    }

    /** Parses {@code 52:54:00:12:34:56} (or with dashes). */
    public static MacAddress parse(String text) {
        String[] parts = text.trim().split("[:-]");
        if (parts.length != 6) {
            throw new IllegalArgumentException("bad MAC address: " + text);
        }
        long bits = 0;
        for (String p : parts) {
            if (p.length() != 2) {
                throw new IllegalArgumentException("bad MAC address: " + text);
            }
            try {
                bits = (bits << 8) | Integer.parseInt(p, 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad MAC address: " + text);
            }
        }
        return new MacAddress(bits);
    }

    /** Reads six bytes at {@code offset}. */
    public static long read(MemorySegment segment, long offset) {
        // Two big-endian reads rather than six byte reads (each access is bounds-checked): the
        // card model reads the destination of every frame it sends and receives.
        return Integer.toUnsignedLong(segment.get(U32_BE, offset)) << 16 | Short.toUnsignedInt(segment.get(U16_BE, offset + 4));
    }

    /** Writes six bytes at {@code offset}. */
    public static void write(MemorySegment segment, long offset, long bits) {
        segment.set(U32_BE, offset, (int) (bits >>> 16));
        segment.set(U16_BE, offset + 4, (short) bits);
    }

    /** Reads six bytes of a packet at {@code index} (bounds checked by the buffer). */
    public static long read(PacketBuffer b, int index) {
        return ((long) b.getU16(index) << 32) | Integer.toUnsignedLong(b.getInt(index + 2));
    }

    /** Writes six bytes of a packet at {@code index}. */
    public static void write(PacketBuffer b, int index, long bits) {
        // The first four bytes, then the last two: the layout the card model reads a destination
        // in (read(MemorySegment, long)), so its read is forwarded from these stores rather than
        // waiting for them to reach the cache, as a read straddling two stores must.
        b.setInt(index, (int) (bits >>> 16));
        b.setU16(index + 4, (int) bits);
    }

    /** Byte {@code i} (0 = first on the wire). */
    public int octet(int i) {
        return (int) (bits >>> (40 - 8 * i)) & 0xFF;
    }

    public boolean isMulticast() {
        return (octet(0) & 1) != 0;
    }

    public boolean isBroadcast() {
        return bits == BROADCAST.bits;
    }

    @Override
    public String toString() {
        return String.format("%02x:%02x:%02x:%02x:%02x:%02x", octet(0), octet(1), octet(2), octet(3), octet(4), octet(5));
    }
}
