package org.netstack4j.wire;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.wire.DnsMessage.Malformed;
import org.netstack4j.wire.DnsMessage.Parse;
import org.netstack4j.wire.DnsMessage.Parsed;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded random, truncated and mutated inputs for every format. Each must get a verdict without
 * an exception, and the verdict must be the one a plain reference reading of the RFC gives; an
 * OK packet's getters must all work.
 */
// A parser that loops must fail the test, not hang the build: a separate thread can be abandoned.
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class WireFuzzTest {
    private static final int ROUNDS = 30_000;
    private static final int SRC = 0x0A00020F;
    private static final int DST = 0x0A000202;

    private final Packets packets = new Packets();
    private final PacketBuffer scratch = packets.empty();

    @AfterEach
    void close() {
        packets.close();
    }

    // ---- Reference readings, written straight from the RFCs over byte arrays.

    private static int u16(byte[] d, int i) {
        return (d[i] & 0xFF) << 8 | d[i + 1] & 0xFF;
    }

    /** One's complement sum folded to 16 bits, 16-bit word by word. */
    private static int sum16(byte[] d, int off, int len, int initial) {
        long s = initial;
        for (int i = 0; i < len; i += 2) {
            s += (d[off + i] & 0xFF) << 8 | (i + 1 < len ? d[off + i + 1] & 0xFF : 0);
        }
        while (s > 0xFFFF) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    private static ArpPacket.Verdict arpReference(byte[] d) {
        if (d.length < 28) {
            return ArpPacket.Verdict.TOO_SHORT;
        }
        if (u16(d, 0) != 1 || d[4] != 6) {
            return ArpPacket.Verdict.UNSUPPORTED_HARDWARE;
        }
        if (u16(d, 2) != 0x0800 || d[5] != 4) {
            return ArpPacket.Verdict.UNSUPPORTED_PROTOCOL;
        }
        int op = u16(d, 6);
        return op == 1 || op == 2 ? ArpPacket.Verdict.OK : ArpPacket.Verdict.BAD_OPERATION;
    }

    private static Ipv4Packet.Verdict ipv4Reference(byte[] d) {
        if (d.length < 20) {
            return Ipv4Packet.Verdict.TOO_SHORT;
        }
        if ((d[0] & 0xF0) != 0x40) {
            return Ipv4Packet.Verdict.BAD_VERSION;
        }
        int ihl = (d[0] & 0x0F) * 4;
        if (ihl < 20 || ihl > d.length) {
            return Ipv4Packet.Verdict.BAD_HEADER_LENGTH;
        }
        int total = u16(d, 2);
        if (total < ihl || total > d.length) {
            return Ipv4Packet.Verdict.BAD_TOTAL_LENGTH;
        }
        return sum16(d, 0, ihl, 0) == 0xFFFF ? Ipv4Packet.Verdict.OK : Ipv4Packet.Verdict.BAD_CHECKSUM;
    }

    private static IcmpPacket.Verdict icmpReference(byte[] d) {
        if (d.length < 8) {
            return IcmpPacket.Verdict.TOO_SHORT;
        }
        return sum16(d, 0, d.length, 0) == 0xFFFF ? IcmpPacket.Verdict.OK : IcmpPacket.Verdict.BAD_CHECKSUM;
    }

    private static UdpDatagram.Verdict udpReference(byte[] d) {
        if (d.length < 8) {
            return UdpDatagram.Verdict.TOO_SHORT;
        }
        int length = u16(d, 4);
        if (length < 8 || length > d.length) {
            return UdpDatagram.Verdict.BAD_LENGTH;
        }
        if (u16(d, 6) == 0) {
            return UdpDatagram.Verdict.OK;
        }
        int pseudo = (SRC >>> 16) + (SRC & 0xFFFF) + (DST >>> 16) + (DST & 0xFFFF) + 17 + length;
        return sum16(d, 0, length, pseudo) == 0xFFFF ? UdpDatagram.Verdict.OK : UdpDatagram.Verdict.BAD_CHECKSUM;
    }

    // ---- Input generation.

    private static byte[] layer(String frame, int strip) {
        return Arrays.copyOfRange(Packets.hex(frame), strip, Packets.hex(frame).length);
    }

    /** Random bytes, or a seed mutated: bit flips, byte stores, interesting values, truncation, extension. */
    private static byte[] input(SplittableRandom rnd, List<byte[]> seeds, int maxRandomLength) {
        if (rnd.nextInt(5) == 0) {
            byte[] d = new byte[rnd.nextInt(0, maxRandomLength + 1)];
            rnd.nextBytes(d);
            return d;
        }
        byte[] d = seeds.get(rnd.nextInt(seeds.size())).clone();
        int mutations = rnd.nextInt(0, 4);
        for (int m = 0; m < mutations && d.length > 0; m++) {
            int at = rnd.nextInt(d.length);
            switch (rnd.nextInt(5)) {
                case 0 -> d[at] ^= (byte) (1 << rnd.nextInt(8));
                case 1 -> d[at] = (byte) rnd.nextInt(256);
                case 2 -> d[at] = (byte) new int[] {0, 0xFF, 0x7F, 0x80, 0x40, 0x3F, 0xC0, 0x45, 0x4F, 0x14}[rnd.nextInt(10)];
                case 3 -> d = Arrays.copyOf(d, rnd.nextInt(0, d.length + 1));
                default -> {
                    int old = d.length;
                    d = Arrays.copyOf(d, old + rnd.nextInt(1, 16));
                    for (int i = old; i < d.length; i++) {
                        d[i] = (byte) rnd.nextInt(256);
                    }
                }
            }
        }
        return d;
    }

    private PacketBuffer load(byte[] d) {
        scratch.reset();
        scratch.append(d.length);
        scratch.copyFrom(d, 0, 0, d.length);
        return scratch;
    }

    private <V> void fuzz(long seed, List<byte[]> seeds, int maxRandomLength, Function<PacketBuffer, V> check,
                          Function<byte[], V> reference, V ok, java.util.function.Consumer<PacketBuffer> getters) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int oks = 0;
        for (int i = 0; i < ROUNDS; i++) {
            byte[] d = input(rnd, seeds, maxRandomLength);
            V verdict = check.apply(load(d));
            assertThat(verdict).as("input %d: %s", i, java.util.HexFormat.of().formatHex(d)).isNotNull().isEqualTo(reference.apply(d));
            if (verdict == ok) {
                getters.accept(scratch);
                oks++;
            }
        }
        // The seeds are valid and many mutations leave them so: the OK path is exercised too.
        assertThat(oks).isGreaterThan(ROUNDS / 20);
    }

    @Test
    void ethernet() {
        List<byte[]> seeds = List.of(Packets.hex(Captures.LINUX_ARP_REQUEST), Packets.hex(Captures.LINUX_UDP), new byte[14]);
        fuzz(14, seeds, 40, EthernetFrame::check,
                d -> d.length < 14 ? EthernetFrame.Verdict.TOO_SHORT : EthernetFrame.Verdict.OK, EthernetFrame.Verdict.OK,
                b -> {
                    EthernetFrame.destination(b);
                    EthernetFrame.source(b);
                    EthernetFrame.etherType(b);
                });
    }

    @Test
    void arp() {
        List<byte[]> seeds = List.of(layer(Captures.LINUX_ARP_REQUEST, 14), layer(Captures.LINUX_ARP_REPLY, 14),
                layer(Captures.PADDED_ARP_REQUEST, 14));
        fuzz(826, seeds, 60, ArpPacket::check, WireFuzzTest::arpReference, ArpPacket.Verdict.OK, b -> {
            ArpPacket.operation(b);
            ArpPacket.senderMac(b);
            ArpPacket.senderIp(b);
            ArpPacket.targetMac(b);
            ArpPacket.targetIp(b);
        });
    }

    @Test
    void ipv4() {
        List<byte[]> seeds = new ArrayList<>();
        for (String f : List.of(Captures.LINUX_ECHO_REQUEST, Captures.LINUX_PORT_UNREACHABLE, Captures.LINUX_DNS_CNAME_RESPONSE)) {
            seeds.add(layer(f, 14));
        }
        seeds.add(Packets.hex(Captures.LOOPBACK_ECHO_REQUEST));
        // With options: IHL 6, router alert.
        byte[] opt = Packets.hex("46000018 00010000 40110000 0a00020f 0a000202 94040000");
        int c = Checksum.of(opt, 0, 24);
        opt[10] = (byte) (c >>> 8);
        opt[11] = (byte) c;
        seeds.add(opt);
        fuzz(791, seeds, 80, Ipv4Packet::check, WireFuzzTest::ipv4Reference, Ipv4Packet.Verdict.OK, b -> {
            assertThat(Ipv4Packet.headerLength(b)).isBetween(20, Ipv4Packet.totalLength(b));
            assertThat(Ipv4Packet.totalLength(b)).isLessThanOrEqualTo(b.length());
            Ipv4Packet.tos(b);
            Ipv4Packet.identification(b);
            Ipv4Packet.dontFragment(b);
            Ipv4Packet.moreFragments(b);
            Ipv4Packet.fragmentOffset(b);
            Ipv4Packet.isFragment(b);
            Ipv4Packet.ttl(b);
            Ipv4Packet.protocol(b);
            Ipv4Packet.headerChecksum(b);
            Ipv4Packet.source(b);
            Ipv4Packet.destination(b);
            Ipv4Packet.payloadLength(b);
        });
    }

    @Test
    void icmp() {
        List<byte[]> seeds = List.of(layer(Captures.LINUX_ECHO_REQUEST, 34), layer(Captures.LINUX_ECHO_REPLY, 34),
                layer(Captures.LINUX_PORT_UNREACHABLE, 34), Arrays.copyOfRange(Packets.hex(Captures.LOOPBACK_ECHO_REQUEST), 20, 84));
        fuzz(792, seeds, 80, IcmpPacket::check, WireFuzzTest::icmpReference, IcmpPacket.Verdict.OK, b -> {
            IcmpPacket.type(b);
            IcmpPacket.code(b);
            IcmpPacket.checksum(b);
            IcmpPacket.identifier(b);
            IcmpPacket.sequence(b);
            IcmpPacket.restOfHeader(b);
        });
    }

    @Test
    void udp() {
        List<byte[]> seeds = List.of(layer(Captures.LINUX_UDP, 34), layer(Captures.LINUX_DNS_QUERY, 34),
                Packets.hex("d00d 0035 0008 0000"));
        fuzz(768, seeds, 60, b -> UdpDatagram.check(b, SRC, DST), WireFuzzTest::udpReference, UdpDatagram.Verdict.OK, b -> {
            assertThat(UdpDatagram.length(b)).isBetween(8, b.length());
            UdpDatagram.sourcePort(b);
            UdpDatagram.destinationPort(b);
            UdpDatagram.checksum(b);
        });
    }

    @Test
    void dnsNeverThrowsAndWhatParsesReencodesToItself() {
        SplittableRandom rnd = new SplittableRandom(1035);
        List<byte[]> seeds = new ArrayList<>();
        for (String f : List.of(Captures.LINUX_DNS_QUERY, Captures.LINUX_DNS_RESPONSE, Captures.LINUX_DNS_CNAME_RESPONSE,
                Captures.LINUX_DNS_NXDOMAIN)) {
            seeds.add(layer(f, 42));
        }
        seeds.add(Packets.hex(Captures.GOOGLE_AAAA_RESPONSE));
        for (int i = 0; i < 50; i++) {
            seeds.add(DnsMessage.encode(DnsFuzz.randomMessage(rnd)));
        }
        int parsed = 0;
        int malformed = 0;
        for (int i = 0; i < 60_000; i++) {
            byte[] d = input(rnd, seeds, 300);
            int length = d.length > 0 && rnd.nextInt(8) == 0 ? rnd.nextInt(d.length) : d.length;
            Parse p = DnsMessage.parse(d, length);
            assertThat(p).isNotNull();
            switch (p) {
                case Parsed(DnsMessage.Message m) -> {
                    parsed++;
                    byte[] again = DnsMessage.encode(m);
                    assertThat(DnsMessage.parse(again)).as("input %d", i).isEqualTo(p);
                }
                case Malformed(String reason) -> {
                    malformed++;
                    assertThat(reason).isNotBlank();
                }
            }
        }
        assertThat(parsed).isGreaterThan(1_000);
        assertThat(malformed).isGreaterThan(1_000);
    }

    @Test
    void dnsGarbageIsMalformed() {
        // Pure noise of header size or more almost always claims records that are not there.
        SplittableRandom rnd = new SplittableRandom(53);
        int malformed = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] d = new byte[rnd.nextInt(12, 200)];
            rnd.nextBytes(d);
            d[4] |= (byte) 0x80; // at least 32768 questions claimed
            if (DnsMessage.parse(d) instanceof Malformed) {
                malformed++;
            }
        }
        assertThat(malformed).isEqualTo(20_000);
    }
}
