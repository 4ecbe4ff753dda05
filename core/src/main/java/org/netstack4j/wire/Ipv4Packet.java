package org.netstack4j.wire;

import org.netstack4j.buffer.PacketBuffer;

/**
 * The IPv4 header (RFC 791). Options are tolerated and skipped, never interpreted: their length
 * is in {@link #headerLength}. The buffer may be longer than {@link #totalLength} (Ethernet pads
 * short frames); after {@link #check} the caller truncates it to the total length.
 */
public final class Ipv4Packet {
    public static final int MIN_HEADER = 20;
    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;
    /** Bits of the flags/fragment-offset word (bytes 6-7); the offset is its low 13 bits, in 8-byte units. */
    public static final int FLAG_DF = 0x4000;
    public static final int FLAG_MF = 0x2000;
    private static final int OFFSET_MASK = 0x1FFF;

    public enum Verdict { OK, TOO_SHORT, BAD_VERSION, BAD_HEADER_LENGTH, BAD_TOTAL_LENGTH, BAD_CHECKSUM }

    private Ipv4Packet() {
    }

    public static Verdict check(PacketBuffer b) {
        return check(b, false);
    }

    /** As {@link #check(PacketBuffer)}; with {@code checksumVerified} (the card checked it) all but the checksum. */
    public static Verdict check(PacketBuffer b, boolean checksumVerified) {
        int available = b.length();
        if (available < MIN_HEADER) {
            return Verdict.TOO_SHORT;
        }
        int first = b.getByte(0) & 0xFF;
        if (first >>> 4 != 4) {
            return Verdict.BAD_VERSION;
        }
        int headerLength = (first & 0xF) * 4;
        if (headerLength < MIN_HEADER || headerLength > available) {
            return Verdict.BAD_HEADER_LENGTH;
        }
        int total = b.getU16(2);
        if (total < headerLength || total > available) {
            return Verdict.BAD_TOTAL_LENGTH;
        }
        if (!checksumVerified && Checksum.of(b, 0, headerLength) != 0) {
            return Verdict.BAD_CHECKSUM;
        }
        return Verdict.OK;
    }

    /** Header length in bytes, options included. */
    public static int headerLength(PacketBuffer b) {
        return (b.getByte(0) & 0xF) * 4;
    }

    public static int totalLength(PacketBuffer b) {
        return b.getU16(2);
    }

    /** Bytes after the header, by the header's own count. */
    public static int payloadLength(PacketBuffer b) {
        return totalLength(b) - headerLength(b);
    }

    public static int tos(PacketBuffer b) {
        return b.getByte(1) & 0xFF;
    }

    public static int identification(PacketBuffer b) {
        return b.getU16(4);
    }

    public static boolean dontFragment(PacketBuffer b) {
        return (b.getU16(6) & FLAG_DF) != 0;
    }

    public static boolean moreFragments(PacketBuffer b) {
        return (b.getU16(6) & FLAG_MF) != 0;
    }

    /** Offset of this fragment's data in the original datagram, in bytes. */
    public static int fragmentOffset(PacketBuffer b) {
        return (b.getU16(6) & OFFSET_MASK) * 8;
    }

    /** True for any fragment, first (MF set, offset 0) or not; false for a whole datagram. */
    public static boolean isFragment(PacketBuffer b) {
        return (b.getU16(6) & (FLAG_MF | OFFSET_MASK)) != 0;
    }

    public static int ttl(PacketBuffer b) {
        return b.getByte(8) & 0xFF;
    }

    public static int protocol(PacketBuffer b) {
        return b.getByte(9) & 0xFF;
    }

    public static int headerChecksum(PacketBuffer b) {
        return b.getU16(10);
    }

    public static int source(PacketBuffer b) {
        return b.getInt(12);
    }

    public static int destination(PacketBuffer b) {
        return b.getInt(16);
    }

    /** Writes a 20-byte header without options at index 0, checksum included. */
    public static void writeHeader(PacketBuffer b, int tos, int totalLength, int id, int flagsAndFragmentOffsetWord,
                                   int ttl, int protocol, int src, int dst) {
        // The header's 16-bit words, as RFC 791 draws them; the checksum word (10) is 0 while summing.
        int versionAndTos = 0x4500 | (tos & 0xFF);
        int length = totalLength & 0xFFFF;
        int identification = id & 0xFFFF;
        int fragmentWord = flagsAndFragmentOffsetWord & 0xFFFF;
        int ttlAndProtocol = (ttl & 0xFF) << 8 | (protocol & 0xFF);
        // Every word is in hand, so the checksum is summed from them rather than read back from
        // the buffer; the header then goes in as five 32-bit rows instead of ten field writes.
        int sum = versionAndTos + length + identification + fragmentWord + ttlAndProtocol
                + (src >>> 16) + (src & 0xFFFF) + (dst >>> 16) + (dst & 0xFFFF);
        b.setInt(0, versionAndTos << 16 | length);
        b.setInt(4, identification << 16 | fragmentWord);
        b.setInt(8, ttlAndProtocol << 16 | Checksum.finish(sum));
        b.setInt(12, src);
        b.setInt(16, dst);
    }

    /**
     * Writes a header of {@code 20 + optionsLength} bytes at index 0 (options from {@code
     * options}, a multiple of 4, at most 40), checksum included.
     */
    public static void writeHeader(PacketBuffer b, byte[] options, int optionsLength, int tos, int totalLength,
                                   int id, int flagsAndFragmentOffsetWord, int ttl, int protocol, int src, int dst) {
        if ((optionsLength & 3) != 0 || optionsLength < 0 || optionsLength > Ipv4Options.MAX_LENGTH) {
            throw new IllegalArgumentException("IPv4 options must be 0..40 bytes in whole words: " + optionsLength);
        }
        writeHeader(b, tos, totalLength, id, flagsAndFragmentOffsetWord, ttl, protocol, src, dst);
        if (optionsLength > 0) {
            b.setByte(0, 0x40 | (MIN_HEADER + optionsLength) / 4);
            b.copyFrom(options, 0, MIN_HEADER, optionsLength);
            recomputeChecksum(b);
        }
    }

    /**
     * Decrements the TTL of a packet being forwarded, updating the checksum incrementally
     * (RFC 1624) instead of summing the header again. Returns the new TTL; a TTL already 0 is
     * left alone and 0 returned, so the caller drops it either way.
     */
    public static int decrementTtl(PacketBuffer b) {
        int word = b.getU16(8); // TTL and protocol share a checksum word
        int ttl = word >>> 8;
        if (ttl == 0) {
            return 0;
        }
        int updated = word - 0x100;
        b.setU16(8, updated);
        b.setU16(10, Checksum.update(b.getU16(10), word, updated));
        return ttl - 1;
    }

    /**
     * Sets the fragment offset and MF flag, keeping DF and the reserved bit, and updates the
     * checksum. {@code offsetBytes} must be a multiple of 8 no larger than 65528.
     */
    public static void setFragment(PacketBuffer b, int offsetBytes, boolean more) {
        if (offsetBytes < 0 || (offsetBytes & 7) != 0 || offsetBytes > OFFSET_MASK * 8) {
            throw new IllegalArgumentException("fragment offset " + offsetBytes + " is not a multiple of 8 in 0..65528");
        }
        int word = b.getU16(6);
        int updated = (word & ~(FLAG_MF | OFFSET_MASK)) | (more ? FLAG_MF : 0) | (offsetBytes >>> 3);
        b.setU16(6, updated);
        b.setU16(10, Checksum.update(b.getU16(10), word, updated));
    }

    /** Sets the total length and updates the checksum incrementally. */
    public static void setTotalLength(PacketBuffer b, int totalLength) {
        int old = b.getU16(2);
        b.setU16(2, totalLength);
        b.setU16(10, Checksum.update(b.getU16(10), old, totalLength & 0xFFFF));
    }

    /** Sums the header (options included) afresh and stores the checksum. */
    public static void recomputeChecksum(PacketBuffer b) {
        b.setU16(10, 0);
        b.setU16(10, Checksum.of(b, 0, headerLength(b)));
    }
}
