package org.netstack4j.wire;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.netstack4j.buffer.PacketBuffer;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packet-path methods allocate nothing: building and reading a UDP frame, an ICMP echo and
 * an ARP reply, forwarding an IP packet, in steady state, measured with the JVM's per-thread
 * allocation counter (as MediaAllocationTest does for the media).
 */
class WireAllocationTest {
    private static final int A = 0x0A00020F;
    private static final int B = 0x0A000202;
    private final Packets packets = new Packets();

    @AfterEach
    void close() {
        packets.close();
    }

    @Test
    void steadyStatePacketWorkAllocatesNothing() {
        var mx = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(mx instanceof com.sun.management.ThreadMXBean tm && tm.isThreadAllocatedMemorySupported(),
                "this JVM cannot count allocated bytes per thread");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) mx;
        PacketBuffer b = packets.empty();
        long[] good = {0};

        Runnable round = () -> {
            // UDP down the stack, then up again.
            b.reset();
            b.append(100);
            b.prepend(UdpDatagram.HEADER_LENGTH);
            UdpDatagram.write(b, 40000, 53, A, B);
            b.prepend(Ipv4Packet.MIN_HEADER);
            Ipv4Packet.writeHeader(b, 0, b.length(), 7, Ipv4Packet.FLAG_DF, 64, Ipv4Packet.PROTO_UDP, A, B);
            b.prepend(EthernetFrame.HEADER_LENGTH);
            EthernetFrame.write(b, 0x525400000202L, 0x525400123456L, EthernetFrame.TYPE_IPV4);
            if (EthernetFrame.check(b) == EthernetFrame.Verdict.OK && EthernetFrame.etherType(b) == EthernetFrame.TYPE_IPV4
                    && EthernetFrame.destination(b) == 0x525400000202L) {
                b.trimFront(EthernetFrame.HEADER_LENGTH);
                if (Ipv4Packet.check(b) == Ipv4Packet.Verdict.OK) {
                    int src = Ipv4Packet.source(b);
                    int dst = Ipv4Packet.destination(b);
                    Ipv4Packet.decrementTtl(b);
                    Ipv4Packet.setFragment(b, 0, false);
                    b.truncate(Ipv4Packet.totalLength(b));
                    b.trimFront(Ipv4Packet.headerLength(b));
                    if (UdpDatagram.check(b, src, dst) == UdpDatagram.Verdict.OK && UdpDatagram.destinationPort(b) == 53) {
                        good[0]++;
                    }
                }
            }
            // An ICMP echo answered in place.
            b.reset();
            b.append(64);
            IcmpPacket.writeEcho(b, IcmpPacket.ECHO_REQUEST, 1, 2);
            if (IcmpPacket.check(b) == IcmpPacket.Verdict.OK) {
                IcmpPacket.writeEcho(b, IcmpPacket.ECHO_REPLY, IcmpPacket.identifier(b), IcmpPacket.sequence(b));
                good[0] += IcmpPacket.check(b) == IcmpPacket.Verdict.OK ? 1 : 0;
            }
            // An ARP request and its reply.
            b.reset();
            b.append(ArpPacket.LENGTH);
            ArpPacket.write(b, ArpPacket.OP_REQUEST, 0x525400123456L, A, 0, B);
            if (ArpPacket.check(b) == ArpPacket.Verdict.OK && ArpPacket.targetIp(b) == B) {
                ArpPacket.write(b, ArpPacket.OP_REPLY, 0x525400000202L, B, ArpPacket.senderMac(b), ArpPacket.senderIp(b));
                good[0] += ArpPacket.check(b) == ArpPacket.Verdict.OK ? 1 : 0;
            }
        };
        for (int i = 0; i < 20_000; i++) { // warm up: JIT compilation allocates on the first calls
            round.run();
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 20_000; i++) {
            round.run();
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertThat(good[0]).isEqualTo(40_000 * 3);
        assertThat(allocated).as("bytes allocated for 60,000 packets").isLessThan(4096);
    }
}
