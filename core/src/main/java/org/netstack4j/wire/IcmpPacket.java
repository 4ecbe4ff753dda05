package org.netstack4j.wire;

import org.netstack4j.buffer.PacketBuffer;

/**
 * ICMP messages (RFC 792). The buffer holds exactly the ICMP message (the IP payload), and the
 * checksum covers all of it. The second header word depends on the type: identifier and
 * sequence for echo, unused (or next-hop MTU, RFC 1191) for errors; {@link #restOfHeader} has it raw.
 */
public final class IcmpPacket {
    public static final int HEADER_LENGTH = 8;

    public static final int ECHO_REPLY = 0;
    public static final int DESTINATION_UNREACHABLE = 3;
    public static final int ECHO_REQUEST = 8;
    public static final int TIME_EXCEEDED = 11;
    public static final int PARAMETER_PROBLEM = 12;

    // Codes of DESTINATION_UNREACHABLE.
    public static final int NET_UNREACHABLE = 0;
    public static final int HOST_UNREACHABLE = 1;
    public static final int PROTOCOL_UNREACHABLE = 2;
    public static final int PORT_UNREACHABLE = 3;
    public static final int FRAGMENTATION_NEEDED = 4;

    // Codes of TIME_EXCEEDED.
    public static final int TTL_EXCEEDED = 0;
    public static final int REASSEMBLY_TIME_EXCEEDED = 1;

    public enum Verdict { OK, TOO_SHORT, BAD_CHECKSUM }

    private IcmpPacket() {
    }

    public static Verdict check(PacketBuffer b) {
        if (b.length() < HEADER_LENGTH) {
            return Verdict.TOO_SHORT;
        }
        return Checksum.of(b, 0, b.length()) == 0 ? Verdict.OK : Verdict.BAD_CHECKSUM;
    }

    public static int type(PacketBuffer b) {
        return b.getByte(0) & 0xFF;
    }

    public static int code(PacketBuffer b) {
        return b.getByte(1) & 0xFF;
    }

    public static int checksum(PacketBuffer b) {
        return b.getU16(2);
    }

    /** Echo identifier (first half of the second word). */
    public static int identifier(PacketBuffer b) {
        return b.getU16(4);
    }

    /** Echo sequence number (second half of the second word). */
    public static int sequence(PacketBuffer b) {
        return b.getU16(6);
    }

    /** The whole second word, whatever the type makes of it. */
    public static int restOfHeader(PacketBuffer b) {
        return b.getInt(4);
    }

    /** Writes the 8-byte header with a zero checksum; call {@link #setChecksum} once the message is complete. */
    public static void writeHeader(PacketBuffer b, int type, int code, int restOfHeader) {
        b.setByte(0, type);
        b.setByte(1, code);
        b.setU16(2, 0);
        b.setInt(4, restOfHeader);
    }

    /** Computes the checksum over the whole buffer ({@code b.length()} is the message length). */
    public static void setChecksum(PacketBuffer b) {
        b.setU16(2, 0);
        b.setU16(2, Checksum.of(b, 0, b.length()));
    }

    /** Writes an echo request or reply header over a buffer whose payload is already in place, checksum included. */
    public static void writeEcho(PacketBuffer b, int type, int id, int seq) {
        writeHeader(b, type, 0, (id << 16) | (seq & 0xFFFF));
        setChecksum(b);
    }

    /** An error's type and code in iputils' words ("Destination Host Unreachable"). */
    public static String describe(int type, int code) {
        if (type == DESTINATION_UNREACHABLE) {
            return switch (code) {
                case NET_UNREACHABLE -> "Destination Net Unreachable";
                case HOST_UNREACHABLE -> "Destination Host Unreachable";
                case PROTOCOL_UNREACHABLE -> "Destination Protocol Unreachable";
                case PORT_UNREACHABLE -> "Destination Port Unreachable";
                case FRAGMENTATION_NEEDED -> "Frag needed and DF set";
                case 13 -> "Communication prohibited by filter";
                default -> "Dest Unreachable, Bad Code: " + code;
            };
        }
        if (type == TIME_EXCEEDED) {
            return code == TTL_EXCEEDED ? "Time to live exceeded" : code == REASSEMBLY_TIME_EXCEEDED
                    ? "Frag reassembly time exceeded" : "Time exceeded, Bad Code: " + code;
        }
        return "ICMP type " + type + " code " + code;
    }
}
