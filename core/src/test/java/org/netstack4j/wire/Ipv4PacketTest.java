package org.netstack4j.wire;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.netstack4j.buffer.PacketBuffer;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Ipv4PacketTest {
    private static final int A = 0x0A00020F; // 10.0.2.15
    private static final int B = 0x0A000202; // 10.0.2.2
    private final Packets packets = new Packets();

    @AfterEach
    void close() {
        packets.close();
    }

    /** The IP packet of a captured frame. */
    private PacketBuffer ipOf(String frame) {
        PacketBuffer b = packets.of(frame);
        b.trimFront(EthernetFrame.HEADER_LENGTH);
        return b;
    }

    @Test
    void readsLinuxHeaders() {
        PacketBuffer request = ipOf(Captures.LINUX_ECHO_REQUEST);
        assertThat(Ipv4Packet.check(request)).isEqualTo(Ipv4Packet.Verdict.OK);
        assertThat(Ipv4Packet.headerLength(request)).isEqualTo(20);
        assertThat(Ipv4Packet.totalLength(request)).isEqualTo(47);
        assertThat(Ipv4Packet.payloadLength(request)).isEqualTo(27);
        assertThat(Ipv4Packet.tos(request)).isZero();
        assertThat(Ipv4Packet.identification(request)).isEqualTo(0x3ac9);
        assertThat(Ipv4Packet.dontFragment(request)).isTrue();
        assertThat(Ipv4Packet.moreFragments(request)).isFalse();
        assertThat(Ipv4Packet.fragmentOffset(request)).isZero();
        assertThat(Ipv4Packet.isFragment(request)).isFalse();
        assertThat(Ipv4Packet.ttl(request)).isEqualTo(64);
        assertThat(Ipv4Packet.protocol(request)).isEqualTo(Ipv4Packet.PROTO_ICMP);
        assertThat(Ipv4Packet.headerChecksum(request)).isEqualTo(0xe7f4);
        assertThat(Ipv4Packet.source(request)).isEqualTo(A);
        assertThat(Ipv4Packet.destination(request)).isEqualTo(B);

        PacketBuffer unreachable = ipOf(Captures.LINUX_PORT_UNREACHABLE);
        assertThat(Ipv4Packet.check(unreachable)).isEqualTo(Ipv4Packet.Verdict.OK);
        assertThat(Ipv4Packet.tos(unreachable)).isEqualTo(0xc0);
        assertThat(Ipv4Packet.dontFragment(unreachable)).isFalse();
        assertThat(Ipv4Packet.source(unreachable)).isEqualTo(B);

        for (String frame : new String[] {Captures.LINUX_ECHO_REPLY, Captures.LINUX_UDP, Captures.LINUX_DNS_QUERY,
                Captures.LINUX_DNS_RESPONSE, Captures.LINUX_DNS_CNAME_RESPONSE, Captures.LINUX_DNS_NXDOMAIN}) {
            assertThat(Ipv4Packet.check(ipOf(frame))).isEqualTo(Ipv4Packet.Verdict.OK);
        }
        PacketBuffer loopback = packets.of(Captures.LOOPBACK_ECHO_REQUEST);
        assertThat(Ipv4Packet.check(loopback)).isEqualTo(Ipv4Packet.Verdict.OK);
        assertThat(Ipv4Packet.source(loopback)).isEqualTo(0x7F000001);
        assertThat(Ipv4Packet.totalLength(loopback)).isEqualTo(loopback.length());
    }

    @Test
    void writingLinuxsEchoReplyHeaderReproducesIt() {
        PacketBuffer reply = ipOf(Captures.LINUX_ECHO_REPLY);
        byte[] expected = Arrays.copyOf(reply.toByteArray(), 20);
        PacketBuffer b = packets.empty();
        b.append(20);
        Ipv4Packet.writeHeader(b, 0, 47, 0xdaae, 0, 64, Ipv4Packet.PROTO_ICMP, B, A);
        assertThat(b.toByteArray()).isEqualTo(expected);
    }

    @Test
    void longerBufferIsAllowedForEthernetPadding() {
        PacketBuffer b = packets.empty();
        b.append(46); // a 28-byte datagram padded to Ethernet's minimum payload
        Ipv4Packet.writeHeader(b, 0, 28, 1, Ipv4Packet.FLAG_DF, 64, Ipv4Packet.PROTO_UDP, A, B);
        assertThat(Ipv4Packet.check(b)).isEqualTo(Ipv4Packet.Verdict.OK);
        b.truncate(Ipv4Packet.totalLength(b));
        assertThat(b.length()).isEqualTo(28);
        assertThat(Ipv4Packet.check(b)).isEqualTo(Ipv4Packet.Verdict.OK);
    }

    @Test
    void verdicts() {
        byte[] good = ipOf(Captures.LINUX_ECHO_REQUEST).toByteArray();
        assertThat(check(good)).isEqualTo(Ipv4Packet.Verdict.OK);
        assertThat(check(Arrays.copyOf(good, 19))).isEqualTo(Ipv4Packet.Verdict.TOO_SHORT);
        assertThat(check(new byte[0])).isEqualTo(Ipv4Packet.Verdict.TOO_SHORT);
        assertThat(check(fixed(with(good, 0, 0x65)))).as("version 6").isEqualTo(Ipv4Packet.Verdict.BAD_VERSION);
        assertThat(check(fixed(with(good, 0, 0x44)))).as("IHL 4").isEqualTo(Ipv4Packet.Verdict.BAD_HEADER_LENGTH);
        assertThat(check(fixed(with(good, 0, 0x4F)))).as("IHL 15, 60 bytes, in 47").isEqualTo(Ipv4Packet.Verdict.BAD_HEADER_LENGTH);
        assertThat(check(fixed(with(good, 3, 19)))).as("total 19 < header").isEqualTo(Ipv4Packet.Verdict.BAD_TOTAL_LENGTH);
        assertThat(check(fixed(with(good, 3, 48)))).as("total 48 > 47 present").isEqualTo(Ipv4Packet.Verdict.BAD_TOTAL_LENGTH);
        assertThat(check(Arrays.copyOf(good, 46))).as("truncated datagram").isEqualTo(Ipv4Packet.Verdict.BAD_TOTAL_LENGTH);
        assertThat(check(with(good, 8, 63))).as("TTL changed, checksum not").isEqualTo(Ipv4Packet.Verdict.BAD_CHECKSUM);
        assertThat(check(fixed(with(good, 3, 20)))).as("header only").isEqualTo(Ipv4Packet.Verdict.OK);
    }

    @Test
    void everySingleBitFlipInTheHeaderIsCaught() {
        byte[] good = ipOf(Captures.LINUX_DNS_CNAME_RESPONSE).toByteArray();
        int checksumFailures = 0;
        for (int bit = 0; bit < 20 * 8; bit++) {
            byte[] bad = good.clone();
            bad[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
            assertThat(Checksum.of(bad, 0, 20)).as("bit %d", bit).isNotZero();
            Ipv4Packet.Verdict v = check(bad);
            packets.recycle();
            assertThat(v).as("bit %d", bit).isNotEqualTo(Ipv4Packet.Verdict.OK);
            boolean structural = bit < 8 || (bit >= 16 && bit < 32); // version, IHL, total length
            if (!structural) {
                assertThat(v).as("bit %d", bit).isEqualTo(Ipv4Packet.Verdict.BAD_CHECKSUM);
                checksumFailures++;
            }
        }
        assertThat(checksumFailures).isEqualTo(160 - 24);
    }

    @Test
    void optionsAreToleratedAndSkipped() {
        PacketBuffer b = packets.empty();
        b.append(24 + 8);
        Ipv4Packet.writeHeader(b, 0, 32, 7, 0, 64, Ipv4Packet.PROTO_UDP, A, B);
        // Grow to IHL 6 by hand: a router-alert option (RFC 2113), then recompute.
        b.setByte(0, 0x46);
        b.setInt(20, 0x94040000);
        Ipv4Packet.recomputeChecksum(b);
        assertThat(Ipv4Packet.check(b)).isEqualTo(Ipv4Packet.Verdict.OK);
        assertThat(Ipv4Packet.headerLength(b)).isEqualTo(24);
        assertThat(Ipv4Packet.payloadLength(b)).isEqualTo(8);
        assertThat(Checksum.of(b, 0, 24)).isZero();
        assertThat(Checksum.of(b, 0, 20)).as("the options are covered").isNotZero();
    }

    @Test
    void randomHeadersRoundTrip() {
        SplittableRandom rnd = new SplittableRandom(791);
        for (int i = 0; i < 10_000; i++) {
            int payload = rnd.nextInt(0, 200);
            int tos = rnd.nextInt(256);
            int id = rnd.nextInt(0x10000);
            boolean df = rnd.nextBoolean();
            boolean mf = rnd.nextBoolean();
            int offset = rnd.nextInt(0x2000) * 8;
            int ttl = rnd.nextInt(256);
            int proto = rnd.nextInt(256);
            int src = rnd.nextInt();
            int dst = rnd.nextInt();
            PacketBuffer b = packets.empty();
            b.append(20 + payload);
            int word = (df ? Ipv4Packet.FLAG_DF : 0) | (mf ? Ipv4Packet.FLAG_MF : 0) | offset / 8;
            Ipv4Packet.writeHeader(b, tos, 20 + payload, id, word, ttl, proto, src, dst);
            assertThat(Ipv4Packet.check(b)).isEqualTo(Ipv4Packet.Verdict.OK);
            assertThat(Ipv4Packet.tos(b)).isEqualTo(tos);
            assertThat(Ipv4Packet.totalLength(b)).isEqualTo(20 + payload);
            assertThat(Ipv4Packet.identification(b)).isEqualTo(id);
            assertThat(Ipv4Packet.dontFragment(b)).isEqualTo(df);
            assertThat(Ipv4Packet.moreFragments(b)).isEqualTo(mf);
            assertThat(Ipv4Packet.fragmentOffset(b)).isEqualTo(offset);
            assertThat(Ipv4Packet.isFragment(b)).isEqualTo(mf || offset != 0);
            assertThat(Ipv4Packet.ttl(b)).isEqualTo(ttl);
            assertThat(Ipv4Packet.protocol(b)).isEqualTo(proto);
            assertThat(Ipv4Packet.source(b)).isEqualTo(src);
            assertThat(Ipv4Packet.destination(b)).isEqualTo(dst);
            packets.recycle();
        }
    }

    @Test
    void decrementTtlUpdatesTheChecksumAsARecomputationWould() {
        PacketBuffer b = ipOf(Captures.LINUX_ECHO_REQUEST);
        for (int expected = 63; expected >= 0; expected--) {
            assertThat(Ipv4Packet.decrementTtl(b)).isEqualTo(expected);
            assertThat(Ipv4Packet.ttl(b)).isEqualTo(expected);
            assertThat(Ipv4Packet.check(b)).isEqualTo(Ipv4Packet.Verdict.OK);
        }
        int checksum = Ipv4Packet.headerChecksum(b);
        assertThat(Ipv4Packet.decrementTtl(b)).as("TTL 0 stays 0").isZero();
        assertThat(Ipv4Packet.headerChecksum(b)).isEqualTo(checksum);
        assertThat(Ipv4Packet.protocol(b)).isEqualTo(Ipv4Packet.PROTO_ICMP);

        SplittableRandom rnd = new SplittableRandom(1624);
        for (int i = 0; i < 10_000; i++) {
            PacketBuffer p = packets.empty();
            p.append(20);
            Ipv4Packet.writeHeader(p, rnd.nextInt(256), 20, rnd.nextInt(0x10000), rnd.nextInt(0x10000), 1 + rnd.nextInt(255),
                    rnd.nextInt(256), rnd.nextInt(), rnd.nextInt());
            Ipv4Packet.decrementTtl(p);
            int incremental = Ipv4Packet.headerChecksum(p);
            Ipv4Packet.recomputeChecksum(p);
            assertThat(incremental).isEqualTo(Ipv4Packet.headerChecksum(p));
            packets.recycle();
        }
    }

    @Test
    void fragmentFieldsAndTotalLengthKeepTheChecksumRight() {
        PacketBuffer b = ipOf(Captures.LINUX_UDP);
        Ipv4Packet.setFragment(b, 1480, true);
        assertThat(Ipv4Packet.check(b)).isEqualTo(Ipv4Packet.Verdict.OK);
        assertThat(Ipv4Packet.fragmentOffset(b)).isEqualTo(1480);
        assertThat(Ipv4Packet.moreFragments(b)).isTrue();
        assertThat(Ipv4Packet.dontFragment(b)).as("DF kept").isTrue();
        assertThat(Ipv4Packet.isFragment(b)).isTrue();
        Ipv4Packet.setFragment(b, 0, false);
        assertThat(Ipv4Packet.isFragment(b)).isFalse();
        assertThat(Ipv4Packet.dontFragment(b)).isTrue();
        assertThat(b.toByteArray()).isEqualTo(ipOf(Captures.LINUX_UDP).toByteArray());

        Ipv4Packet.setTotalLength(b, 30);
        assertThat(Ipv4Packet.check(b)).isEqualTo(Ipv4Packet.Verdict.OK);
        assertThat(Ipv4Packet.totalLength(b)).isEqualTo(30);
        Ipv4Packet.setFragment(b, 65528, false);
        assertThat(Ipv4Packet.fragmentOffset(b)).isEqualTo(65528);
        assertThat(Ipv4Packet.check(b)).isEqualTo(Ipv4Packet.Verdict.OK);

        assertThatThrownBy(() -> Ipv4Packet.setFragment(b, 12, true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ipv4Packet.setFragment(b, 65536, true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ipv4Packet.setFragment(b, -8, true)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void recomputeChecksumRepairsAHeader() {
        PacketBuffer b = ipOf(Captures.LINUX_DNS_QUERY);
        b.setU16(10, 0x1234);
        assertThat(Ipv4Packet.check(b)).isEqualTo(Ipv4Packet.Verdict.BAD_CHECKSUM);
        Ipv4Packet.recomputeChecksum(b);
        assertThat(b.toByteArray()).isEqualTo(ipOf(Captures.LINUX_DNS_QUERY).toByteArray());
    }

    private Ipv4Packet.Verdict check(byte[] bytes) {
        return Ipv4Packet.check(packets.of(bytes));
    }

    private static byte[] with(byte[] base, int index, int value) {
        byte[] copy = base.clone();
        copy[index] = (byte) value;
        return copy;
    }

    /** Recomputes the checksum over the first 20 bytes, so the structural fault is the only one. */
    private static byte[] fixed(byte[] header) {
        header[10] = 0;
        header[11] = 0;
        int c = Checksum.of(header, 0, 20);
        header[10] = (byte) (c >>> 8);
        header[11] = (byte) c;
        return header;
    }
}
