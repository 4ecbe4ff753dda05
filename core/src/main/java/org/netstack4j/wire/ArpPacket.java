package org.netstack4j.wire;

import org.netstack4j.buffer.PacketBuffer;

/**
 * ARP (RFC 826) for IPv4 over Ethernet only, the one case the stack speaks: a fixed 28 bytes.
 * Anything else (other hardware, other protocols, RARP opcodes) gets a verdict and is dropped.
 */
public final class ArpPacket {
    public static final int LENGTH = 28;
    public static final int HARDWARE_ETHERNET = 1;
    public static final int OP_REQUEST = 1;
    public static final int OP_REPLY = 2;

    public enum Verdict { OK, TOO_SHORT, UNSUPPORTED_HARDWARE, UNSUPPORTED_PROTOCOL, BAD_OPERATION }

    private ArpPacket() {
    }

    /** Validates the fixed fields; bytes after the 28 (Ethernet padding) are ignored. */
    public static Verdict check(PacketBuffer b) {
        if (b.length() < LENGTH) {
            return Verdict.TOO_SHORT;
        }
        if (b.getU16(0) != HARDWARE_ETHERNET || (b.getByte(4) & 0xFF) != 6) {
            return Verdict.UNSUPPORTED_HARDWARE;
        }
        if (b.getU16(2) != EthernetFrame.TYPE_IPV4 || (b.getByte(5) & 0xFF) != 4) {
            return Verdict.UNSUPPORTED_PROTOCOL;
        }
        int op = b.getU16(6);
        if (op != OP_REQUEST && op != OP_REPLY) {
            return Verdict.BAD_OPERATION;
        }
        return Verdict.OK;
    }

    public static int operation(PacketBuffer b) {
        return b.getU16(6);
    }

    public static long senderMac(PacketBuffer b) {
        return MacAddress.read(b, 8);
    }

    public static int senderIp(PacketBuffer b) {
        return b.getInt(14);
    }

    public static long targetMac(PacketBuffer b) {
        return MacAddress.read(b, 18);
    }

    public static int targetIp(PacketBuffer b) {
        return b.getInt(24);
    }

    /** Writes all 28 bytes at index 0. */
    public static void write(PacketBuffer b, int op, long sha, int spa, long tha, int tpa) {
        b.setU16(0, HARDWARE_ETHERNET);
        b.setU16(2, EthernetFrame.TYPE_IPV4);
        b.setByte(4, 6);
        b.setByte(5, 4);
        b.setU16(6, op);
        MacAddress.write(b, 8, sha);
        b.setInt(14, spa);
        MacAddress.write(b, 18, tha);
        b.setInt(24, tpa);
    }
}
