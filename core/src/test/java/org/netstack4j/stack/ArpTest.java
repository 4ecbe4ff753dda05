package org.netstack4j.stack;

import org.junit.jupiter.api.Test;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.wire.Ipv4Address;

import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.stack.ProbedHost.HOST;
import static org.netstack4j.stack.ProbedHost.MS;
import static org.netstack4j.stack.ProbedHost.PROBER;
import static org.netstack4j.stack.ProbedHost.SECOND;

/** ARP (RFC 826) as a peer on the wire sees it, with its bounds, timers and rate limit. */
class ArpTest {
    private static final long OTHER_MAC = 0x0200_0000_0077L;

    private static byte[] request(long sha, int spa, int tpa) {
        return Packets.ethernet(Packets.BROADCAST, sha, Packets.ARP, Packets.arp(1, sha, spa, 0, tpa));
    }

    /** Sends {@code count} datagrams from the host to {@code address}:9 with payloads 0, 1, 2... */
    private static void sendFromHost(ProbedHost h, int address, int count) throws Exception {
        h.run(() -> {
            try (UdpSocket s = UdpSocket.bind(h.host, 5000)) {
                for (int i = 0; i < count; i++) {
                    s.sendTo(new byte[] {(byte) i}, address, 9);
                }
            }
            return null;
        });
    }

    private static String neighborState(ProbedHost h, int address) {
        return h.node.nic(0).neighborSnapshot().stream()
                .filter(n -> n.address().equals(Ipv4Address.format(address)))
                .map(Neighbor::state).findFirst().orElse("absent");
    }

    @Test
    void gratuitousArpAtStart() throws Exception {
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT);
        List<Prober.Seen> seen = h.prober.seen();
        assertThat(seen).hasSize(1);
        Packets.View g = seen.get(0).frame();
        assertThat(seen.get(0).nanos()).isZero();
        assertThat(g.isArp()).isTrue();
        assertThat(g.dstMac()).isEqualTo(Packets.BROADCAST);
        assertThat(g.arpOp()).isEqualTo(1);
        assertThat(g.arpSenderMac()).isEqualTo(h.hostMac);
        assertThat(g.arpSenderIp()).isEqualTo(HOST);
        assertThat(g.arpTargetIp()).isEqualTo(HOST);
        assertThat(g.arpTargetMac()).isZero();
        assertThat(h.count(Counter.ARP_OUT_GRATUITOUS)).isEqualTo(1);
        assertThat(h.count(Counter.ARP_OUT_REQUESTS)).isZero();
        h.close();
    }

    @Test
    void requestForOurAddressIsAnsweredAndOthersAreNot() throws Exception {
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT);
        h.prober.forget();
        h.prober.send(request(h.prober.mac, PROBER, HOST));
        h.idle(10 * MS);
        List<Packets.View> replies = h.prober.frames(Packets.View::isArp);
        assertThat(replies).hasSize(1);
        Packets.View r = replies.get(0);
        assertThat(r.dstMac()).isEqualTo(h.prober.mac);
        assertThat(r.srcMac()).isEqualTo(h.hostMac);
        assertThat(r.arpOp()).isEqualTo(2);
        assertThat(r.arpSenderMac()).isEqualTo(h.hostMac);
        assertThat(r.arpSenderIp()).isEqualTo(HOST);
        assertThat(r.arpTargetMac()).isEqualTo(h.prober.mac);
        assertThat(r.arpTargetIp()).isEqualTo(PROBER);
        assertThat(neighborState(h, PROBER)).isEqualTo("reachable");

        // A request for someone else: no answer, and its sender is not learned (RFC 826 merge).
        int other = Ipv4Address.parseBits("10.0.2.77");
        h.prober.send(request(OTHER_MAC, other, Ipv4Address.parseBits("10.0.2.1")));
        h.idle(10 * MS);
        assertThat(h.prober.frames(Packets.View::isArp)).hasSize(1);
        assertThat(neighborState(h, other)).isEqualTo("absent");

        assertThat(h.count(Counter.ARP_IN_REQUESTS)).isEqualTo(2);
        assertThat(h.count(Counter.ARP_OUT_REPLIES)).isEqualTo(1);
        assertThat(h.count(Counter.ARP_IN_ERRORS)).isZero();
        h.close();
    }

    @Test
    void repliesThatGetNoBufferAreCountedAsDiscardsNotAsSent() throws Exception {
        // The host has four transmit buffers: a burst of 16 requests handled in one poll, whose
        // replies wait in the ring until the batch ends, leaves most replies without a buffer.
        ProbedHost h = ProbedHost.withTxBuffers(4, HostConfig.DEFAULT);
        h.idle(10 * MS);
        h.prober.forget();
        long before = h.count(Counter.ARP_OUT_REPLIES);
        int requests = Prober.BATCH;
        for (int i = 0; i < requests; i++) {
            h.prober.send(request(h.prober.mac, PROBER, HOST));
        }
        h.idle(100 * MS);
        long answered = h.prober.frames(v -> v.isArp() && v.arpOp() == 2).size();
        assertThat(h.count(Counter.ARP_IN_REQUESTS)).isEqualTo(requests);
        assertThat(h.count(Counter.ARP_OUT_REPLIES) - before).as("replies counted").isEqualTo(answered);
        assertThat(h.count(Counter.ARP_OUT_DISCARDS)).as("replies without a buffer").isPositive()
                .isEqualTo(requests - answered);
        assertThat(h.count(Counter.BUF_TX_POOL_EMPTY)).isGreaterThanOrEqualTo(requests - answered);
        h.close();
    }

    @Test
    void probeForOurAddressIsDefended() throws Exception {
        // RFC 5227 / arping -D: a request with sender IP 0.0.0.0 asks "is anyone using this address?".
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT);
        h.prober.forget();
        h.prober.send(request(OTHER_MAC, 0, HOST));
        h.idle(10 * MS);
        List<Packets.View> replies = h.prober.frames(Packets.View::isArp);
        assertThat(replies).as("the owner of the address answers a probe").hasSize(1);
        Packets.View r = replies.get(0);
        assertThat(r.dstMac()).isEqualTo(OTHER_MAC);
        assertThat(r.arpOp()).isEqualTo(2);
        assertThat(r.arpSenderMac()).isEqualTo(h.hostMac);
        assertThat(r.arpSenderIp()).isEqualTo(HOST);
        assertThat(r.arpTargetMac()).isEqualTo(OTHER_MAC);
        assertThat(r.arpTargetIp()).isZero();
        // Nothing is learned from a probe, and a probe for another address is not answered.
        assertThat(neighborState(h, 0)).isEqualTo("absent");
        h.prober.send(request(OTHER_MAC, 0, Ipv4Address.parseBits("10.0.2.16")));
        h.idle(10 * MS);
        assertThat(h.prober.frames(Packets.View::isArp)).hasSize(1);
        h.close();
    }

    @Test
    void unansweredResolutionRetriesThreeTimesThenFailsAndHolds() throws Exception {
        ProbedHost h = ProbedHost.simulated(HostConfig.DEFAULT);
        h.prober.answerArp(false);
        h.idle(10 * MS);
        long t0 = h.now();
        sendFromHost(h, PROBER, 2);
        h.idle(3 * SECOND + 50 * MS);

        List<Prober.Seen> requests = h.prober.arpRequestsFor(PROBER);
        assertThat(requests).hasSize(3);
        for (int i = 0; i < 3; i++) {
            Packets.View r = requests.get(i).frame();
            assertThat(r.dstMac()).isEqualTo(Packets.BROADCAST);
            assertThat(r.arpSenderIp()).isEqualTo(HOST);
            assertThat(requests.get(i).nanos() - t0).as("request %d", i).isBetween(i * SECOND, i * SECOND + MS);
        }
        assertThat(h.prober.frames(Packets.View::isUdp)).isEmpty();
        assertThat(h.count(Counter.ARP_OUT_REQUESTS)).isEqualTo(3);
        assertThat(h.count(Counter.ARP_RESOLUTION_FAILED)).isEqualTo(2);
        assertThat(neighborState(h, PROBER)).isEqualTo("failed");

        // Within the hold, packets are dropped at once and nobody is asked.
        sendFromHost(h, PROBER, 1);
        h.idle(100 * MS);
        assertThat(h.count(Counter.ARP_UNRESOLVED_DROPS)).isEqualTo(1);
        assertThat(h.prober.arpRequestsFor(PROBER)).hasSize(3);

        // After the hold the host asks again, and this time gets an answer: the datagram goes out.
        h.idle(SECOND);
        h.prober.answerArp(true);
        sendFromHost(h, PROBER, 1);
        h.idle(100 * MS);
        assertThat(h.prober.arpRequestsFor(PROBER)).hasSize(4);
        assertThat(h.prober.frames(Packets.View::isUdp)).hasSize(1);
        assertThat(neighborState(h, PROBER)).isEqualTo("reachable");
        assertThat(h.count(Counter.ARP_RESOLUTION_FAILED)).isEqualTo(2);
        h.close();
    }

    @Test
    void packetsWaitingForOneNeighbourAreBounded() throws Exception {
        ProbedHost h = ProbedHost.simulated(HostConfig.DEFAULT);
        int limit = HostConfig.DEFAULT.neighborPending();
        h.prober.answerArp(false);
        h.idle(10 * MS);
        sendFromHost(h, PROBER, limit + 2);
        h.idle(10 * MS);
        assertThat(h.count(Counter.ARP_PENDING_FULL)).isEqualTo(2);
        assertThat(h.host.interfaceList().get(0).neighbors().pendingTotal()).isEqualTo(limit);
        // The second request is answered: the ones that waited go out, in order.
        h.prober.answerArp(true);
        h.idle(SECOND);
        List<Packets.View> udp = h.prober.frames(Packets.View::isUdp);
        assertThat(udp).extracting(v -> (int) v.udpPayload()[0])
                .containsExactlyElementsOf(IntStream.range(0, limit).boxed().toList());
        assertThat(udp).allSatisfy(v -> assertThat(v.dstMac()).isEqualTo(h.prober.mac));
        assertThat(h.host.interfaceList().get(0).neighbors().pendingTotal()).isZero();
        assertThat(h.count(Counter.ARP_RESOLUTION_FAILED)).isZero();
        h.close();
    }

    @Test
    void packetsWaitingOnAnInterfaceAreBounded() throws Exception {
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT); // 256 per interface
        h.run(() -> {
            try (UdpSocket s = UdpSocket.bind(h.host, 5000)) {
                for (int a = 0; a < 20; a++) {
                    for (int i = 0; i < 16; i++) {
                        s.sendTo(new byte[] {(byte) i}, Ipv4Address.parseBits("10.0.2." + (100 + a)), 9);
                    }
                }
            }
            return null;
        });
        h.idle(10 * MS);
        assertThat(h.count(Counter.ARP_PENDING_FULL)).isEqualTo(20 * 16 - 256);
        assertThat(h.host.interfaceList().get(0).neighbors().pendingTotal()).isEqualTo(256);
        h.idle(5 * SECOND);
        assertThat(h.count(Counter.ARP_RESOLUTION_FAILED)).isEqualTo(256);
        assertThat(h.host.interfaceList().get(0).neighbors().pendingTotal()).isZero();
        h.close();
    }

    @Test
    void floodOfRequestsFromThousandSendersNeverGrowsTheTable() throws Exception {
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT);
        int size = HostConfig.DEFAULT.neighborEntries();
        h.prober.forget();
        int maxSeen = 0;
        for (int i = 0; i < 1000; i++) {
            long mac = 0x0200_0000_0000L | i;
            int ip = Ipv4Address.parseBits("10.1." + (i / 250) + "." + (i % 250 + 1));
            h.prober.send(request(mac, ip, HOST));
            if (i % 50 == 49) {
                h.idle(MS);
                int entries = h.node.nic(0).neighborSnapshot().size();
                assertThat(entries).isLessThanOrEqualTo(size);
                maxSeen = Math.max(maxSeen, entries);
            }
        }
        h.idle(10 * MS);
        assertThat(maxSeen).isEqualTo(size);
        assertThat(h.count(Counter.ARP_IN_REQUESTS)).isEqualTo(1000);
        assertThat(h.count(Counter.ARP_OUT_REPLIES)).isEqualTo(1000);
        assertThat(h.prober.frames(v -> v.isArp() && v.arpOp() == 2)).hasSize(1000);
        // The newest senders are the ones remembered.
        assertThat(neighborState(h, Ipv4Address.parseBits("10.1.3.250"))).isEqualTo("reachable");
        assertThat(neighborState(h, Ipv4Address.parseBits("10.1.0.1"))).isEqualTo("absent");
        // And the host still works: it answers a ping from the prober.
        assertThat(h.pingAnswered(7, 1)).isTrue();
        h.close();
    }

    @Test
    void tableFullOfUnresolvedEntriesRefusesNewOnes() throws Exception {
        HostConfig small = HostConfig.builder().neighbors(8, 4, 64).build();
        ProbedHost h = ProbedHost.settled(small);
        h.run(() -> {
            try (UdpSocket s = UdpSocket.bind(h.host, 5000)) {
                for (int a = 0; a < 20; a++) {
                    s.sendTo(new byte[] {1}, Ipv4Address.parseBits("10.0.2." + (100 + a)), 9);
                }
            }
            return null;
        });
        h.idle(10 * MS);
        assertThat(h.node.nic(0).neighborSnapshot()).hasSize(8);
        assertThat(h.count(Counter.ARP_TABLE_FULL)).isEqualTo(12);
        assertThat(h.count(Counter.ARP_OUT_REQUESTS)).isEqualTo(8);
        h.close();
    }

    @Test
    void staticEntriesNeedNoResolutionAndCannotBeOverwritten() throws Exception {
        ProbedHost h = ProbedHost.simulated(HostConfig.DEFAULT, WakeMode.NAPI,
                p -> p.host.addStaticNeighbor(p.node.nic(0), PROBER, p.prober.mac));
        h.prober.answerArp(false);
        h.idle(10 * MS);
        sendFromHost(h, PROBER, 3);
        h.idle(10 * MS);
        // A forged reply claiming the address for another card changes nothing.
        h.prober.send(Packets.ethernet(h.hostMac, OTHER_MAC, Packets.ARP,
                Packets.arp(2, OTHER_MAC, PROBER, h.hostMac, HOST)));
        h.idle(10 * MS);
        sendFromHost(h, PROBER, 1);
        h.idle(10 * MS);

        List<Packets.View> udp = h.prober.frames(Packets.View::isUdp);
        assertThat(udp).hasSize(4);
        assertThat(udp).allSatisfy(v -> assertThat(v.dstMac()).isEqualTo(h.prober.mac));
        // The only ARP the host ever sent is its announcement.
        assertThat(h.prober.frames(Packets.View::isArp)).hasSize(1);
        assertThat(h.count(Counter.ARP_OUT_REQUESTS)).isZero();
        assertThat(h.count(Counter.ARP_OUT_GRATUITOUS)).isEqualTo(1);
        assertThat(neighborState(h, PROBER)).isEqualTo("static");
        h.close();
    }

    @Test
    void anExpiredEntryIsCheckedByUnicastAndForgottenIfSilent() throws Exception {
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT); // trusted for 60 s
        sendFromHost(h, PROBER, 1);
        h.idle(10 * MS);
        assertThat(neighborState(h, PROBER)).isEqualTo("reachable");
        assertThat(h.prober.arpRequestsFor(PROBER)).hasSize(1);

        // Past its time, the entry is still used, and checked with a request to the MAC it names.
        h.idle(61 * SECOND);
        h.prober.forget();
        sendFromHost(h, PROBER, 1);
        h.idle(10 * MS);
        assertThat(h.prober.frames(Packets.View::isUdp)).hasSize(1);
        List<Prober.Seen> check = h.prober.arpRequestsFor(PROBER);
        assertThat(check).hasSize(1);
        assertThat(check.get(0).frame().dstMac()).isEqualTo(h.prober.mac);
        assertThat(neighborState(h, PROBER)).isEqualTo("reachable"); // answered

        // The next time nobody answers: three unicast checks, then the entry is gone.
        h.idle(61 * SECOND);
        h.prober.forget();
        h.prober.answerArp(false);
        sendFromHost(h, PROBER, 1);
        h.idle(3 * SECOND + 50 * MS);
        assertThat(h.prober.frames(Packets.View::isUdp)).hasSize(1);
        assertThat(h.prober.arpRequestsFor(PROBER)).hasSize(3)
                .allSatisfy(r -> assertThat(r.frame().dstMac()).isEqualTo(h.prober.mac));
        assertThat(neighborState(h, PROBER)).isEqualTo("absent");
        // So the next packet starts over with a broadcast.
        sendFromHost(h, PROBER, 1);
        h.idle(10 * MS);
        List<Prober.Seen> fresh = h.prober.arpRequestsFor(PROBER);
        assertThat(fresh).hasSize(4);
        assertThat(fresh.get(3).frame().dstMac()).isEqualTo(Packets.BROADCAST);
        assertThat(h.prober.frames(Packets.View::isUdp)).hasSize(1);
        h.close();
    }

    @Test
    void requestsAreRateLimited() throws Exception {
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT); // 50 requests/s, bursts of 50
        int perSecond = HostConfig.DEFAULT.arpRequestsPerSecond();
        long t0 = h.now();
        h.run(() -> {
            try (UdpSocket s = UdpSocket.bind(h.host, 5000)) {
                for (int a = 0; a < 60; a++) {
                    s.sendTo(new byte[] {1}, Ipv4Address.parseBits("10.0.2." + (100 + a)), 9);
                }
            }
            return null;
        });
        h.idle(MS);
        assertThat(h.count(Counter.ARP_OUT_REQUESTS)).isEqualTo(perSecond);
        assertThat(h.count(Counter.ARP_REQUESTS_RATE_LIMITED)).isEqualTo(10);

        h.idle(10 * SECOND);
        List<Prober.Seen> requests = h.prober.seen(v -> v.isArp() && v.arpOp() == 1 && v.arpSenderIp() != v.arpTargetIp());
        // Every address is still asked three times in the end, but never faster than the bucket allows.
        assertThat(requests).hasSize(60 * 3);
        for (int i = 0; i < requests.size(); i++) {
            double seconds = (requests.get(i).nanos() - t0) / 1e9;
            assertThat(i + 1).as("requests by %.3f s", seconds).isLessThanOrEqualTo(perSecond + (int) (perSecond * seconds) + 1);
        }
        assertThat(h.count(Counter.ARP_RESOLUTION_FAILED)).isEqualTo(60);
        h.close();
    }
}
