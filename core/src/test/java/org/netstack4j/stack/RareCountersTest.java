package org.netstack4j.stack;

import org.junit.jupiter.api.Test;
import org.netstack4j.buffer.BufferPool;
import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.Ipv4Packet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.stack.ProbedHost.HOST;
import static org.netstack4j.stack.ProbedHost.MS;
import static org.netstack4j.stack.ProbedHost.PROBER;

/** Counters of events no other test produces: each made to happen once, and counted once. */
class RareCountersTest {
    private static final long OTHER_MAC = 0x0200_0000_0077L;

    @Test
    void anArpPacketFromAnotherMachineClaimingOurAddressIsAConflict() throws Exception {
        try (ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT)) {
            h.prober.forget();
            // A gratuitous ARP for 10.0.2.15 from a card that is not ours.
            h.prober.send(Packets.ethernet(Packets.BROADCAST, OTHER_MAC, Packets.ARP,
                    Packets.arp(1, OTHER_MAC, HOST, 0, HOST)));
            h.idle(10 * MS);
            assertThat(h.count(Counter.ARP_ADDRESS_CONFLICTS)).isEqualTo(1);
            assertThat(h.prober.frames(v -> v.isArp())).as("nothing answered, nothing learned").isEmpty();
            assertThat(h.node.nic(0).neighborSnapshot()).noneMatch(n -> n.address().equals(Ipv4Address.format(HOST)));
        }
    }

    /**
     * The modelled card drops runts and frames for other addresses itself (RUC, its address filter),
     * so the interface's own checks are reached only from a promiscuous card or another medium: the
     * frames are handed to the interface directly, while the simulation is paused.
     */
    @Test
    void frameTooShortAndFrameForAnotherStationAreDroppedByTheInterface() throws Exception {
        try (ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT)) {
            BufferPool pool = h.node.machine().txPool();
            int free = pool.free();
            long framesBefore = h.count(Counter.ETH_IN_FRAMES);

            PacketBuffer runt = pool.take();
            runt.append(13);
            h.node.nic(0).input(runt);

            byte[] f = Packets.ethernet(OTHER_MAC, h.prober.mac, Packets.IPV4,
                    Packets.ip(Packets.ICMP, PROBER, HOST, Packets.echo(8, 1, 1, new byte[32])).bytes());
            PacketBuffer other = pool.take();
            other.append(f.length);
            for (int i = 0; i < f.length; i++) {
                other.setByte(i, f[i]);
            }
            h.node.nic(0).input(other);

            assertThat(h.count(Counter.ETH_IN_FRAMES) - framesBefore).isEqualTo(2);
            assertThat(h.count(Counter.ETH_TOO_SHORT)).isEqualTo(1);
            assertThat(h.count(Counter.ETH_NOT_FOR_US)).isEqualTo(1);
            assertThat(h.count(Counter.IP_IN_RECEIVES)).isZero();
            assertThat(pool.free()).as("both buffers released").isEqualTo(free);
        }
    }

    @Test
    void anIcmpTimeExceededIsCounted() throws Exception {
        try (ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT)) {
            // A router's answer to a datagram of ours whose TTL ran out: its header and 8 bytes.
            byte[] ours = Packets.ip(Packets.UDP, HOST, Ipv4Address.parseBits("192.0.2.1"),
                    Packets.udp(5000, 9, HOST, Ipv4Address.parseBits("192.0.2.1"), new byte[16], Packets.Sum.GOOD)).bytes();
            byte[] quoted = Arrays.copyOf(ours, 28);
            h.toHost(Packets.ip(Packets.ICMP, PROBER, HOST, Packets.echo(11, 0, 0, quoted)).bytes());
            h.idle(10 * MS);
            assertThat(h.count(Counter.ICMP_IN_MSGS)).isEqualTo(1);
            assertThat(h.count(Counter.ICMP_IN_TIME_EXCDS)).isEqualTo(1);
            assertThat(h.count(Counter.ICMP_IN_ERRORS)).isZero();
            assertThat(h.count(Counter.ICMP_IN_OTHER)).isZero();
        }
    }

    @Test
    void aDatagramSentWhenEveryTransmitBufferIsTakenIsASendBufferError() throws Exception {
        try (ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT)) {
            // The simulation is paused between idles, so nothing else uses the pool meanwhile.
            BufferPool pool = h.node.machine().txPool();
            List<PacketBuffer> taken = new ArrayList<>();
            for (PacketBuffer b; (b = pool.take()) != null; ) {
                taken.add(b);
            }
            UdpSocket s = h.bind(5000);
            h.run(() -> {
                s.sendTo(new byte[] {1, 2, 3}, PROBER, 9);
                return null;
            });
            h.idle(10 * MS);
            assertThat(h.count(Counter.UDP_SNDBUF_ERRORS)).isEqualTo(1);
            assertThat(h.count(Counter.BUF_TX_POOL_EMPTY)).isEqualTo(1);
            assertThat(h.count(Counter.UDP_OUT_DATAGRAMS)).isZero();

            taken.forEach(PacketBuffer::release);
            h.run(() -> {
                s.sendTo(new byte[] {4, 5, 6}, PROBER, 9);
                return null;
            });
            h.idle(10 * MS);
            assertThat(h.count(Counter.UDP_OUT_DATAGRAMS)).as("with buffers back, a send goes out").isEqualTo(1);
            assertThat(h.prober.frames(v -> v.isUdp())).hasSize(1);
            h.closeSocket(s);
        }
    }

    @Test
    void aDatagramWithNoRoomLeftForItsHeadersIsAnOutputDiscardNotAnException() throws Exception {
        try (ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT)) {
            // Every layer prepends into the buffer's headroom; a buffer that has none left (a bug in
            // whoever built it) is dropped and counted at the IP layer and at the interface alike.
            BufferPool pool = h.node.machine().txPool();
            int free = pool.free();
            PacketBuffer noRoomForIp = pool.take();
            noRoomForIp.prepend(noRoomForIp.headroom() - 10);
            h.host.ip().output(noRoomForIp, HOST, PROBER, Ipv4Packet.PROTO_UDP);
            PacketBuffer noRoomForEthernet = pool.take();
            noRoomForEthernet.prepend(noRoomForEthernet.headroom() - 4);
            h.node.nic(0).sendFrame(noRoomForEthernet, h.prober.mac, org.netstack4j.wire.EthernetFrame.TYPE_IPV4);
            assertThat(h.count(Counter.IP_OUT_DISCARDS)).isEqualTo(2);
            assertThat(h.count(Counter.ETH_OUT_FRAMES)).as("nothing reached the card").isEqualTo(1); // the announcement
            assertThat(pool.free()).as("both buffers released").isEqualTo(free);
        }
    }

    @Test
    void anEchoReplyNoPingWaitsForIsUnclaimed() throws Exception {
        try (ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT)) {
            h.toHost(Packets.ip(Packets.ICMP, PROBER, HOST, Packets.echo(0, 0x7777, 1, new byte[16])).bytes());
            h.idle(10 * MS);
            assertThat(h.count(Counter.ICMP_IN_ECHO_REPS)).isEqualTo(1);
            assertThat(h.count(Counter.ICMP_IN_ECHO_REPS_UNCLAIMED)).isEqualTo(1);
            assertThat(h.count(Counter.ICMP_IN_ECHO_REPS_DROPPED)).isZero();
            assertThat(h.count(Counter.IP_IN_DELIVERS)).isEqualTo(1);
            assertThat(h.count(Counter.ICMP_OUT_MSGS)).as("a reply is not answered").isZero();
        }
    }

    @Test
    void arpAndEchoTrafficIsCountedExactly() throws Exception {
        try (ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT)) {
            long arpIn = h.count(Counter.ARP_IN_PACKETS);
            long outFrames = h.count(Counter.ETH_OUT_FRAMES);
            // A request for the host's address (answered) and an unsolicited reply (learnt or not, counted).
            h.prober.send(Packets.ethernet(Packets.BROADCAST, h.prober.mac, Packets.ARP,
                    Packets.arp(1, h.prober.mac, PROBER, 0, HOST)));
            h.prober.send(Packets.ethernet(h.hostMac, OTHER_MAC, Packets.ARP,
                    Packets.arp(2, OTHER_MAC, Ipv4Address.parseBits("10.0.2.77"), h.hostMac, HOST)));
            h.idle(10 * MS);
            assertThat(h.count(Counter.ARP_IN_PACKETS) - arpIn).isEqualTo(2);
            assertThat(h.count(Counter.ARP_IN_REQUESTS)).isEqualTo(1);
            assertThat(h.count(Counter.ARP_IN_REPLIES)).isEqualTo(1);
            assertThat(h.count(Counter.ETH_OUT_FRAMES) - outFrames).as("the ARP reply").isEqualTo(1);

            assertThat(h.pingAnswered(9, 1)).isTrue();
            assertThat(h.count(Counter.IP_IN_DELIVERS)).isEqualTo(1);
            assertThat(h.count(Counter.ICMP_OUT_MSGS)).isEqualTo(1);
            assertThat(h.count(Counter.ICMP_OUT_ECHO_REPS)).isEqualTo(1);
            assertThat(h.count(Counter.ETH_OUT_FRAMES) - outFrames).as("and the echo reply").isEqualTo(2);
        }
    }
}
