package org.netstack4j.stack;

import org.junit.jupiter.api.Test;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.Network;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.stack.ProbedHost.MS;

/** Which addresses are broadcasts, how broadcasts leave the host, and what is never answered. */
class BroadcastTest {

    /** A UDP datagram from the prober to {@code port} at the host's address. */
    private static byte[] udpToHost(ProbedHost h, int port) {
        return Packets.ip(Packets.UDP, h.proberAddress, h.hostAddress,
                Packets.udp(4000, port, h.proberAddress, h.hostAddress, new byte[8], Packets.Sum.GOOD)).bytes();
    }

    /** Sends one datagram from the host to {@code destination}:9 on an application thread. */
    private static void sendFromHost(ProbedHost h, int destination) throws Exception {
        h.run(() -> {
            try (UdpSocket s = UdpSocket.bind(h.host, 5000)) {
                s.sendTo(new byte[] {1}, destination, 9);
            }
            return null;
        });
    }

    @Test
    void broadcastsGoToEveryoneOnTheLinkEvenWithADefaultGateway() throws Exception {
        // The default route 0/0 matches 255.255.255.255 too; a broadcast must not be sent to the
        // gateway's MAC (or wait for an ARP answer from it), but to everyone on the link.
        int gateway = Ipv4Address.parseBits("10.0.2.1"); // nobody: it never answers ARP
        ProbedHost h = ProbedHost.settled("10.0.2.15/24", "10.0.2.99", HostConfig.DEFAULT,
                p -> p.host.setDefaultGateway(gateway));
        h.prober.forget();
        int limited = Ipv4Address.parseBits("255.255.255.255");
        int subnet = Ipv4Address.parseBits("10.0.2.255");
        sendFromHost(h, limited);
        sendFromHost(h, subnet);
        h.idle(10 * MS);
        List<Packets.View> udp = h.prober.frames(Packets.View::isUdp);
        assertThat(udp).extracting(Packets.View::ipDestination).containsExactly(limited, subnet);
        assertThat(udp).allSatisfy(v -> {
            assertThat(v.dstMac()).isEqualTo(Packets.BROADCAST);
            assertThat(v.ipSource()).isEqualTo(h.hostAddress);
        });
        assertThat(h.prober.arpRequestsFor(gateway)).as("no ARP for the gateway").isEmpty();
        assertThat(h.count(Counter.ARP_OUT_REQUESTS)).isZero();
        h.close();
    }

    @Test
    void aLimitedBroadcastLeavesByTheInterfaceOfItsSourceAddress() throws Exception {
        Network net = Network.simulated(2);
        Network.Node node = net.addHost("host", MacAddress.parse(ProbedHost.HOST_MAC), "10.0.2.15/24",
                WakeMode.NAPI, HostConfig.DEFAULT);
        net.addInterface(node, "eth1", MacAddress.parse("52:54:00:12:34:57"), "10.0.3.1/24", WakeMode.NAPI);
        node.host().setDefaultGateway(Ipv4Address.parseBits("10.0.2.1"));
        Prober left = Prober.attach(net, "left", "52:54:00:00:00:98", "10.0.2.99", node, 0);
        Prober right = Prober.attach(net, "right", "52:54:00:00:00:99", "10.0.3.99", node, 1);
        net.start();
        net.idle(10 * MS);
        left.forget();
        right.forget();
        int limited = Ipv4Address.parseBits("255.255.255.255");
        int first = Ipv4Address.parseBits("10.0.2.15");
        int second = Ipv4Address.parseBits("10.0.3.1");
        net.run("send", () -> {
            try (UdpSocket any = UdpSocket.bind(node.host(), 5000); UdpSocket bound = UdpSocket.open(node.host())) {
                bound.bindTo(second, 5001);
                any.sendTo(new byte[] {1}, limited, 9);                              // the default route's interface
                bound.sendTo(new byte[] {2}, limited, 9);                            // its source's interface
                any.sendTo(new byte[] {3}, Ipv4Address.parseBits("10.0.3.255"), 9);  // that subnet's interface
            }
            return null;
        });
        net.idle(10 * MS);
        List<Packets.View> onLeft = left.frames(Packets.View::isUdp);
        List<Packets.View> onRight = right.frames(Packets.View::isUdp);
        assertThat(onLeft).extracting(v -> v.udpPayload()[0]).containsExactly((byte) 1);
        assertThat(onLeft).extracting(Packets.View::ipSource).containsExactly(first);
        // Two sockets: either may go first.
        assertThat(onRight).extracting(v -> v.udpPayload()[0]).containsExactlyInAnyOrder((byte) 2, (byte) 3);
        assertThat(onRight).extracting(Packets.View::ipSource).containsExactly(second, second);
        assertThat(onLeft).allSatisfy(v -> assertThat(v.dstMac()).isEqualTo(Packets.BROADCAST));
        assertThat(onRight).allSatisfy(v -> assertThat(v.dstMac()).isEqualTo(Packets.BROADCAST));
        assertThat(node.host().counters().get(Counter.ARP_OUT_REQUESTS)).isZero();
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    @Test
    void aSlash32AddressHasNoBroadcastAddress() throws Exception {
        // With address | ~mask as the broadcast, a /32's broadcast would be the address itself:
        // pings to it ignored as broadcast pings, errors about datagrams to it suppressed.
        int prober = Ipv4Address.parseBits("10.0.2.99");
        ProbedHost h = ProbedHost.settled("10.0.2.15/32", "10.0.2.99", HostConfig.DEFAULT,
                p -> p.host.addRoute(prober, 32, 0, p.node.nic(0)));
        assertThat(h.pingAnswered(1, 1)).as("a ping to the /32 address is answered").isTrue();
        h.prober.forget();
        h.toHost(udpToHost(h, 6001));
        h.idle(10 * MS);
        List<Packets.View> errors = h.prober.frames(v -> v.isIcmp() && v.icmpType() == 3 && v.icmpCode() == 3);
        assertThat(errors).as("a closed port is answered with port unreachable").hasSize(1);
        assertThat(errors.get(0).dstMac()).isEqualTo(h.prober.mac);
        assertThat(h.count(Counter.UDP_NO_PORTS)).isEqualTo(1);
        h.close();
    }

    @Test
    void aSlash31HasNoBroadcastAddressItsOtherAddressIsThePeer() throws Exception {
        // RFC 3021: both addresses of a /31 are hosts. Host 10.0.2.14/31, peer 10.0.2.15.
        ProbedHost h = ProbedHost.settled("10.0.2.14/31", "10.0.2.15", HostConfig.DEFAULT, p -> { });
        h.prober.forget();
        assertThat(h.pingAnswered(1, 1)).as("datagrams from the peer are not from a broadcast source").isTrue();
        assertThat(h.count(Counter.IP_IN_ADDR_ERRORS)).isZero();
        List<Packets.View> replies = h.prober.frames(v -> v.isIcmp() && v.icmpType() == 0);
        assertThat(replies).extracting(Packets.View::dstMac).containsExactly(h.prober.mac);

        // A datagram to the peer is unicast to the peer's MAC, not an Ethernet broadcast.
        h.prober.forget();
        sendFromHost(h, h.proberAddress);
        h.idle(10 * MS);
        List<Packets.View> udp = h.prober.frames(Packets.View::isUdp);
        assertThat(udp).hasSize(1);
        assertThat(udp.get(0).dstMac()).isEqualTo(h.prober.mac);
        assertThat(udp.get(0).ipSource()).isEqualTo(h.hostAddress);

        // An error about a datagram to our own address is not suppressed as if it were a broadcast.
        h.prober.forget();
        h.toHost(udpToHost(h, 6001));
        h.idle(10 * MS);
        assertThat(h.prober.frames(v -> v.isIcmp() && v.icmpType() == 3)).hasSize(1);
        h.close();
    }

    @Test
    void noErrorsAboutDatagramsThatCameInALinkLayerBroadcast() throws Exception {
        // RFC 1122 3.2.2: no ICMP error about a datagram sent as a link-layer broadcast, even if
        // its IP destination is our unicast address.
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT);
        h.prober.forget();
        byte[] toClosedPort = udpToHost(h, 6001);
        byte[] unknownProtocol = Packets.ip(99, h.proberAddress, h.hostAddress, new byte[8]).bytes();
        byte[] udp = Packets.udp(4000, 6002, h.proberAddress, h.hostAddress, new byte[2000], Packets.Sum.NONE);
        byte[] firstFragment = Packets.ip(Packets.UDP, h.proberAddress, h.hostAddress, Arrays.copyOf(udp, 1480))
                .id(77).fragment(0, true).bytes();
        for (byte[] d : List.of(toClosedPort, unknownProtocol, firstFragment)) {
            h.prober.send(Packets.ethernet(Packets.BROADCAST, h.prober.mac, Packets.IPV4, d));
        }
        h.idle(10 * MS);
        h.idle(31 * ProbedHost.SECOND); // the fragment's datagram times out
        assertThat(h.count(Counter.UDP_NO_PORTS)).isEqualTo(1);
        assertThat(h.count(Counter.IP_IN_UNKNOWN_PROTOS)).isEqualTo(1);
        assertThat(h.count(Counter.IP_REASM_TIMEOUT)).isEqualTo(1);
        assertThat(h.count(Counter.ICMP_OUT_MSGS)).isZero();
        assertThat(h.prober.frames(Packets.View::isIcmp)).isEmpty();

        // The same datagrams in unicast frames are answered.
        for (byte[] d : List.of(toClosedPort, unknownProtocol, firstFragment)) {
            h.toHost(d);
        }
        h.idle(31 * ProbedHost.SECOND);
        assertThat(h.prober.frames(Packets.View::isIcmp)).extracting(v -> v.icmpType() + "/" + v.icmpCode())
                .containsExactly("3/3", "3/2", "11/1");
        assertThat(h.host.largePoolFull()).isTrue();
        h.close();
    }

    @Test
    void pingsToABroadcastAddressAreIgnoredAndCounted() throws Exception {
        // Linux's icmp_echo_ignore_broadcasts: a broadcast ping would make every host answer at once.
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT);
        h.prober.forget();
        for (String to : List.of("10.0.2.255", "255.255.255.255")) {
            int destination = Ipv4Address.parseBits(to);
            h.prober.send(Packets.ethernet(Packets.BROADCAST, h.prober.mac, Packets.IPV4,
                    Packets.ip(Packets.ICMP, h.proberAddress, destination, Packets.echo(8, 3, 1, new byte[8])).bytes()));
        }
        h.idle(10 * MS);
        assertThat(h.count(Counter.ICMP_IN_ECHOS)).isEqualTo(2);
        assertThat(h.count(Counter.ICMP_IN_ECHOS_TO_BROADCAST)).isEqualTo(2);
        assertThat(h.count(Counter.ICMP_OUT_ECHO_REPS)).isZero();
        assertThat(h.prober.seen()).isEmpty();
        assertThat(h.pingAnswered(3, 2)).as("a ping to our address still is").isTrue();
        assertThat(h.count(Counter.ICMP_IN_ECHOS_TO_BROADCAST)).isEqualTo(2);
        h.close();
    }
}
