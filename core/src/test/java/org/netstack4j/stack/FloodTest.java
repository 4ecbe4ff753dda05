package org.netstack4j.stack;

import org.junit.jupiter.api.Test;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.wire.Ipv4Address;

import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.stack.ProbedHost.HOST;
import static org.netstack4j.stack.ProbedHost.MS;
import static org.netstack4j.stack.ProbedHost.PROBER;

/**
 * Floods, bounded in count and time (simulated): echo requests, UDP to an open and a closed port,
 * ARP from thousands of senders, first fragments of thousands of datagrams. During each the host
 * keeps answering pings; memory stays within its bounds (neighbour table, reassembly, pools);
 * every frame the interface took is accounted for by a named cause.
 */
class FloodTest {
    private static final int FLOOD = 20_000;
    private static final int BURST = 100;
    private static final int PROBE_ID = 0x5151;

    /**
     * Sends {@code FLOOD} frames in bursts of {@code BURST} a millisecond (about 100,000 a second),
     * and a probe ping every 10 ms; returns how many probes were answered while the flood ran.
     */
    private static int flood(ProbedHost h, IntFunction<byte[]> frame) throws InterruptedException {
        int probes = 0;
        for (int i = 0; i < FLOOD; i += BURST) {
            byte[][] burst = new byte[BURST][];
            for (int k = 0; k < BURST; k++) {
                burst[k] = frame.apply(i + k);
            }
            h.prober.send(burst);
            if ((i / BURST) % 10 == 0) {
                probes++;
                h.toHost(Packets.ip(Packets.ICMP, PROBER, HOST, Packets.echo(8, PROBE_ID, probes, new byte[16])).bytes());
            }
            h.idle(MS);
            h.prober.forgetExcept(v -> v.isIcmp() && v.icmpType() == 0 && v.icmpId() == PROBE_ID);
        }
        int answered = h.prober.frames(v -> v.isIcmp() && v.icmpType() == 0 && v.icmpId() == PROBE_ID).size();
        h.idle(1000 * MS);
        h.prober.forget();
        return answered;
    }

    private static void accounted(ProbedHost h) {
        long accounted = h.count(Counter.ETH_TOO_SHORT) + h.count(Counter.ETH_NOT_FOR_US)
                + h.count(Counter.ETH_UNKNOWN_TYPE) + h.count(Counter.IP_IN_RECEIVES) + h.count(Counter.ARP_IN_PACKETS);
        assertThat(accounted).as("every frame the interface took has a place").isEqualTo(h.count(Counter.ETH_IN_FRAMES));
    }

    private static byte[] toHost(ProbedHost h, byte[] datagram) {
        return Packets.ethernet(h.hostMac, h.prober.mac, Packets.IPV4, datagram);
    }

    @Test
    void anEchoFloodLeavesTheHostAnsweringWithItsBuffersBack() throws Exception {
        try (ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT)) {
            int answered = flood(h, i -> toHost(h, Packets.ip(Packets.ICMP, PROBER, HOST,
                    Packets.echo(8, 1, i, new byte[56])).bytes()));
            assertThat(answered).as("probes answered during the flood").isGreaterThanOrEqualTo(15);
            assertThat(h.count(Counter.ICMP_IN_ECHOS)).as("the flood and the probes").isEqualTo(FLOOD + 20);
            // Every reply left, or waited for the prober's MAC in a queue that bounded it (counted).
            long arpOut = h.count(Counter.ARP_OUT_REQUESTS) + h.count(Counter.ARP_OUT_REPLIES)
                    + h.count(Counter.ARP_OUT_GRATUITOUS);
            assertThat(h.count(Counter.ETH_OUT_FRAMES) - arpOut + h.count(Counter.ARP_PENDING_FULL)
                    + h.count(Counter.BUF_TX_POOL_EMPTY) + h.count(Counter.ETH_TX_QUEUE_FULL))
                    .isEqualTo(h.count(Counter.ICMP_OUT_ECHO_REPS));
            accounted(h);
            assertThat(h.pingAnswered(2, 1)).isTrue();
        }
    }

    @Test
    void udpFloodsToAnOpenAndAClosedPortAreCountedAndBounded() throws Exception {
        try (ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT)) {
            UdpSocket nobodyReads = h.bind(7000);
            int answered = flood(h, i -> toHost(h, Packets.ip(Packets.UDP, PROBER, HOST, Packets.udp(4000, 7000 + (i & 1),
                    PROBER, HOST, new byte[100], Packets.Sum.GOOD)).bytes()));
            assertThat(answered).isGreaterThanOrEqualTo(15);
            long toOpen = h.count(Counter.UDP_IN_DATAGRAMS) + h.count(Counter.UDP_RCVBUF_ERRORS);
            assertThat(h.count(Counter.UDP_RCVBUF_ERRORS)).as("the unread socket's buffer filled, then drops").isPositive();
            assertThat(h.count(Counter.UDP_NO_PORTS)).as("to the closed port").isEqualTo(toOpen);
            assertThat(h.count(Counter.ICMP_OUT_RATE_LIMITED)).as("port unreachables are rate-limited").isPositive();
            assertThat(h.count(Counter.ICMP_OUT_DEST_UNREACHS)).isLessThan(200);
            accounted(h);
            h.closeSocket(nobodyReads);
            assertThat(h.pingAnswered(2, 1)).isTrue();
        }
    }

    @Test
    void anArpFloodFromThousandsOfSendersStaysWithinTheNeighbourTable() throws Exception {
        try (ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT)) {
            int answered = flood(h, i -> {
                long mac = 0x0200_0000_0000L | i;
                int ip = Ipv4Address.parseBits("10.0.0.0") | (i & 0xFFFF) + 1;
                return Packets.ethernet(Packets.BROADCAST, mac, Packets.ARP, Packets.arp(1, mac, ip, 0, HOST));
            });
            assertThat(answered).isGreaterThanOrEqualTo(15);
            assertThat(h.node.nic(0).neighborSnapshot().size()).isLessThanOrEqualTo(HostConfig.DEFAULT.neighborEntries());
            accounted(h);
            assertThat(h.pingAnswered(2, 1)).isTrue();
        }
    }

    @Test
    void aFloodOfFirstFragmentsFillsOnlyTheBoundedReassembly() throws Exception {
        try (ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT)) {
            int answered = flood(h, i -> toHost(h, Packets.ip(Packets.UDP, PROBER, HOST, new byte[64]).id(i)
                    .fragment(0, true).bytes()));
            assertThat(answered).isGreaterThanOrEqualTo(15);
            assertThat(h.count(Counter.IP_REASM_REQDS)).isEqualTo(FLOOD);
            assertThat(h.count(Counter.IP_REASM_OKS)).isZero();
            long collectors = HostConfig.DEFAULT.reassemblyCollectors();
            assertThat(h.count(Counter.IP_REASM_FAILS)).as("refused, but for the collectors still waiting")
                    .isEqualTo(FLOOD - collectors);
            h.idle(31_000 * MS); // the reassembly timeout
            assertThat(h.count(Counter.IP_REASM_FAILS)).as("every one counted").isEqualTo(FLOOD);
            assertThat(h.host.largePoolFull()).as("the reassembly buffers are all back").isTrue();
            accounted(h);
            assertThat(h.pingAnswered(2, 1)).isTrue();
        }
    }
}
