package org.netstack4j.wire;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.netstack4j.buffer.PacketBuffer;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class EthernetAndArpTest {
    private static final long LINUX_A = 0x660cee587142L; // 10.0.2.15
    private static final long LINUX_B = 0x0ef1077f42b8L; // 10.0.2.2
    private final Packets packets = new Packets();

    @AfterEach
    void close() {
        packets.close();
    }

    @Test
    void readsTheLinuxArpRequestAndReply() {
        PacketBuffer request = packets.of(Captures.LINUX_ARP_REQUEST);
        assertThat(EthernetFrame.check(request)).isEqualTo(EthernetFrame.Verdict.OK);
        assertThat(EthernetFrame.destination(request)).isEqualTo(MacAddress.BROADCAST.bits());
        assertThat(EthernetFrame.source(request)).isEqualTo(LINUX_A);
        assertThat(EthernetFrame.etherType(request)).isEqualTo(EthernetFrame.TYPE_ARP);
        request.trimFront(EthernetFrame.HEADER_LENGTH);
        assertThat(ArpPacket.check(request)).isEqualTo(ArpPacket.Verdict.OK);
        assertThat(ArpPacket.operation(request)).isEqualTo(ArpPacket.OP_REQUEST);
        assertThat(ArpPacket.senderMac(request)).isEqualTo(LINUX_A);
        assertThat(ArpPacket.senderIp(request)).isEqualTo(Ipv4Address.parseBits("10.0.2.15"));
        assertThat(ArpPacket.targetMac(request)).isZero();
        assertThat(ArpPacket.targetIp(request)).isEqualTo(Ipv4Address.parseBits("10.0.2.2"));

        PacketBuffer reply = packets.of(Captures.LINUX_ARP_REPLY);
        assertThat(EthernetFrame.destination(reply)).isEqualTo(LINUX_A);
        assertThat(EthernetFrame.source(reply)).isEqualTo(LINUX_B);
        reply.trimFront(EthernetFrame.HEADER_LENGTH);
        assertThat(ArpPacket.check(reply)).isEqualTo(ArpPacket.Verdict.OK);
        assertThat(ArpPacket.operation(reply)).isEqualTo(ArpPacket.OP_REPLY);
        assertThat(ArpPacket.senderMac(reply)).isEqualTo(LINUX_B);
        assertThat(ArpPacket.senderIp(reply)).isEqualTo(Ipv4Address.parseBits("10.0.2.2"));
        assertThat(ArpPacket.targetMac(reply)).isEqualTo(LINUX_A);
        assertThat(ArpPacket.targetIp(reply)).isEqualTo(Ipv4Address.parseBits("10.0.2.15"));
    }

    @Test
    void writingTheLinuxReplyReproducesItByteForByte() {
        // What our stack answers to the Linux request must be what Linux itself answered.
        PacketBuffer b = packets.empty();
        b.append(ArpPacket.LENGTH);
        ArpPacket.write(b, ArpPacket.OP_REPLY, LINUX_B, Ipv4Address.parseBits("10.0.2.2"), LINUX_A, Ipv4Address.parseBits("10.0.2.15"));
        b.prepend(EthernetFrame.HEADER_LENGTH);
        EthernetFrame.write(b, LINUX_A, LINUX_B, EthernetFrame.TYPE_ARP);
        assertThat(b.toByteArray()).isEqualTo(Packets.hex(Captures.LINUX_ARP_REPLY));
    }

    @Test
    void paddedRequestFromA2001CaptureIsReadAndItsPaddingIgnored() {
        PacketBuffer b = packets.of(Captures.PADDED_ARP_REQUEST);
        assertThat(b.length()).isEqualTo(EthernetFrame.MIN_FRAME_LENGTH);
        assertThat(EthernetFrame.source(b)).isEqualTo(0x00a0c922b210L);
        b.trimFront(EthernetFrame.HEADER_LENGTH);
        assertThat(ArpPacket.check(b)).isEqualTo(ArpPacket.Verdict.OK);
        assertThat(ArpPacket.senderIp(b)).isEqualTo(Ipv4Address.parseBits("172.16.1.101"));
        assertThat(ArpPacket.targetIp(b)).isEqualTo(Ipv4Address.parseBits("172.16.1.50"));
    }

    @Test
    void arpVerdicts() {
        byte[] good = Packets.hex(Captures.LINUX_ARP_REQUEST.substring(Captures.LINUX_ARP_REQUEST.indexOf("00 01 08 00")));
        assertThat(good).hasSize(ArpPacket.LENGTH);
        assertThat(verdict(good)).isEqualTo(ArpPacket.Verdict.OK);
        assertThat(verdict(java.util.Arrays.copyOf(good, 27))).isEqualTo(ArpPacket.Verdict.TOO_SHORT);
        assertThat(verdict(with(good, 1, 6))).as("IEEE 802 hardware").isEqualTo(ArpPacket.Verdict.UNSUPPORTED_HARDWARE);
        assertThat(verdict(with(good, 4, 8))).as("hardware length 8").isEqualTo(ArpPacket.Verdict.UNSUPPORTED_HARDWARE);
        assertThat(verdict(with(good, 2, 0x86))).as("protocol 0x86dd").isEqualTo(ArpPacket.Verdict.UNSUPPORTED_PROTOCOL);
        assertThat(verdict(with(good, 5, 16))).as("protocol length 16").isEqualTo(ArpPacket.Verdict.UNSUPPORTED_PROTOCOL);
        assertThat(verdict(with(good, 7, 3))).as("RARP request").isEqualTo(ArpPacket.Verdict.BAD_OPERATION);
        assertThat(verdict(with(good, 7, 0))).isEqualTo(ArpPacket.Verdict.BAD_OPERATION);
        assertThat(verdict(with(good, 6, 1))).as("op 0x0101").isEqualTo(ArpPacket.Verdict.BAD_OPERATION);
    }

    @Test
    void ethernetVerdicts() {
        assertThat(EthernetFrame.check(packets.of(new byte[13]))).isEqualTo(EthernetFrame.Verdict.TOO_SHORT);
        assertThat(EthernetFrame.check(packets.of(new byte[0]))).isEqualTo(EthernetFrame.Verdict.TOO_SHORT);
        assertThat(EthernetFrame.check(packets.of(new byte[14]))).isEqualTo(EthernetFrame.Verdict.OK);
    }

    @Test
    void randomRoundTrips() {
        SplittableRandom rnd = new SplittableRandom(826);
        for (int i = 0; i < 10_000; i++) {
            long dst = rnd.nextLong() >>> 16;
            long src = rnd.nextLong() >>> 16;
            long sha = rnd.nextLong() >>> 16;
            long tha = rnd.nextLong() >>> 16;
            int type = rnd.nextInt(0x10000);
            int spa = rnd.nextInt();
            int tpa = rnd.nextInt();
            int op = 1 + rnd.nextInt(2);
            PacketBuffer b = packets.empty();
            b.append(ArpPacket.LENGTH);
            ArpPacket.write(b, op, sha, spa, tha, tpa);
            b.prepend(EthernetFrame.HEADER_LENGTH);
            EthernetFrame.write(b, dst, src, type);

            assertThat(EthernetFrame.check(b)).isEqualTo(EthernetFrame.Verdict.OK);
            assertThat(EthernetFrame.destination(b)).isEqualTo(dst);
            assertThat(EthernetFrame.source(b)).isEqualTo(src);
            assertThat(EthernetFrame.etherType(b)).isEqualTo(type);
            b.trimFront(EthernetFrame.HEADER_LENGTH);
            assertThat(ArpPacket.check(b)).isEqualTo(ArpPacket.Verdict.OK);
            assertThat(ArpPacket.operation(b)).isEqualTo(op);
            assertThat(ArpPacket.senderMac(b)).isEqualTo(sha);
            assertThat(ArpPacket.senderIp(b)).isEqualTo(spa);
            assertThat(ArpPacket.targetMac(b)).isEqualTo(tha);
            assertThat(ArpPacket.targetIp(b)).isEqualTo(tpa);
            packets.recycle();
        }
    }

    private ArpPacket.Verdict verdict(byte[] bytes) {
        return ArpPacket.check(packets.of(bytes));
    }

    private static byte[] with(byte[] base, int index, int value) {
        byte[] copy = base.clone();
        copy[index] = (byte) value;
        return copy;
    }
}
