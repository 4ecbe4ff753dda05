package org.netstack4j.wire;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.netstack4j.buffer.PacketBuffer;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class IcmpPacketTest {
    private final Packets packets = new Packets();

    @AfterEach
    void close() {
        packets.close();
    }

    /** The ICMP message of a captured frame: Ethernet and IP headers trimmed, as the stack would. */
    private PacketBuffer icmpOf(String frame) {
        PacketBuffer b = packets.of(frame);
        b.trimFront(EthernetFrame.HEADER_LENGTH);
        b.truncate(Ipv4Packet.totalLength(b));
        b.trimFront(Ipv4Packet.headerLength(b));
        return b;
    }

    @Test
    void readsLinuxEchoOfOddLength() {
        PacketBuffer request = icmpOf(Captures.LINUX_ECHO_REQUEST);
        assertThat(request.length()).isEqualTo(27);
        assertThat(IcmpPacket.check(request)).isEqualTo(IcmpPacket.Verdict.OK);
        assertThat(IcmpPacket.type(request)).isEqualTo(IcmpPacket.ECHO_REQUEST);
        assertThat(IcmpPacket.code(request)).isZero();
        assertThat(IcmpPacket.checksum(request)).isEqualTo(0x50a0);
        assertThat(IcmpPacket.identifier(request)).isEqualTo(0x2494);
        assertThat(IcmpPacket.sequence(request)).isEqualTo(1);

        PacketBuffer reply = icmpOf(Captures.LINUX_ECHO_REPLY);
        assertThat(IcmpPacket.check(reply)).isEqualTo(IcmpPacket.Verdict.OK);
        assertThat(IcmpPacket.type(reply)).isEqualTo(IcmpPacket.ECHO_REPLY);

        PacketBuffer loopback = packets.of(Captures.LOOPBACK_ECHO_REQUEST);
        loopback.trimFront(20);
        assertThat(IcmpPacket.check(loopback)).isEqualTo(IcmpPacket.Verdict.OK);
        assertThat(IcmpPacket.identifier(loopback)).isEqualTo(21780);
        assertThat(IcmpPacket.sequence(loopback)).isEqualTo(1);
    }

    @Test
    void answeringTheLinuxEchoRequestGivesLinuxsReply() {
        PacketBuffer b = icmpOf(Captures.LINUX_ECHO_REQUEST);
        IcmpPacket.writeEcho(b, IcmpPacket.ECHO_REPLY, IcmpPacket.identifier(b), IcmpPacket.sequence(b));
        assertThat(b.toByteArray()).isEqualTo(icmpOf(Captures.LINUX_ECHO_REPLY).toByteArray());
    }

    @Test
    void portUnreachableQuotesTheDatagramAndCanBeRebuilt() {
        PacketBuffer b = icmpOf(Captures.LINUX_PORT_UNREACHABLE);
        assertThat(IcmpPacket.check(b)).isEqualTo(IcmpPacket.Verdict.OK);
        assertThat(IcmpPacket.type(b)).isEqualTo(IcmpPacket.DESTINATION_UNREACHABLE);
        assertThat(IcmpPacket.code(b)).isEqualTo(IcmpPacket.PORT_UNREACHABLE);
        assertThat(IcmpPacket.restOfHeader(b)).isZero();
        byte[] expected = b.toByteArray();

        // The quoted datagram is the one the kernel refused.
        b.trimFront(IcmpPacket.HEADER_LENGTH);
        assertThat(Ipv4Packet.check(b)).isEqualTo(Ipv4Packet.Verdict.OK);
        assertThat(Ipv4Packet.protocol(b)).isEqualTo(Ipv4Packet.PROTO_UDP);
        b.trimFront(Ipv4Packet.headerLength(b));
        assertThat(UdpDatagram.destinationPort(b)).isEqualTo(9);

        // Built our way: quote first, then prepend and write the header, then the checksum.
        PacketBuffer quoted = icmpOf(Captures.LINUX_PORT_UNREACHABLE);
        quoted.trimFront(IcmpPacket.HEADER_LENGTH);
        PacketBuffer ours = packets.empty();
        ours.append(quoted.length());
        ours.copyFrom(quoted.toByteArray(), 0, 0, quoted.length());
        ours.prepend(IcmpPacket.HEADER_LENGTH);
        IcmpPacket.writeHeader(ours, IcmpPacket.DESTINATION_UNREACHABLE, IcmpPacket.PORT_UNREACHABLE, 0);
        assertThat(IcmpPacket.check(ours)).isEqualTo(IcmpPacket.Verdict.BAD_CHECKSUM);
        IcmpPacket.setChecksum(ours);
        assertThat(ours.toByteArray()).isEqualTo(expected);
    }

    @Test
    void verdicts() {
        byte[] good = icmpOf(Captures.LINUX_ECHO_REQUEST).toByteArray();
        assertThat(check(good)).isEqualTo(IcmpPacket.Verdict.OK);
        assertThat(check(Arrays.copyOf(good, 7))).isEqualTo(IcmpPacket.Verdict.TOO_SHORT);
        assertThat(check(new byte[0])).isEqualTo(IcmpPacket.Verdict.TOO_SHORT);
        assertThat(check(Arrays.copyOf(good, 26))).as("last byte lost").isEqualTo(IcmpPacket.Verdict.BAD_CHECKSUM);
        for (int bit = 0; bit < good.length * 8; bit++) {
            byte[] bad = good.clone();
            bad[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
            assertThat(check(bad)).as("bit %d", bit).isEqualTo(IcmpPacket.Verdict.BAD_CHECKSUM);
            packets.recycle();
        }
    }

    @Test
    void randomEchoesRoundTrip() {
        SplittableRandom rnd = new SplittableRandom(792);
        for (int i = 0; i < 10_000; i++) {
            byte[] payload = new byte[rnd.nextInt(0, 120)];
            rnd.nextBytes(payload);
            int type = rnd.nextBoolean() ? IcmpPacket.ECHO_REQUEST : IcmpPacket.ECHO_REPLY;
            int id = rnd.nextInt(0x10000);
            int seq = rnd.nextInt(0x10000);
            PacketBuffer b = packets.of(payload);
            b.prepend(IcmpPacket.HEADER_LENGTH);
            IcmpPacket.writeEcho(b, type, id, seq);
            assertThat(IcmpPacket.check(b)).isEqualTo(IcmpPacket.Verdict.OK);
            assertThat(IcmpPacket.type(b)).isEqualTo(type);
            assertThat(IcmpPacket.code(b)).isZero();
            assertThat(IcmpPacket.identifier(b)).isEqualTo(id);
            assertThat(IcmpPacket.sequence(b)).isEqualTo(seq);
            assertThat(IcmpPacket.restOfHeader(b)).isEqualTo(id << 16 | seq);
            assertThat(Arrays.copyOfRange(b.toByteArray(), 8, b.length())).isEqualTo(payload);
            packets.recycle();
        }
    }

    private IcmpPacket.Verdict check(byte[] bytes) {
        return IcmpPacket.check(packets.of(bytes));
    }
}
