package org.netstack4j.wire;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.netstack4j.buffer.PacketBuffer;

/**
 * Coverage-guided fuzz targets (Jazzer) for every parser in {@code wire}: whatever the bytes,
 * each gets a verdict and never throws, and what it accepts can be read whole. Under {@code mvn
 * verify} each target runs over its seed corpus (real captures, in {@code WireParsersFuzzTestInputs})
 * as a regression test; {@code -Pfuzz} (or JAZZER_FUZZ=1) fuzzes one target for a set time.
 */
class WireParsersFuzzTest {
    private static final int SRC = 0x0A00020F;
    private static final int DST = 0x0A000202;
    private static final Packets PACKETS = new Packets();
    /** Sinks the getters' results, so none is optimised away. */
    private static long sink;

    @AfterAll
    static void close() {
        PACKETS.close();
    }

    private static PacketBuffer buffer(byte[] data) {
        PACKETS.recycle();
        byte[] d = data.length > Packets.SIZE - Packets.HEADROOM ? java.util.Arrays.copyOf(data, Packets.SIZE - Packets.HEADROOM) : data;
        return PACKETS.of(d);
    }

    @FuzzTest(maxDuration = "30s")
    void ethernet(byte[] data) {
        PacketBuffer b = buffer(data);
        if (EthernetFrame.check(b) == EthernetFrame.Verdict.OK) {
            sink += EthernetFrame.destination(b) + EthernetFrame.source(b) + EthernetFrame.etherType(b);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void arp(byte[] data) {
        PacketBuffer b = buffer(data);
        if (ArpPacket.check(b) == ArpPacket.Verdict.OK) {
            sink += ArpPacket.operation(b) + ArpPacket.senderMac(b) + ArpPacket.senderIp(b) + ArpPacket.targetMac(b)
                    + ArpPacket.targetIp(b);
        }
    }

    @DictionaryEntries({"\\x45\\x00", "\\x46\\x00", "\\x4f\\x00", "\\x07\\x0b\\x04", "\\x44\\x0c\\x05\\x00", "\\x44\\x0c\\x05\\x01", "\\x83\\x07\\x04", "\\x89\\x07\\x04", "\\x40\\x00", "\\x20\\x00"})
    @FuzzTest(maxDuration = "30s")
    void ipv4WithOptions(byte[] data) {
        PacketBuffer b = buffer(data);
        if (Ipv4Packet.check(b) != Ipv4Packet.Verdict.OK) {
            return;
        }
        sink += Ipv4Packet.headerLength(b) + Ipv4Packet.totalLength(b) + Ipv4Packet.fragmentOffset(b)
                + Ipv4Packet.ttl(b) + Ipv4Packet.protocol(b) + Ipv4Packet.source(b) + Ipv4Packet.destination(b);
        if (Ipv4Options.firstError(b) < 0) {
            sink += Ipv4Options.hasSourceRoute(b) ? 1 : 0;
            byte[] reflected = new byte[Ipv4Options.MAX_LENGTH];
            int n = Ipv4Options.reflect(b, reflected, DST, 0x8000_0001);
            if (n % 4 != 0 || n > Ipv4Options.MAX_LENGTH) {
                throw new AssertionError("reflected options of " + n + " bytes");
            }
        }
    }

    @FuzzTest(maxDuration = "30s")
    void icmp(byte[] data) {
        PacketBuffer b = buffer(data);
        if (IcmpPacket.check(b) == IcmpPacket.Verdict.OK) {
            sink += IcmpPacket.type(b) + IcmpPacket.code(b) + IcmpPacket.checksum(b);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void udp(byte[] data) {
        PacketBuffer b = buffer(data);
        if (UdpDatagram.check(b, SRC, DST) == UdpDatagram.Verdict.OK) {
            sink += UdpDatagram.sourcePort(b) + UdpDatagram.destinationPort(b) + UdpDatagram.length(b);
        }
    }

    @DictionaryEntries({"\\x02\\x04\\x05\\xb4", "\\x01\\x03\\x03\\x07", "\\x04\\x02", "\\x05\\x0a", "\\x05\\x12", "\\x08\\x0a", "\\x50\\x12", "\\xa0\\x02", "\\xf0\\x10"})
    @FuzzTest(maxDuration = "30s")
    void tcpWithOptions(byte[] data) {
        PacketBuffer b = buffer(data);
        TcpSegment.Verdict v = TcpSegment.check(b, SRC, DST);
        TcpOptions options = new TcpOptions();
        options.parse(b); // on unchecked bytes too: it must be safe
        if (v == TcpSegment.Verdict.OK) {
            sink += TcpSegment.sequence(b) + TcpSegment.acknowledgment(b) + TcpSegment.flags(b)
                    + TcpSegment.window(b) + TcpSegment.payloadLength(b) + TcpSegment.sequenceLength(b);
        }
    }

    @DictionaryEntries({"\\x03www\\x07example\\x03com\\x00", "\\xc0\\x0c", "\\x00\\x01\\x00\\x01", "\\x00\\x05\\x00\\x01", "\\x01\\x00\\x00\\x01", "\\x81\\x80"})
    @FuzzTest(maxDuration = "30s")
    void dns(byte[] data) {
        DnsMessage.Parse p = DnsMessage.parse(data, data.length);
        if (p instanceof DnsMessage.Parsed parsed) {
            sink += parsed.m().questions().size();
        }
    }

    @DictionaryEntries({"\\x63\\x82\\x53\\x63", "\\x35\\x01\\x01", "\\x35\\x01\\x05", "\\x33\\x04", "\\x36\\x04", "\\x01\\x04\\xff\\xff\\xff\\x00", "\\xff"})
    @FuzzTest(maxDuration = "30s")
    void dhcp(byte[] data) {
        DhcpMessage.Parse p = DhcpMessage.parse(data, data.length);
        sink += p.hashCode() + DhcpMessage.type(data, data.length);
    }
}
