package org.netstack4j.hw.link;

import java.nio.ByteBuffer;

/** Hand-built Ethernet frames for the media tests: valid headers and checksums, no dependency on {@code wire}. */
final class Frames {
    static final long BROADCAST = 0xFFFF_FFFF_FFFFL;

    private Frames() {
    }

    /** A MAC address 02:00:00:00:00:nn (locally administered, unicast). */
    static long mac(int n) {
        return 0x0200_0000_0000L | n;
    }

    /** An Ethernet II frame of {@code length} bytes (at least 14): header, then payload byte {@code i} = {@code i}. */
    static byte[] ethernet(long dst, long src, int etherType, int length) {
        byte[] f = new byte[length];
        putMac(f, 0, dst);
        putMac(f, 6, src);
        f[12] = (byte) (etherType >>> 8);
        f[13] = (byte) etherType;
        for (int i = 14; i < length; i++) {
            f[i] = (byte) i;
        }
        return f;
    }

    /** A frame that carries a 32-bit sequence number at byte 14 (experimental EtherType 0x88b5). */
    static byte[] numbered(long dst, long src, int seq, int length) {
        byte[] f = ethernet(dst, src, 0x88b5, Math.max(length, 18));
        ByteBuffer.wrap(f).putInt(14, seq);
        return f;
    }

    static int sequenceOf(byte[] frame) {
        return ByteBuffer.wrap(frame).getInt(14);
    }

    static void putMac(byte[] f, int at, long mac) {
        for (int i = 0; i < 6; i++) {
            f[at + i] = (byte) (mac >>> (40 - 8 * i));
        }
    }

    static long macAt(byte[] f, int at) {
        long m = 0;
        for (int i = 0; i < 6; i++) {
            m = (m << 8) | (f[at + i] & 0xFF);
        }
        return m;
    }

    /** ARP over Ethernet/IPv4 (42 bytes, or padded with zeros to {@code padTo}). */
    static byte[] arp(int op, long ethDst, long senderMac, int senderIp, long targetMac, int targetIp, int padTo) {
        ByteBuffer b = ByteBuffer.allocate(Math.max(42, padTo));
        b.put(header(ethDst, senderMac, 0x0806));
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) op);
        putMac(b, senderMac);
        b.putInt(senderIp);
        putMac(b, targetMac);
        b.putInt(targetIp);
        return b.array();
    }

    /** An IPv4/UDP datagram with correct header and UDP checksums, padded with zeros to {@code padTo} bytes. */
    static byte[] udp(long dstMac, long srcMac, int srcIp, int dstIp, int srcPort, int dstPort, byte[] payload, int padTo) {
        int udpLength = 8 + payload.length;
        ByteBuffer seg = ByteBuffer.allocate(udpLength);
        seg.putShort((short) srcPort).putShort((short) dstPort).putShort((short) udpLength).putShort((short) 0).put(payload);
        ByteBuffer pseudo = ByteBuffer.allocate(12 + udpLength);
        pseudo.putInt(srcIp).putInt(dstIp).put((byte) 0).put((byte) 17).putShort((short) udpLength).put(seg.array());
        int sum = checksum(pseudo.array(), 0, pseudo.capacity());
        seg.putShort(6, (short) (sum == 0 ? 0xFFFF : sum));
        return ipv4(dstMac, srcMac, srcIp, dstIp, 17, seg.array(), padTo);
    }

    /** An ICMP echo request with correct checksums. */
    static byte[] icmpEcho(long dstMac, long srcMac, int srcIp, int dstIp, int id, int seq, byte[] data) {
        ByteBuffer icmp = ByteBuffer.allocate(8 + data.length);
        icmp.put((byte) 8).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) seq).put(data);
        icmp.putShort(2, (short) checksum(icmp.array(), 0, icmp.capacity()));
        return ipv4(dstMac, srcMac, srcIp, dstIp, 1, icmp.array(), 0);
    }

    static byte[] ipv4(long dstMac, long srcMac, int srcIp, int dstIp, int protocol, byte[] payload, int padTo) {
        int total = 20 + payload.length;
        ByteBuffer b = ByteBuffer.allocate(Math.max(14 + total, padTo));
        b.put(header(dstMac, srcMac, 0x0800));
        b.put((byte) 0x45).put((byte) 0).putShort((short) total).putShort((short) 0x1234).putShort((short) 0x4000)
                .put((byte) 64).put((byte) protocol).putShort((short) 0).putInt(srcIp).putInt(dstIp);
        b.putShort(14 + 10, (short) checksum(b.array(), 14, 20));
        b.put(payload);
        return b.array();
    }

    /** The Internet checksum (RFC 1071) of {@code length} bytes. */
    static int checksum(byte[] data, int offset, int length) {
        long sum = 0;
        for (int i = 0; i + 1 < length; i += 2) {
            sum += ((data[offset + i] & 0xFF) << 8) | (data[offset + i + 1] & 0xFF);
        }
        if ((length & 1) != 0) {
            sum += (data[offset + length - 1] & 0xFF) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    static int ip(int a, int b, int c, int d) {
        return (a << 24) | (b << 16) | (c << 8) | d;
    }

    private static byte[] header(long dst, long src, int type) {
        byte[] h = new byte[14];
        putMac(h, 0, dst);
        putMac(h, 6, src);
        h[12] = (byte) (type >>> 8);
        h[13] = (byte) type;
        return h;
    }

    private static void putMac(ByteBuffer b, long mac) {
        for (int i = 0; i < 6; i++) {
            b.put((byte) (mac >>> (40 - 8 * i)));
        }
    }
}
