package org.netstack4j.stack;

import org.junit.jupiter.api.Test;
import org.netstack4j.lab.LabServices;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.wire.Ipv4Address;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.stack.ProbedHost.HOST;
import static org.netstack4j.stack.ProbedHost.MS;
import static org.netstack4j.stack.ProbedHost.PROBER;

/**
 * Frames a hostile peer sends to take a service down, each found against {@code up} over TAP:
 * a datagram from port 0, a forged port unreachable quoting 0.0.0.0:0, and pings with malformed,
 * source-routing or recording options. The stack answers each as Linux does, counts it, and the
 * services (the lab's UDP service on 2000 and DNS on 53) go on answering.
 */
class HostileInputTest {
    private static final byte[] HELLO = "hello".getBytes(StandardCharsets.US_ASCII);

    private static LabServices services(ProbedHost h) throws Exception {
        return LabServices.start(h.net, h.host, 2000, Map.of("pdos.csail.mit.edu", List.of(0x80348182)));
    }

    /** A datagram from the prober's port 4000 to {@code port}; true if the host answered it within 100 ms. */
    private static boolean answered(ProbedHost h, int port, byte[] payload) throws InterruptedException {
        int before = h.prober.frames(v -> v.isUdp() && v.udpSourcePort() == port).size();
        h.toHost(Packets.ip(Packets.UDP, PROBER, HOST, Packets.udp(4000, port, PROBER, HOST, payload, Packets.Sum.GOOD)).bytes());
        h.idle(100 * MS);
        return h.prober.frames(v -> v.isUdp() && v.udpSourcePort() == port).size() == before + 1;
    }

    private static byte[] dnsQuery() {
        return new byte[] {0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 4, 'p', 'd', 'o', 's', 0, 0, 1, 0, 1};
    }

    @Test
    void aDatagramFromPortZeroNeverReachesTheServiceWhichGoesOn() throws Exception {
        try (ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT)) {
            LabServices s = services(h);
            h.toHost(Packets.ip(Packets.UDP, PROBER, HOST, Packets.udp(0, 2000, PROBER, HOST, HELLO, Packets.Sum.GOOD)).bytes());
            h.toHost(Packets.ip(Packets.UDP, PROBER, HOST, Packets.udp(0, 53, PROBER, HOST, dnsQuery(), Packets.Sum.GOOD)).bytes());
            h.idle(100 * MS);
            assertThat(h.count(Counter.UDP_IN_PORT_ZERO)).isEqualTo(2);
            assertThat(h.count(Counter.UDP_IN_DATAGRAMS)).isZero();
            assertThat(h.prober.frames(v -> v.isUdp() || v.isIcmp())).as("nothing answered, no port unreachable").isEmpty();
            assertThat(answered(h, 2000, HELLO)).isTrue();
            assertThat(answered(h, 53, dnsQuery())).isTrue();
            assertThat(s.running()).containsExactly("udp/2000", "dns/53");
            assertThat(s.udpFaults().total() + s.dns().faults().total()).isZero();
            h.run(() -> {
                s.close();
                return null;
            });
        }
    }

    @Test
    void aForgedPortUnreachableReachesOnlyAConnectedSocketOfItsOwnFourTuple() throws Exception {
        try (ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT)) {
            LabServices s = services(h);
            UdpSocket connected = h.run(() -> {
                UdpSocket c = UdpSocket.bind(h.host, 5555);
                c.connect(PROBER, 9);
                return c;
            });
            for (int port : new int[] {2000, 53, 5555}) {
                // As the scapy: IP(src=HOST, dst=0.0.0.0)/UDP(sport=port, dport=0), 28 bytes quoted.
                byte[] quoted = Arrays.copyOf(Packets.ip(Packets.UDP, HOST, 0,
                        Packets.udp(port, 0, HOST, 0, new byte[0], Packets.Sum.NONE)).bytes(), 28);
                h.toHost(Packets.ip(Packets.ICMP, PROBER, HOST, Packets.icmpError(3, 3, quoted)).bytes());
            }
            // And one for the connected socket's own 4-tuple: that one it hears.
            byte[] own = Arrays.copyOf(Packets.ip(Packets.UDP, HOST, PROBER,
                    Packets.udp(5555, 9, HOST, PROBER, new byte[4], Packets.Sum.GOOD)).bytes(), 28);
            h.toHost(Packets.ip(Packets.ICMP, PROBER, HOST, Packets.icmpError(3, 3, own)).bytes());
            h.idle(10 * MS);
            assertThat(h.count(Counter.UDP_UNREACHABLE_IGNORED)).isEqualTo(3);
            assertThat(answered(h, 2000, HELLO)).as("the UDP service still answers").isTrue();
            assertThat(answered(h, 53, dnsQuery())).as("so does DNS").isTrue();
            Throwable heard = h.run(() -> {
                try {
                    connected.send(new byte[1]);
                    return null;
                } catch (java.net.PortUnreachableException e) {
                    return e;
                }
            });
            assertThat(heard).as("the connected socket heard of its own").isNotNull();
            assertThat(s.running()).containsExactly("udp/2000", "dns/53");
            h.run(() -> {
                s.close();
                connected.close();
                return null;
            });
        }
    }

    @Test
    void repliesToAddressesNoHostCanHaveAreDroppedByTheStackNotThrown() throws Exception {
        try (ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT)) {
            UdpSocket u = h.bind(6000);
            h.run(() -> {
                u.sendTo(HELLO, PROBER, 0);
                u.sendTo(HELLO, 0, 53);
                u.sendTo(HELLO, Ipv4Address.parseBits("127.0.0.1"), 53);
                u.sendTo(HELLO, PROBER, 7); // and a good one
                return null;
            });
            h.idle(10 * MS);
            assertThat(h.count(Counter.UDP_OUT_BAD_DESTINATION)).isEqualTo(3);
            assertThat(h.count(Counter.UDP_OUT_DATAGRAMS)).isEqualTo(1);
            assertThat(h.prober.frames(Packets.View::isUdp)).hasSize(1);
            h.closeSocket(u);
        }
    }

    @Test
    void malformedOptionsGetAParameterProblemPointingAtTheBadByte() throws Exception {
        try (ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT)) {
            // The IPOption(b"\\x07\\x01\\x00\\x00"): Record Route with a length of 1.
            byte[] request = Packets.ip(Packets.ICMP, PROBER, HOST, Packets.echo(8, 1, 1, new byte[16]))
                    .options(new byte[] {7, 1, 0, 0}).bytes();
            h.toHost(request);
            h.idle(10 * MS);
            List<Packets.View> icmp = h.prober.frames(Packets.View::isIcmp);
            assertThat(icmp).hasSize(1);
            assertThat(icmp.get(0).icmpType()).isEqualTo(12);
            byte[] body = icmp.get(0).ipPayload();
            assertThat(body[4] & 0xFF).as("the pointer: the length byte, 21").isEqualTo(21);
            assertThat(Arrays.copyOfRange(body, 8, body.length)).isEqualTo(Arrays.copyOf(request, 24 + 8));
            assertThat(h.count(Counter.IP_IN_BAD_OPTIONS)).isEqualTo(1);
            assertThat(h.count(Counter.IP_IN_HDR_ERRORS)).isEqualTo(1);
            assertThat(h.count(Counter.ICMP_OUT_PARM_PROBS)).isEqualTo(1);
            assertThat(h.count(Counter.ICMP_IN_ECHOS)).as("never reached ICMP").isZero();
            assertThat(h.pingAnswered(2, 2)).isTrue();
        }
    }

    @Test
    void sourceRoutedPingsAreRefusedAsLinuxRefusesThem() throws Exception {
        try (ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT)) {
            // Loose source route through 10.0.2.99, pointer at the first address; padded with End.
            byte[] lsrr = {(byte) 131, 7, 4, 10, 0, 2, 99, 0};
            h.toHost(Packets.ip(Packets.ICMP, PROBER, HOST, Packets.echo(8, 1, 1, new byte[16])).options(lsrr).bytes());
            h.idle(10 * MS);
            assertThat(h.prober.frames(Packets.View::isIcmp)).isEmpty();
            assertThat(h.count(Counter.IP_IN_SOURCE_ROUTED)).isEqualTo(1);
            assertThat(h.pingAnswered(2, 2)).isTrue();
        }
    }

    @Test
    void recordRouteAndTimestampComeBackInTheReplyWithThisHostAdded() throws Exception {
        try (ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT)) {
            // Record Route with room for two addresses, the prober's already in; Timestamp (flag 0), room for two.
            byte[] options = {7, 11, 8, 10, 0, 2, 99, 0, 0, 0, 0, 68, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
            byte[] padded = Arrays.copyOf(options, 28); // End of options after: 28 bytes
            byte[] data = Packets.pattern(16, 3);
            h.toHost(Packets.ip(Packets.ICMP, PROBER, HOST, Packets.echo(8, 5, 1, data)).options(padded).bytes());
            h.idle(10 * MS);
            List<Packets.View> replies = h.prober.frames(v -> v.isIcmp() && v.icmpType() == 0);
            assertThat(replies).hasSize(1);
            Packets.View r = replies.get(0);
            assertThat(r.ipChecksumOk()).isTrue();
            assertThat(r.ihl()).as("24 bytes of options: 20 + 24").isEqualTo(44);
            byte[] frame = r.f();
            int o = 14 + 20;
            assertThat(Arrays.copyOfRange(frame, o, o + 11)).as("our address recorded after the prober's")
                    .containsExactly(7, 11, 12, 10, 0, 2, 99, 10, 0, 2, 15);
            assertThat(frame[o + 11] & 0xFF).isEqualTo(68);
            assertThat(frame[o + 13] & 0xFF).as("timestamp pointer moved on").isEqualTo(9);
            assertThat(frame[o + 15] & 0x80).as("a timestamp not in UT: high-order bit set").isEqualTo(0x80);
            assertThat(r.ipPayload()).isEqualTo(Packets.echo(0, 5, 1, data));
        }
    }
}
