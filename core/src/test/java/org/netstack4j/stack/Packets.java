package org.netstack4j.stack;

import org.netstack4j.wire.Checksum;

import java.nio.ByteBuffer;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hand-built frames for the stack tests, as plain byte arrays (so a test can break any field),
 * and a read-only view of frames the stack sent. Builders use the wire package only for the
 * checksum arithmetic.
 */
final class Packets {
    static final int ARP = 0x0806;
    static final int IPV4 = 0x0800;
    static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    static final int ICMP = 1;
    static final int UDP = 17;

    private Packets() {
    }

    // ==== Ethernet and ARP ===============================================================

    static byte[] ethernet(long dst, long src, int type, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + payload.length);
        putMac(b, dst);
        putMac(b, src);
        b.putShort((short) type);
        b.put(payload);
        return b.array();
    }

    static byte[] arp(int op, long sha, int spa, long tha, int tpa) {
        ByteBuffer b = ByteBuffer.allocate(28);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) op);
        putMac(b, sha);
        b.putInt(spa);
        putMac(b, tha);
        b.putInt(tpa);
        return b.array();
    }

    private static void putMac(ByteBuffer b, long mac) {
        for (int i = 0; i < 6; i++) {
            b.put((byte) (mac >>> (40 - 8 * i)));
        }
    }

    static long macAt(byte[] f, int at) {
        long m = 0;
        for (int i = 0; i < 6; i++) {
            m = (m << 8) | (f[at + i] & 0xFF);
        }
        return m;
    }

    // ==== IPv4 ===========================================================================

    /** An IPv4 datagram under construction; every field can be set to a wrong value. */
    static final class Ip {
        int version = 4;
        int ihlWords = -1;          // -1: from the options
        int tos;
        int totalLength = -1;       // -1: header + payload
        int id = 0x1234;
        boolean df;
        boolean mf;
        int fragmentOffset;         // bytes
        int ttl = 64;
        int protocol;
        int source;
        int destination;
        byte[] options = new byte[0];
        byte[] payload = new byte[0];
        boolean corruptChecksum;

        Ip(int protocol, int source, int destination, byte[] payload) {
            this.protocol = protocol;
            this.source = source;
            this.destination = destination;
            this.payload = payload;
        }

        Ip id(int v) {
            id = v;
            return this;
        }

        Ip ttl(int v) {
            ttl = v;
            return this;
        }

        Ip dontFragment() {
            df = true;
            return this;
        }

        Ip fragment(int offsetBytes, boolean more) {
            fragmentOffset = offsetBytes;
            mf = more;
            return this;
        }

        Ip options(byte[] v) {
            options = v;
            return this;
        }

        Ip version(int v) {
            version = v;
            return this;
        }

        Ip ihl(int words) {
            ihlWords = words;
            return this;
        }

        Ip totalLength(int v) {
            totalLength = v;
            return this;
        }

        Ip badChecksum() {
            corruptChecksum = true;
            return this;
        }

        byte[] bytes() {
            int headerLength = 20 + options.length;
            int ihl = ihlWords >= 0 ? ihlWords : headerLength / 4;
            byte[] d = new byte[headerLength + payload.length];
            ByteBuffer b = ByteBuffer.wrap(d);
            b.put((byte) (version << 4 | ihl));
            b.put((byte) tos);
            b.putShort((short) (totalLength >= 0 ? totalLength : d.length));
            b.putShort((short) id);
            b.putShort((short) ((df ? 0x4000 : 0) | (mf ? 0x2000 : 0) | (fragmentOffset >>> 3)));
            b.put((byte) ttl);
            b.put((byte) protocol);
            b.putShort((short) 0);
            b.putInt(source);
            b.putInt(destination);
            b.put(options);
            b.put(payload);
            int sum = Checksum.of(d, 0, headerLength);
            if (corruptChecksum) {
                sum ^= 0x5555;
            }
            b.putShort(10, (short) sum);
            return d;
        }
    }

    static Ip ip(int protocol, int source, int destination, byte[] payload) {
        return new Ip(protocol, source, destination, payload);
    }

    /** An ICMP error of {@code type} and {@code code} quoting {@code quoted}, with its checksum. */
    static byte[] icmpError(int type, int code, byte[] quoted) {
        byte[] m = new byte[8 + quoted.length];
        m[0] = (byte) type;
        m[1] = (byte) code;
        System.arraycopy(quoted, 0, m, 8, quoted.length);
        int sum = Checksum.of(m, 0, m.length);
        m[2] = (byte) (sum >>> 8);
        m[3] = (byte) sum;
        return m;
    }

    /** An ICMP echo request or reply with its checksum. */
    static byte[] echo(int type, int id, int seq, byte[] data) {
        byte[] m = new byte[8 + data.length];
        ByteBuffer b = ByteBuffer.wrap(m);
        b.put((byte) type).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) seq).put(data);
        b.putShort(2, (short) Checksum.of(m, 0, m.length));
        return m;
    }

    /** A UDP datagram with a correct checksum (or none, or a wrong one). */
    static byte[] udp(int srcPort, int dstPort, int srcIp, int dstIp, byte[] payload, Sum sum) {
        int length = 8 + payload.length;
        byte[] d = new byte[length];
        ByteBuffer b = ByteBuffer.wrap(d);
        b.putShort((short) srcPort).putShort((short) dstPort).putShort((short) length).putShort((short) 0).put(payload);
        if (sum != Sum.NONE) {
            int c = Checksum.finish(Checksum.sum(d, 0, length, Checksum.pseudoHeader(srcIp, dstIp, UDP, length)));
            if (c == 0) {
                c = 0xFFFF;
            }
            if (sum == Sum.WRONG) {
                c ^= 0x00FF;
            }
            b.putShort(6, (short) c);
        }
        return d;
    }

    enum Sum { GOOD, NONE, WRONG }

    static final int TCP = 6;
    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int PSH = 0x08;
    static final int ACK = 0x10;

    /** A TCP segment with a correct checksum; {@code options} a whole number of 4-byte words. */
    static byte[] tcp(int srcIp, int srcPort, int dstIp, int dstPort, int seq, int ack, int flags, int window,
                      byte[] options, byte[] payload) {
        int headerLength = 20 + options.length;
        byte[] d = new byte[headerLength + payload.length];
        ByteBuffer b = ByteBuffer.wrap(d);
        b.putShort((short) srcPort).putShort((short) dstPort).putInt(seq).putInt(ack);
        b.put((byte) (headerLength / 4 << 4)).put((byte) flags).putShort((short) window).putShort((short) 0)
                .putShort((short) 0).put(options).put(payload);
        b.putShort(16, (short) Checksum.finish(Checksum.sum(d, 0, d.length,
                Checksum.pseudoHeader(srcIp, dstIp, TCP, d.length))));
        return d;
    }

    /** Compares byte arrays and reports where they differ, without printing kilobytes of them. */
    static void assertSameBytes(byte[] actual, byte[] expected) {
        assertThat(actual).as("datagram").isNotNull();
        int at = Arrays.mismatch(actual, expected);
        assertThat(at)
                .as("first differing byte (lengths %d and %d)", actual.length, expected.length).isEqualTo(-1);
    }

    static byte[] pattern(int length, int seed) {
        byte[] p = new byte[length];
        for (int i = 0; i < length; i++) {
            p[i] = (byte) (i * 31 + seed);
        }
        return p;
    }

    /** Four NOPs then nothing: a legal 4-byte option field. */
    static byte[] nopOption() {
        return new byte[] {1, 1, 1, 1};
    }

    // ==== Reading frames the stack sent ==================================================

    /** A read-only view of one Ethernet frame. */
    record View(byte[] f) {
        long dstMac() {
            return macAt(f, 0);
        }

        long srcMac() {
            return macAt(f, 6);
        }

        int type() {
            return u16(12);
        }

        boolean isArp() {
            return type() == ARP;
        }

        boolean isIpv4() {
            return type() == IPV4;
        }

        int u8(int at) {
            return f[at] & 0xFF;
        }

        int u16(int at) {
            return (f[at] & 0xFF) << 8 | (f[at + 1] & 0xFF);
        }

        int i32(int at) {
            return ByteBuffer.wrap(f).getInt(at);
        }

        // ARP (Ethernet + 28)
        int arpOp() {
            return u16(14 + 6);
        }

        long arpSenderMac() {
            return macAt(f, 14 + 8);
        }

        int arpSenderIp() {
            return i32(14 + 14);
        }

        long arpTargetMac() {
            return macAt(f, 14 + 18);
        }

        int arpTargetIp() {
            return i32(14 + 24);
        }

        // IPv4
        int ihl() {
            return (u8(14) & 0xF) * 4;
        }

        int totalLength() {
            return u16(16);
        }

        int ipId() {
            return u16(18);
        }

        boolean moreFragments() {
            return (u16(20) & 0x2000) != 0;
        }

        int fragmentOffset() {
            return (u16(20) & 0x1FFF) * 8;
        }

        int ttl() {
            return u8(22);
        }

        int protocol() {
            return u8(23);
        }

        int ipSource() {
            return i32(26);
        }

        int ipDestination() {
            return i32(30);
        }

        boolean ipChecksumOk() {
            return Checksum.of(f, 14, ihl()) == 0;
        }

        /** Offset of the IP payload in the frame. */
        int l4() {
            return 14 + ihl();
        }

        /** The IP payload, by the total length field. */
        byte[] ipPayload() {
            return Arrays.copyOfRange(f, l4(), 14 + totalLength());
        }

        boolean isIcmp() {
            return isIpv4() && protocol() == ICMP;
        }

        boolean isUdp() {
            return isIpv4() && protocol() == UDP;
        }

        int icmpType() {
            return u8(l4());
        }

        int icmpCode() {
            return u8(l4() + 1);
        }

        int icmpId() {
            return u16(l4() + 4);
        }

        int icmpSeq() {
            return u16(l4() + 6);
        }

        boolean icmpChecksumOk() {
            return Checksum.of(f, l4(), totalLength() - ihl()) == 0;
        }

        int udpSourcePort() {
            return u16(l4());
        }

        int udpDestinationPort() {
            return u16(l4() + 2);
        }

        byte[] udpPayload() {
            return Arrays.copyOfRange(f, l4() + 8, l4() + u16(l4() + 4));
        }
    }
}
