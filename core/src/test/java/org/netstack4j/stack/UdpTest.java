package org.netstack4j.stack;

import org.junit.jupiter.api.Test;
import org.netstack4j.socket.Ping;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.wire.Ipv4Address;

import java.net.BindException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.netstack4j.stack.ProbedHost.HOST;
import static org.netstack4j.stack.ProbedHost.MS;
import static org.netstack4j.stack.ProbedHost.PROBER;
import static org.netstack4j.stack.ProbedHost.SECOND;

/** UDP (RFC 768) sockets: binding, ports, connected peers, queues, checksums, errors. */
class UdpTest {

    private static byte[] datagram(int srcIp, int srcPort, int dstPort, byte[] payload, Packets.Sum sum) {
        return Packets.ip(Packets.UDP, srcIp, HOST, Packets.udp(srcPort, dstPort, srcIp, HOST, payload, sum)).bytes();
    }

    /** Makes the host learn the prober's MAC, so its answers go out at once. */
    private static void introduce(ProbedHost h) throws InterruptedException {
        h.prober.send(Packets.ethernet(Packets.BROADCAST, h.prober.mac, Packets.ARP,
                Packets.arp(1, h.prober.mac, PROBER, 0, HOST)));
        h.idle(10 * MS);
        h.prober.forget();
    }

    @Test
    void bindingAPortInUseFailsUntilItsSocketCloses() throws Exception {
        ProbedHost h = ProbedHost.simulated(HostConfig.DEFAULT);
        h.run(() -> {
            UdpSocket first = UdpSocket.bind(h.host, 5353);
            assertThatThrownBy(() -> UdpSocket.bind(h.host, 5353)).isInstanceOf(BindException.class)
                    .hasMessageContaining("5353");
            UdpSocket unbound = UdpSocket.open(h.host);
            assertThatThrownBy(() -> unbound.bindTo(0, 5353)).isInstanceOf(BindException.class);
            assertThatThrownBy(() -> unbound.bindTo(Ipv4Address.parseBits("10.9.9.9"), 6000))
                    .isInstanceOf(BindException.class);
            unbound.close();
            first.close();
            UdpSocket again = UdpSocket.bind(h.host, 5353);
            assertThat(again.localPort()).isEqualTo(5353);
            again.close();
            return null;
        });
        h.close();
    }

    @Test
    void ephemeralPortsComeFromTheDynamicRange() throws Exception {
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT);
        Set<Integer> ports = h.run(() -> {
            Set<Integer> seen = new HashSet<>();
            List<UdpSocket> open = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                UdpSocket s = UdpSocket.bind(h.host, 0);
                open.add(s);
                seen.add(s.localPort());
            }
            // A socket that sends before binding gets one too.
            UdpSocket lazy = UdpSocket.open(h.host);
            assertThat(lazy.localPort()).isZero();
            lazy.sendTo(new byte[] {1}, PROBER, 9);
            seen.add(lazy.localPort());
            open.add(lazy);
            for (UdpSocket s : open) {
                s.close();
            }
            return seen;
        });
        assertThat(ports).hasSize(201).allSatisfy(p -> assertThat(p).isBetween(49_152, 65_535));
        h.idle(10 * MS);
        List<Packets.View> sent = h.prober.frames(Packets.View::isUdp);
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).udpSourcePort()).isBetween(49_152, 65_535);
        h.close();
    }

    @Test
    void connectedSocketIgnoresOtherPeers() throws Exception {
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT);
        UdpSocket s = h.run(() -> {
            UdpSocket socket = UdpSocket.bind(h.host, 6000);
            socket.connect(PROBER, 4000);
            return socket;
        });
        int stranger = Ipv4Address.parseBits("10.0.2.50");
        h.toHost(datagram(PROBER, 4000, 6000, new byte[] {1}, Packets.Sum.GOOD));
        h.toHost(datagram(PROBER, 4001, 6000, new byte[] {2}, Packets.Sum.GOOD));
        h.toHost(datagram(stranger, 4000, 6000, new byte[] {3}, Packets.Sum.GOOD));
        h.toHost(datagram(PROBER, 4000, 6000, new byte[] {4}, Packets.Sum.GOOD));
        h.idle(10 * MS);
        assertThat(h.drain(s)).containsExactly(new byte[] {1}, new byte[] {4});
        assertThat(h.count(Counter.UDP_NOT_CONNECTED_PEER)).isEqualTo(2);
        assertThat(h.count(Counter.UDP_IN_DATAGRAMS)).isEqualTo(2);
        assertThat(h.prober.frames(Packets.View::isIcmp)).as("a filtered datagram is not an error").isEmpty();
        h.closeSocket(s);
        h.close();
    }

    @Test
    void fullReceiveQueueDropsAndCounts() throws Exception {
        ProbedHost h = ProbedHost.settled(HostConfig.builder().socketBuffers(4096, 256 * 1024).build());
        UdpSocket s = h.bind(6000);
        // 500-byte payloads take 512 bytes of ring each: 8 fit in 4096.
        for (int i = 0; i < 20; i++) {
            h.toHost(datagram(PROBER, 4000, 6000, Packets.pattern(500, i), Packets.Sum.GOOD));
        }
        h.idle(10 * MS);
        assertThat(h.count(Counter.UDP_RCVBUF_ERRORS)).isEqualTo(12);
        assertThat(s.receiveDrops()).isEqualTo(12);
        List<byte[]> got = h.drain(s);
        assertThat(got).hasSize(8);
        for (int i = 0; i < 8; i++) {
            assertThat(got.get(i)).isEqualTo(Packets.pattern(500, i));
        }
        // Room again once read.
        h.toHost(datagram(PROBER, 4000, 6000, Packets.pattern(500, 99), Packets.Sum.GOOD));
        h.idle(10 * MS);
        assertThat(h.drain(s)).containsExactly(Packets.pattern(500, 99));
        assertThat(h.count(Counter.UDP_RCVBUF_ERRORS)).isEqualTo(12);
        assertThat(h.count(Counter.UDP_IN_DATAGRAMS)).isEqualTo(9);
        h.closeSocket(s);
        h.close();
    }

    @Test
    void closedPortIsAnsweredWithPortUnreachable() throws Exception {
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT);
        introduce(h);
        byte[] d = datagram(PROBER, 4000, 6001, Packets.pattern(20, 1), Packets.Sum.GOOD);
        h.toHost(d);
        h.idle(10 * MS);
        List<Packets.View> errors = h.prober.frames(Packets.View::isIcmp);
        assertThat(errors).hasSize(1);
        Packets.View e = errors.get(0);
        assertThat(e.icmpType()).isEqualTo(3);
        assertThat(e.icmpCode()).isEqualTo(3);
        assertThat(e.icmpChecksumOk()).isTrue();
        assertThat(e.ipSource()).isEqualTo(HOST);
        assertThat(Arrays.copyOfRange(e.ipPayload(), 8, e.ipPayload().length)).isEqualTo(Arrays.copyOf(d, 28));
        assertThat(h.count(Counter.UDP_NO_PORTS)).isEqualTo(1);
        assertThat(h.count(Counter.ICMP_OUT_DEST_UNREACHS)).isEqualTo(1);

        // Never for a broadcast.
        int broadcast = Ipv4Address.parseBits("10.0.2.255");
        h.prober.send(Packets.ethernet(Packets.BROADCAST, h.prober.mac, Packets.IPV4,
                Packets.ip(Packets.UDP, PROBER, broadcast,
                        Packets.udp(4000, 6001, PROBER, broadcast, new byte[4], Packets.Sum.GOOD)).bytes()));
        h.idle(10 * MS);
        assertThat(h.count(Counter.UDP_NO_PORTS)).isEqualTo(2);
        assertThat(h.prober.frames(Packets.View::isIcmp)).hasSize(1);
        h.close();
    }

    @Test
    void portUnreachableIsRateLimited() throws Exception {
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT);
        int bucket = HostConfig.DEFAULT.icmpErrorsPerSecond();
        introduce(h);
        for (int i = 0; i < 1000; i++) {
            h.toHost(datagram(PROBER, 4000, 6001, new byte[] {(byte) i}, Packets.Sum.GOOD));
        }
        h.idle(MS); // all in the same instant of simulated time: no tokens come back
        assertThat(h.prober.framesSent()).isEqualTo(1001);
        assertThat(h.count(Counter.UDP_NO_PORTS)).isEqualTo(1000);
        assertThat(h.prober.frames(Packets.View::isIcmp)).hasSize(bucket);
        assertThat(h.count(Counter.ICMP_OUT_DEST_UNREACHS)).isEqualTo(bucket);
        assertThat(h.count(Counter.ICMP_OUT_RATE_LIMITED)).isEqualTo(1000 - bucket);
        // A second later the bucket is full again.
        h.idle(SECOND);
        h.prober.forget();
        h.toHost(datagram(PROBER, 4000, 6001, new byte[] {1}, Packets.Sum.GOOD));
        h.idle(MS);
        assertThat(h.prober.frames(Packets.View::isIcmp)).hasSize(1);
        h.close();
    }

    @Test
    void broadcastsGoOutOnTheLink() throws Exception {
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT);
        h.prober.forget();
        int subnet = Ipv4Address.parseBits("10.0.2.255");
        int limited = Ipv4Address.parseBits("255.255.255.255");
        h.run(() -> {
            try (UdpSocket s = UdpSocket.bind(h.host, 5000)) {
                s.sendTo(new byte[] {1}, subnet, 9);
                s.sendTo(new byte[] {2}, limited, 9);
            }
            return null;
        });
        h.idle(10 * MS);
        List<Packets.View> udp = h.prober.frames(Packets.View::isUdp);
        assertThat(udp).extracting(Packets.View::ipDestination).containsExactly(subnet, limited);
        assertThat(udp).allSatisfy(v -> {
            assertThat(v.dstMac()).isEqualTo(Packets.BROADCAST);
            assertThat(v.ipSource()).isEqualTo(HOST);
        });
        assertThat(h.prober.frames(Packets.View::isArp)).as("no ARP for a broadcast").isEmpty();
        h.close();
    }

    @Test
    void datagramsAndPingsToOurOwnAddressLoopBack() throws Exception {
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT);
        h.prober.forget();
        Object[] got = h.run(() -> {
            try (UdpSocket a = UdpSocket.bind(h.host, 5000); UdpSocket b = UdpSocket.bind(h.host, 5001);
                 Ping p = Ping.open(h.host, 3000)) {
                a.setTimeout(Duration.ofSeconds(1));
                b.setTimeout(Duration.ofSeconds(1));
                byte[] big = Packets.pattern(5000, 1);
                a.sendTo(big, HOST, 5001);
                byte[] buf = new byte[6000];
                int n = b.receive(buf);
                return new Object[] {Arrays.copyOf(buf, n), b.sourceAddress(), b.sourcePort(),
                        p.ping(HOST, 1, 2000, Duration.ofSeconds(1))};
            }
        });
        Packets.assertSameBytes((byte[]) got[0], Packets.pattern(5000, 1));
        assertThat(got[1]).isEqualTo(HOST);
        assertThat(got[2]).isEqualTo(5000);
        assertThat(got[3]).isNotNull();
        h.idle(10 * MS);
        assertThat(h.prober.seen()).as("nothing on the wire").isEmpty();
        h.close();
    }

    @Test
    void aBurstFromOneSocketIsNotDroppedAtTheInterface() throws Exception {
        // More datagrams than the transmit ring and the interface queue hold together (256 + 256),
        // queued by one socket before the loop runs. The host puts every one on the wire; the
        // prober's card, which gets no CPU time during the burst, keeps what fits and counts the rest.
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT);
        introduce(h);
        h.run(() -> {
            try (UdpSocket s = UdpSocket.bind(h.host, 5000)) {
                s.connect(PROBER, 9);
                for (int i = 0; i < 2000; i++) {
                    s.send(new byte[] {(byte) (i >>> 8), (byte) i});
                }
            }
            return null;
        });
        h.idle(100 * MS);
        assertThat(h.count(Counter.ETH_TX_QUEUE_FULL)).isZero();
        assertThat(h.count(Counter.UDP_OUT_DATAGRAMS)).isEqualTo(2000);
        List<Packets.View> udp = h.prober.frames(Packets.View::isUdp);
        int last = -1;
        for (Packets.View v : udp) {
            byte[] p = v.udpPayload();
            int seq = (p[0] & 0xFF) << 8 | (p[1] & 0xFF);
            assertThat(seq).isGreaterThan(last);
            last = seq;
        }
        h.close();
        assertThat(udp.size() + h.prober.missedByCard()).as("received + missed by the prober's card").isEqualTo(2000);
    }

    @Test
    void checksumZeroMeansNoneAndABadOneIsDropped() throws Exception {
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT);
        introduce(h);
        UdpSocket s = h.bind(6000);
        h.toHost(datagram(PROBER, 4000, 6000, new byte[] {1, 1}, Packets.Sum.NONE));
        h.toHost(datagram(PROBER, 4000, 6000, new byte[] {2, 2}, Packets.Sum.WRONG));
        h.toHost(datagram(PROBER, 4000, 6000, new byte[] {3, 3}, Packets.Sum.GOOD));
        // A bad checksum to a closed port: dropped before the port is looked at, so no ICMP error.
        h.toHost(datagram(PROBER, 4000, 6001, new byte[] {4, 4}, Packets.Sum.WRONG));
        h.idle(10 * MS);
        assertThat(h.drain(s)).containsExactly(new byte[] {1, 1}, new byte[] {3, 3});
        assertThat(h.count(Counter.UDP_IN_CSUM_ERRORS)).isEqualTo(2);
        assertThat(h.count(Counter.UDP_IN_ERRORS)).isEqualTo(2);
        assertThat(h.count(Counter.UDP_NO_PORTS)).isZero();
        assertThat(h.prober.frames(Packets.View::isIcmp)).isEmpty();
        h.closeSocket(s);
        h.close();
    }

    @Test
    void receiveNowDoesNotWaitAndReceiveTimesOut() throws Exception {
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT);
        long[] waited = h.run(() -> {
            try (UdpSocket s = UdpSocket.bind(h.host, 6000)) {
                long t0 = h.net.timeline().nanos();
                int n = s.receiveNow(new byte[10], 0, 10);
                long afterNow = h.net.timeline().nanos() - t0;
                s.setTimeout(Duration.ofMillis(250));
                long t1 = h.net.timeline().nanos();
                assertThatThrownBy(() -> s.receive(new byte[10])).isInstanceOf(SocketTimeoutException.class);
                long afterTimeout = h.net.timeline().nanos() - t1;
                return new long[] {n, afterNow, afterTimeout};
            }
        });
        assertThat(waited[0]).isEqualTo(-1);
        assertThat(waited[1]).isZero();
        assertThat(waited[2]).isBetween(250 * MS, 251 * MS);
        h.close();
    }

    @Test
    void aLongDatagramIsCutToTheBuffer() throws Exception {
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT);
        UdpSocket s = h.bind(6000);
        h.toHost(datagram(PROBER, 4000, 6000, Packets.pattern(300, 1), Packets.Sum.GOOD));
        h.idle(10 * MS);
        int[] got = h.run(() -> {
            byte[] buf = new byte[100];
            int n = s.receive(buf);
            int full = s.lastDatagramLength();
            int from = s.sourceAddress();
            int port = s.sourcePort();
            s.close();
            return new int[] {n, full, from, port, Arrays.equals(buf, Arrays.copyOf(Packets.pattern(300, 1), 100)) ? 1 : 0};
        });
        assertThat(got).containsExactly(100, 300, PROBER, 4000, 1);
        h.close();
    }
}
