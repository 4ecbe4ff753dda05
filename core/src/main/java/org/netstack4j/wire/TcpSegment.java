package org.netstack4j.wire;

import org.netstack4j.buffer.PacketBuffer;

/**
 * The TCP header (RFC 9293 3.1): ports, sequence and acknowledgment numbers, data offset,
 * flags, window, checksum and urgent pointer, then options ({@link TcpOptions}) up to the data
 * offset. The segment ends where its IP datagram ends: the caller has truncated the buffer to
 * the IP payload. The checksum covers an IPv4 pseudo-header, so checking and writing need both
 * addresses.
 */
public final class TcpSegment {
    public static final int HEADER_LENGTH = 20;
    public static final int MAX_HEADER_LENGTH = 60;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    public enum Verdict { OK, TOO_SHORT, BAD_DATA_OFFSET, BAD_CHECKSUM }

    private TcpSegment() {
    }

    /** Validates a segment that arrived from {@code srcIp} for {@code dstIp}: lengths, then the checksum. */
    public static Verdict check(PacketBuffer b, int srcIp, int dstIp) {
        return check(b, srcIp, dstIp, false);
    }

    /** As {@link #check(PacketBuffer, int, int)}; with {@code checksumVerified} (the card checked it) only the lengths. */
    public static Verdict check(PacketBuffer b, int srcIp, int dstIp, boolean checksumVerified) {
        int length = b.length();
        if (length < HEADER_LENGTH) {
            return Verdict.TOO_SHORT;
        }
        int headerLength = headerLength(b);
        if (headerLength < HEADER_LENGTH || headerLength > length) {
            return Verdict.BAD_DATA_OFFSET;
        }
        if (checksumVerified) {
            return Verdict.OK;
        }
        int sum = Checksum.sum(b, 0, length, Checksum.pseudoHeader(srcIp, dstIp, Ipv4Packet.PROTO_TCP, length));
        return Checksum.finish(sum) == 0 ? Verdict.OK : Verdict.BAD_CHECKSUM;
    }

    public static int sourcePort(PacketBuffer b) {
        return b.getU16(0);
    }

    public static int destinationPort(PacketBuffer b) {
        return b.getU16(2);
    }

    public static int sequence(PacketBuffer b) {
        return b.getInt(4);
    }

    public static int acknowledgment(PacketBuffer b) {
        return b.getInt(8);
    }

    /** Header length in bytes, options included: the data offset field times 4. */
    public static int headerLength(PacketBuffer b) {
        return (b.getByte(12) & 0xF0) >>> 2;
    }

    /** The eight flag bits (CWR down to FIN). */
    public static int flags(PacketBuffer b) {
        return b.getByte(13) & 0xFF;
    }

    /** The window field as sent, before any scaling. */
    public static int window(PacketBuffer b) {
        return b.getU16(14);
    }

    public static int checksum(PacketBuffer b) {
        return b.getU16(16);
    }

    public static int urgentPointer(PacketBuffer b) {
        return b.getU16(18);
    }

    /** Bytes of data after the header. */
    public static int payloadLength(PacketBuffer b) {
        return b.length() - headerLength(b);
    }

    /**
     * The sequence space a segment occupies: its data, plus one for SYN and one for FIN (RFC 9293
     * 3.4, SEG.LEN).
     */
    public static int sequenceLength(PacketBuffer b) {
        int f = flags(b);
        return payloadLength(b) + ((f & SYN) != 0 ? 1 : 0) + ((f & FIN) != 0 ? 1 : 0);
    }

    /**
     * Fills the fixed header of a segment of {@code b.length()} bytes whose options (already
     * written at byte 20, {@code optionsLength} bytes, a multiple of 4) and data are in place,
     * and its checksum.
     */
    public static void write(PacketBuffer b, int srcPort, int dstPort, int seq, int ack, int flags, int window,
                             int optionsLength, int srcIp, int dstIp) {
        writeHeader(b, srcPort, dstPort, seq, ack, flags, window, optionsLength);
        int length = b.length();
        int sum = Checksum.sum(b, 0, length, Checksum.pseudoHeader(srcIp, dstIp, Ipv4Packet.PROTO_TCP, length));
        b.setU16(16, Checksum.finish(sum));
    }

    /**
     * As {@link #write}, but the checksum is left to whoever sends the segment on (Linux's
     * CHECKSUM_PARTIAL): the field holds the pseudo-header's folded sum and the buffer says where
     * the sum's range starts ({@link PacketBuffer#requestChecksum}). With {@code segmentSize} above
     * 0 the segment is also to be cut into segments of that many payload bytes (TSO); then the
     * pseudo-header sum leaves out the length, which the card adds for each segment it makes, as
     * the 8254x manual asks.
     */
    public static void writeWithChecksumLeft(PacketBuffer b, int srcPort, int dstPort, int seq, int ack, int flags,
                                             int window, int optionsLength, int srcIp, int dstIp, int segmentSize) {
        writeHeader(b, srcPort, dstPort, seq, ack, flags, window, optionsLength);
        int length = segmentSize > 0 ? 0 : b.length();
        b.setU16(16, Checksum.fold(Checksum.pseudoHeader(srcIp, dstIp, Ipv4Packet.PROTO_TCP, length)));
        b.requestChecksum(0, 16);
        if (segmentSize > 0) {
            b.requestSegmentation(segmentSize, HEADER_LENGTH + optionsLength);
        }
    }

    private static void writeHeader(PacketBuffer b, int srcPort, int dstPort, int seq, int ack, int flags, int window,
                                    int optionsLength) {
        int length = b.length();
        int headerLength = HEADER_LENGTH + optionsLength;
        if ((optionsLength & 3) != 0 || optionsLength < 0 || optionsLength > TcpOptions.MAX_LENGTH
                || headerLength > length || length > 0xFFFF) {
            throw new IllegalArgumentException("TCP segment of " + length + " bytes with " + optionsLength
                    + " bytes of options does not fit the header's fields");
        }
        b.setInt(0, (srcPort & 0xFFFF) << 16 | (dstPort & 0xFFFF));
        b.setInt(4, seq);
        b.setInt(8, ack);
        b.setInt(12, (headerLength / 4) << 28 | (flags & 0xFF) << 16 | (window & 0xFFFF));
        b.setInt(16, 0); // checksum and urgent pointer: no urgent data is ever sent
    }

    /** Flags as tcpdump shows them, for people: {@code [S.]}, {@code [F.]}, {@code [R]}. */
    public static String describeFlags(int flags) {
        StringBuilder s = new StringBuilder("[");
        if ((flags & SYN) != 0) {
            s.append('S');
        }
        if ((flags & FIN) != 0) {
            s.append('F');
        }
        if ((flags & RST) != 0) {
            s.append('R');
        }
        if ((flags & PSH) != 0) {
            s.append('P');
        }
        if ((flags & URG) != 0) {
            s.append('U');
        }
        if ((flags & ECE) != 0) {
            s.append('E');
        }
        if ((flags & CWR) != 0) {
            s.append('W');
        }
        if ((flags & ACK) != 0) {
            s.append('.');
        }
        return s.append(']').toString();
    }
}
