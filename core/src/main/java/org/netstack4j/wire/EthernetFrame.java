package org.netstack4j.wire;

import org.netstack4j.buffer.PacketBuffer;

/**
 * Ethernet II framing (DIX): destination, source, EtherType. The buffer's data starts at the
 * destination address; the frame check sequence is not part of it (the card strips and adds it).
 */
public final class EthernetFrame {
    public static final int HEADER_LENGTH = 14;
    public static final int TYPE_IPV4 = 0x0800;
    public static final int TYPE_ARP = 0x0806;
    /** Shortest payload on the wire; shorter frames are padded up to {@link #MIN_FRAME_LENGTH}. */
    public static final int MIN_PAYLOAD = 46;
    /** Shortest frame without its FCS: header plus minimum payload. */
    public static final int MIN_FRAME_LENGTH = HEADER_LENGTH + MIN_PAYLOAD;

    public enum Verdict { OK, TOO_SHORT }

    private EthernetFrame() {
    }

    public static Verdict check(PacketBuffer b) {
        return b.length() < HEADER_LENGTH ? Verdict.TOO_SHORT : Verdict.OK;
    }

    public static long destination(PacketBuffer b) {
        return MacAddress.read(b, 0);
    }

    public static long source(PacketBuffer b) {
        return MacAddress.read(b, 6);
    }

    public static int etherType(PacketBuffer b) {
        return b.getU16(12);
    }

    /** Writes the 14-byte header at index 0. */
    public static void write(PacketBuffer b, long dst, long src, int type) {
        MacAddress.write(b, 0, dst);
        MacAddress.write(b, 6, src);
        b.setU16(12, type);
    }
}
