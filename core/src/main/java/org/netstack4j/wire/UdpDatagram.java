package org.netstack4j.wire;

import org.netstack4j.buffer.PacketBuffer;

/**
 * The UDP header (RFC 768). The datagram's own length field decides where it ends: the caller
 * truncates the buffer to {@link #length} after {@link #check}. The checksum covers an IPv4
 * pseudo-header, so checking and writing need both addresses.
 */
public final class UdpDatagram {
    public static final int HEADER_LENGTH = 8;

    public enum Verdict { OK, TOO_SHORT, BAD_LENGTH, BAD_CHECKSUM }

    private UdpDatagram() {
    }

    /** Validates a datagram that arrived from {@code srcIp} for {@code dstIp}; a zero checksum means the sender sent none. */
    public static Verdict check(PacketBuffer b, int srcIp, int dstIp) {
        return check(b, srcIp, dstIp, false);
    }

    /** As {@link #check(PacketBuffer, int, int)}; with {@code checksumVerified} (the card checked it) only the lengths. */
    public static Verdict check(PacketBuffer b, int srcIp, int dstIp, boolean checksumVerified) {
        if (b.length() < HEADER_LENGTH) {
            return Verdict.TOO_SHORT;
        }
        int length = b.getU16(4);
        if (length < HEADER_LENGTH || length > b.length()) {
            return Verdict.BAD_LENGTH;
        }
        if (b.getU16(6) == 0 || checksumVerified) {
            return Verdict.OK;
        }
        int sum = Checksum.sum(b, 0, length, Checksum.pseudoHeader(srcIp, dstIp, Ipv4Packet.PROTO_UDP, length));
        return Checksum.finish(sum) == 0 ? Verdict.OK : Verdict.BAD_CHECKSUM;
    }

    public static int sourcePort(PacketBuffer b) {
        return b.getU16(0);
    }

    public static int destinationPort(PacketBuffer b) {
        return b.getU16(2);
    }

    /** Header plus payload, from the length field. */
    public static int length(PacketBuffer b) {
        return b.getU16(4);
    }

    public static int checksum(PacketBuffer b) {
        return b.getU16(6);
    }

    /**
     * Fills the header of a datagram of {@code b.length()} bytes whose payload is already in
     * place after the 8 header bytes, checksum included. A computed checksum of 0 is sent as
     * 0xFFFF (the same value in one's complement), since 0 on the wire means "no checksum".
     */
    public static void write(PacketBuffer b, int srcPort, int dstPort, int srcIp, int dstIp) {
        int length = b.length();
        if (length < HEADER_LENGTH || length > 0xFFFF) {
            throw new IllegalArgumentException("UDP datagram of " + length + " bytes is outside 8..65535");
        }
        srcPort &= 0xFFFF;
        dstPort &= 0xFFFF;
        // The header's words are in hand: add them to the pseudo-header's sum directly and read
        // only the payload back, rather than writing the header field by field and summing it
        // from the buffer (reading just-written bytes back in wider words is slow, besides).
        int headerSum = Checksum.pseudoHeader(srcIp, dstIp, Ipv4Packet.PROTO_UDP, length) + srcPort + dstPort + length;
        int c = Checksum.finish(Checksum.sum(b, HEADER_LENGTH, length - HEADER_LENGTH, headerSum));
        b.setInt(0, srcPort << 16 | dstPort);
        b.setInt(4, length << 16 | (c == 0 ? 0xFFFF : c));
    }

    /**
     * As {@link #write}, but the checksum is left to whoever sends the datagram on (Linux's
     * CHECKSUM_PARTIAL): the field holds the pseudo-header's folded sum, and the buffer says where
     * the sum's range starts ({@link PacketBuffer#requestChecksum}).
     */
    public static void writeWithChecksumLeft(PacketBuffer b, int srcPort, int dstPort, int srcIp, int dstIp) {
        int length = b.length();
        if (length < HEADER_LENGTH || length > 0xFFFF) {
            throw new IllegalArgumentException("UDP datagram of " + length + " bytes is outside 8..65535");
        }
        b.setInt(0, (srcPort & 0xFFFF) << 16 | (dstPort & 0xFFFF));
        b.setInt(4, length << 16 | Checksum.fold(Checksum.pseudoHeader(srcIp, dstIp, Ipv4Packet.PROTO_UDP, length)));
        b.requestChecksum(0, 6);
    }
}
