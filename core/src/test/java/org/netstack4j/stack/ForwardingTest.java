package org.netstack4j.stack;

import org.junit.jupiter.api.Test;
import org.netstack4j.driver.DriverConfig;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.Network;
import org.netstack4j.lab.ServerLoop;
import org.netstack4j.lab.Nic;
import org.netstack4j.socket.Ping;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.wire.Checksum;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.stack.ProbedHost.MS;

/** A host with two interfaces routing between 10.0.2.0/24 and 10.0.3.0/24. */
class ForwardingTest {
    static final int A = Ipv4Address.parseBits("10.0.2.15");
    static final int B = Ipv4Address.parseBits("10.0.3.20");
    static final int ROUTER_2 = Ipv4Address.parseBits("10.0.2.1");
    static final int ROUTER_3 = Ipv4Address.parseBits("10.0.3.1");
    static final int PROBER = Ipv4Address.parseBits("10.0.2.99");
    static final long ROUTER_MAC = MacAddress.parse("52:54:00:00:01:01").bits();

    /** A network: left side (a host, or a prober) — router — host b. */
    private static final class Routed {
        final Network net = Network.simulated(5);
        final Network.Node router;
        final Network.Node b;
        Network.Node a;
        Prober prober;

        Routed(boolean forwarding, boolean withProber) {
            if (!withProber) {
                a = net.addHost("a", MacAddress.parse("52:54:00:00:00:0a"), "10.0.2.15/24", WakeMode.NAPI,
                        HostConfig.DEFAULT);
                a.host().setDefaultGateway(ROUTER_2);
            }
            router = net.addHost("router", new MacAddress(ROUTER_MAC), "10.0.2.1/24", WakeMode.INTERRUPT,
                    HostConfig.DEFAULT.withForwarding(forwarding));
            net.addInterface(router, "eth1", MacAddress.parse("52:54:00:00:01:02"), "10.0.3.1/24", WakeMode.INTERRUPT);
            b = net.addHost("b", MacAddress.parse("52:54:00:00:00:0b"), "10.0.3.20/24", WakeMode.NAPI,
                    HostConfig.DEFAULT);
            b.host().setDefaultGateway(ROUTER_3);
            if (withProber) {
                prober = Prober.attach(net, "prober", "52:54:00:00:00:99", "10.0.2.99", router, 0);
            } else {
                net.cable(a, 0, router, 0);
            }
            net.cable(router, 1, b, 0);
            net.start();
        }

        long count(Network.Node n, Counter c) {
            return n.host().counters().get(c);
        }

        /** An IPv4 datagram from the prober to the router's MAC. */
        void fromProber(byte[] datagram) {
            prober.sendIp(ROUTER_MAC, datagram);
        }

        void close() throws Exception {
            net.close();
            assertThat(net.poolsFull()).isTrue();
        }
    }

    @Test
    void udpAndPingAcrossTheRouter() throws Exception {
        Routed r = new Routed(true, false);
        UdpSocket server = r.net.run("bind", () -> UdpSocket.bind(r.b.host(), 2000));
        byte[] serverBuf = new byte[2048];
        r.net.startApplication("echo", ServerLoop.untilClosed(() -> {
            int n = server.receive(serverBuf);
            byte[] answer = ("echo from " + Ipv4Address.format(server.sourceAddress()) + ": "
                    + new String(serverBuf, 0, n, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
            server.sendTo(answer, server.sourceAddress(), server.sourcePort());
        }));
        List<String> answers = r.net.run("client", () -> {
            try (UdpSocket s = UdpSocket.open(r.a.host())) {
                s.setTimeout(Duration.ofSeconds(3));
                s.connect(B, 2000);
                byte[] buf = new byte[200];
                List<String> out = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    s.send(("hello " + i).getBytes(StandardCharsets.US_ASCII));
                    int n = s.receive(buf);
                    out.add(new String(buf, 0, n, StandardCharsets.US_ASCII));
                }
                return out;
            }
        });
        assertThat(answers).containsExactly("echo from 10.0.2.15: hello 0", "echo from 10.0.2.15: hello 1",
                "echo from 10.0.2.15: hello 2");
        Ping.Reply far = r.net.run("ping", () -> {
            try (Ping p = Ping.open(r.a.host(), 5000)) {
                return p.ping(B, 1, 4000, Duration.ofSeconds(3));
            }
        });
        assertThat(far).isNotNull();
        assertThat(far.from()).isEqualTo(B);
        assertThat(far.bytes()).isEqualTo(4000);
        Ping.Reply routerFarSide = r.net.run("ping-router", () -> {
            try (Ping p = Ping.open(r.a.host(), 100)) {
                return p.ping(ROUTER_3, 2, 56, Duration.ofSeconds(3));
            }
        });
        assertThat(routerFarSide).isNotNull();
        assertThat(routerFarSide.from()).isEqualTo(ROUTER_3);
        // 3 datagrams and 3 answers, 3 fragments of request and 3 of reply.
        assertThat(r.count(r.router, Counter.IP_FORW_DATAGRAMS)).isEqualTo(12);
        assertThat(r.count(r.router, Counter.IP_REASM_REQDS)).as("a router does not reassemble").isZero();
        assertThat(r.count(r.router, Counter.IP_OUT_NO_ROUTES)).isZero();
        r.net.run("close", () -> {
            server.close();
            return null;
        });
        r.close();
    }

    @Test
    void forwardedDatagramsLoseOneTtl() throws Exception {
        Routed r = new Routed(true, true);
        r.net.idle(10 * MS);
        byte[] data = Packets.pattern(24, 1);
        r.fromProber(Packets.ip(Packets.ICMP, PROBER, B, Packets.echo(8, 9, 1, data)).ttl(64).bytes());
        r.net.idle(100 * MS);
        List<Packets.View> replies = r.prober.frames(v -> v.isIcmp() && v.icmpType() == 0);
        assertThat(replies).hasSize(1);
        assertThat(replies.get(0).ipSource()).isEqualTo(B);
        assertThat(replies.get(0).ttl()).isEqualTo(HostConfig.DEFAULT.defaultTtl() - 1);
        assertThat(replies.get(0).ipChecksumOk()).isTrue();
        assertThat(replies.get(0).ipPayload()).isEqualTo(Packets.echo(0, 9, 1, data));
        assertThat(r.count(r.router, Counter.IP_FORW_DATAGRAMS)).isEqualTo(2);
        r.close();
    }

    @Test
    void theTtlBoundaryIsOneTwoCrossesZeroDoesNot() throws Exception {
        Routed r = new Routed(true, true);
        r.net.idle(10 * MS);
        r.fromProber(Packets.ip(Packets.ICMP, PROBER, B, Packets.echo(8, 9, 1, Packets.pattern(24, 1))).ttl(2).bytes());
        r.net.idle(100 * MS);
        assertThat(r.prober.frames(v -> v.isIcmp() && v.icmpType() == 0)).as("TTL 2 arrives with 1 and is answered")
                .hasSize(1);
        assertThat(r.count(r.router, Counter.IP_TTL_EXCEEDED)).isZero();
        r.fromProber(Packets.ip(Packets.ICMP, PROBER, B, Packets.echo(8, 9, 2, Packets.pattern(24, 2))).ttl(0).bytes());
        r.net.idle(100 * MS);
        assertThat(r.prober.frames(v -> v.isIcmp() && v.icmpType() == 11)).as("TTL 0 is not forwarded").hasSize(1);
        assertThat(r.count(r.router, Counter.IP_TTL_EXCEEDED)).isEqualTo(1);
        assertThat(r.count(r.router, Counter.IP_FORW_DATAGRAMS)).as("the request and its reply").isEqualTo(2);
        r.close();
    }

    @Test
    void ttlOfOneIsAnsweredWithTimeExceeded() throws Exception {
        Routed r = new Routed(true, true);
        r.net.idle(10 * MS);
        byte[] request = Packets.ip(Packets.ICMP, PROBER, B, Packets.echo(8, 9, 1, Packets.pattern(24, 1)))
                .ttl(1).id(0x4321).bytes();
        r.fromProber(request);
        r.net.idle(100 * MS);
        List<Packets.View> errors = r.prober.frames(Packets.View::isIcmp);
        assertThat(errors).hasSize(1);
        Packets.View e = errors.get(0);
        assertThat(e.icmpType()).isEqualTo(11);
        assertThat(e.icmpCode()).isZero();
        assertThat(e.icmpChecksumOk()).isTrue();
        assertThat(e.ipSource()).as("from the interface facing the sender").isEqualTo(ROUTER_2);
        assertThat(e.ipDestination()).isEqualTo(PROBER);
        byte[] quoted = Arrays.copyOfRange(e.ipPayload(), 8, e.ipPayload().length);
        assertThat(quoted).as("the original header and 8 bytes, TTL as it arrived").isEqualTo(Arrays.copyOf(request, 28));
        assertThat(r.count(r.router, Counter.IP_TTL_EXCEEDED)).isEqualTo(1);
        assertThat(r.count(r.router, Counter.ICMP_OUT_TIME_EXCDS)).isEqualTo(1);
        assertThat(r.count(r.router, Counter.IP_FORW_DATAGRAMS)).isZero();
        assertThat(r.count(r.b, Counter.IP_IN_RECEIVES)).isZero();

        // An ICMP error with TTL 1 dies silently: no error about an error.
        byte[] unreachable = new byte[8 + 28];
        unreachable[0] = 3;
        unreachable[1] = 3;
        System.arraycopy(request, 0, unreachable, 8, 28);
        int sum = Checksum.of(unreachable, 0, unreachable.length);
        unreachable[2] = (byte) (sum >>> 8);
        unreachable[3] = (byte) sum;
        r.fromProber(Packets.ip(Packets.ICMP, PROBER, B, unreachable).ttl(1).bytes());
        r.net.idle(100 * MS);
        assertThat(r.prober.frames(Packets.View::isIcmp)).hasSize(1);
        assertThat(r.count(r.router, Counter.IP_TTL_EXCEEDED)).isEqualTo(2);
        assertThat(r.count(r.router, Counter.ICMP_OUT_TIME_EXCDS)).isEqualTo(1);
        r.close();
    }

    @Test
    void noRouteIsAnsweredWithNetUnreachable() throws Exception {
        Routed r = new Routed(true, true);
        r.net.idle(10 * MS);
        int nowhere = Ipv4Address.parseBits("10.0.9.9");
        byte[] datagram = Packets.ip(Packets.UDP, PROBER, nowhere,
                Packets.udp(4000, 53, PROBER, nowhere, new byte[12], Packets.Sum.GOOD)).bytes();
        r.fromProber(datagram);
        r.net.idle(100 * MS);
        List<Packets.View> errors = r.prober.frames(Packets.View::isIcmp);
        assertThat(errors).hasSize(1);
        Packets.View e = errors.get(0);
        assertThat(e.icmpType()).isEqualTo(3);
        assertThat(e.icmpCode()).isEqualTo(0);
        assertThat(e.ipSource()).isEqualTo(ROUTER_2);
        assertThat(Arrays.copyOfRange(e.ipPayload(), 8, e.ipPayload().length)).isEqualTo(Arrays.copyOf(datagram, 28));
        assertThat(r.count(r.router, Counter.IP_OUT_NO_ROUTES)).isEqualTo(1);
        assertThat(r.count(r.router, Counter.ICMP_OUT_DEST_UNREACHS)).isEqualTo(1);
        assertThat(r.count(r.router, Counter.IP_FORW_DATAGRAMS)).isZero();
        r.close();
    }

    @Test
    void unroutableDatagramFromAHostComesBackAsAnError() throws Exception {
        Routed r = new Routed(true, false);
        r.net.run("send", () -> {
            try (UdpSocket s = UdpSocket.bind(r.a.host(), 3000)) {
                s.sendTo(new byte[] {1, 2, 3}, Ipv4Address.parseBits("10.0.9.9"), 53);
            }
            return null;
        });
        r.net.idle(100 * MS);
        assertThat(r.count(r.router, Counter.IP_OUT_NO_ROUTES)).isEqualTo(1);
        assertThat(r.count(r.a, Counter.ICMP_IN_DEST_UNREACHS)).isEqualTo(1);
        r.close();
    }

    @Test
    void linkBroadcastForSomeoneElseIsNeverForwarded() throws Exception {
        Routed r = new Routed(true, true);
        r.net.idle(10 * MS);
        r.prober.send(Packets.ethernet(Packets.BROADCAST, r.prober.mac, Packets.IPV4,
                Packets.ip(Packets.ICMP, PROBER, B, Packets.echo(8, 9, 1, new byte[16])).bytes()));
        r.net.idle(100 * MS);
        assertThat(r.count(r.router, Counter.IP_IN_ADDR_ERRORS)).isEqualTo(1);
        assertThat(r.count(r.router, Counter.IP_FORW_DATAGRAMS)).isZero();
        assertThat(r.count(r.b, Counter.IP_IN_RECEIVES)).isZero();
        r.close();
    }

    @Test
    void withoutForwardingTheMiddleHostDropsOthersDatagrams() throws Exception {
        Routed r = new Routed(false, false);
        Ping.Reply reply = r.net.run("ping", () -> {
            try (Ping p = Ping.open(r.a.host(), 100)) {
                return p.ping(B, 1, 56, Duration.ofMillis(500));
            }
        });
        assertThat(reply).isNull();
        assertThat(r.count(r.router, Counter.IP_IN_ADDR_ERRORS)).isEqualTo(1);
        assertThat(r.count(r.router, Counter.IP_FORW_DATAGRAMS)).isZero();
        assertThat(r.count(r.b, Counter.IP_IN_RECEIVES)).isZero();
        r.close();
    }

    @Test
    void loopbackAndThisNetworkDestinationsAreNeverForwarded() throws Exception {
        // RFC 1812 5.3.7: a router does not forward to 127/8 or 0/8.
        Routed r = new Routed(true, true);
        r.net.idle(10 * MS);
        r.prober.forget();
        for (String to : List.of("127.0.0.1", "0.1.2.3")) {
            int destination = Ipv4Address.parseBits(to);
            r.fromProber(Packets.ip(Packets.UDP, PROBER, destination,
                    Packets.udp(4000, 53, PROBER, destination, new byte[8], Packets.Sum.GOOD)).bytes());
        }
        r.net.idle(100 * MS);
        assertThat(r.count(r.router, Counter.IP_IN_ADDR_ERRORS)).isEqualTo(2);
        assertThat(r.count(r.router, Counter.IP_FORW_DATAGRAMS)).isZero();
        assertThat(r.count(r.router, Counter.IP_OUT_NO_ROUTES)).as("not even looked up").isZero();
        assertThat(r.prober.frames(Packets.View::isIpv4)).as("no error sent back").isEmpty();
        r.close();
    }

    @Test
    void aDatagramForANeighbourThatNeverAnswersIsAnsweredHostUnreachable() throws Exception {
        Routed r = new Routed(true, true);
        int nobody = Ipv4Address.parseBits("10.0.3.77"); // on the router's far subnet, but no such host
        r.fromProber(Packets.ip(Packets.UDP, PROBER, nobody, Packets.pattern(20, 3)).bytes());
        r.net.idle(500 * MS);
        assertThat(r.prober.frames(v -> v.isIcmp() && v.icmpType() == 3)).as("still asking ARP").isEmpty();
        r.net.idle(4000 * MS); // three requests a second apart, then the router gives up
        List<Packets.View> errors = r.prober.frames(v -> v.isIcmp() && v.icmpType() == 3);
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0).icmpCode()).as("host unreachable").isEqualTo(1);
        assertThat(errors.get(0).ipSource()).isEqualTo(ROUTER_2);
        assertThat(r.count(r.router, Counter.ARP_RESOLUTION_FAILED)).isEqualTo(1);
        r.close();
    }

    @Test
    void aFragmentThatCannotBeFragmentedFurtherIsDroppedNotThrown() throws Exception {
        // Prober - router - b, the router's link to b with an MTU of 576: what it forwards to b it
        // fragments. A fragment at offset 65000 with 1000 bytes belongs to no datagram IPv4 can
        // carry (20 + 66000 bytes); cut again, its second piece would have an offset past 65528.
        Network net = Network.simulated(6);
        Network.Node router = net.addHost("router", new MacAddress(ROUTER_MAC), "10.0.2.1/24", WakeMode.NAPI,
                HostConfig.DEFAULT.withForwarding(true));
        DriverConfig driver = DriverConfig.of(WakeMode.NAPI);
        Nic eth1 = router.machine().addNic("eth1", MacAddress.parse("52:54:00:00:01:02"), driver, driver.rxRingSize());
        router.host().addInterface("eth1", new SmallMtuDevice(eth1.driver(), 576), ROUTER_3, 24);
        Network.Node b = net.addHost("b", MacAddress.parse("52:54:00:00:00:0b"), "10.0.3.20/24", WakeMode.NAPI,
                HostConfig.DEFAULT);
        b.host().setDefaultGateway(ROUTER_3);
        Prober prober = Prober.attach(net, "prober", "52:54:00:00:00:99", "10.0.2.99", router, 0);
        net.cable(router, 1, b, 0);
        net.start();
        net.idle(10 * MS);
        prober.sendIp(ROUTER_MAC, Packets.ip(Packets.UDP, PROBER, B, Packets.pattern(1000, 1)).id(5)
                .fragment(65_000, false).bytes());
        net.idle(100 * MS);
        StackCounters counters = router.host().counters();
        assertThat(counters.get(Counter.IP_FRAG_FAILS)).isEqualTo(1);
        assertThat(counters.get(Counter.IP_FRAG_OKS)).isZero();
        assertThat(counters.get(Counter.IP_FRAG_CREATES)).isZero();
        assertThat(b.host().counters().get(Counter.IP_IN_RECEIVES)).as("no piece of it reached b").isZero();

        // The router is unharmed: a 1408-byte echo request crosses in three fragments, the reply whole.
        byte[] data = Packets.pattern(1400, 2);
        prober.sendIp(ROUTER_MAC, Packets.ip(Packets.ICMP, PROBER, B, Packets.echo(8, 9, 1, data)).bytes());
        net.idle(100 * MS);
        List<Packets.View> replies = prober.frames(v -> v.isIcmp() && v.icmpType() == 0);
        assertThat(replies).hasSize(1);
        assertThat(replies.get(0).ipPayload()).isEqualTo(Packets.echo(0, 9, 1, data));
        assertThat(counters.get(Counter.IP_FRAG_OKS)).isEqualTo(1);
        assertThat(counters.get(Counter.IP_FRAG_CREATES)).isEqualTo(3);
        assertThat(counters.get(Counter.IP_FRAG_FAILS)).isEqualTo(1);

        // The same request with DF set is not fragmented: "fragmentation needed", with the MTU of
        // the link it could not cross (RFC 1191), quoting the header and 8 bytes.
        long bBefore = b.host().counters().get(Counter.IP_IN_RECEIVES);
        byte[] dfRequest = Packets.ip(Packets.ICMP, PROBER, B, Packets.echo(8, 9, 2, data)).dontFragment().bytes();
        prober.sendIp(ROUTER_MAC, dfRequest);
        net.idle(100 * MS);
        List<Packets.View> errors = prober.frames(v -> v.isIcmp() && v.icmpType() == 3);
        assertThat(errors).hasSize(1);
        Packets.View e = errors.get(0);
        assertThat(e.icmpCode()).as("fragmentation needed and DF set").isEqualTo(4);
        assertThat(e.icmpChecksumOk()).isTrue();
        assertThat(e.ipSource()).isEqualTo(ROUTER_2);
        byte[] icmp = e.ipPayload();
        assertThat((icmp[6] & 0xFF) << 8 | icmp[7] & 0xFF).as("next-hop MTU").isEqualTo(576);
        assertThat(Arrays.copyOfRange(icmp, 8, icmp.length)).isEqualTo(Arrays.copyOf(dfRequest, 28));
        assertThat(counters.get(Counter.IP_FRAG_FAILS)).isEqualTo(2);
        assertThat(counters.get(Counter.IP_FRAG_CREATES)).as("nothing cut").isEqualTo(3);
        assertThat(counters.get(Counter.ICMP_OUT_DEST_UNREACHS)).isEqualTo(1);
        assertThat(b.host().counters().get(Counter.IP_IN_RECEIVES)).as("no piece of it reached b").isEqualTo(bBefore);
        assertThat(prober.frames(v -> v.isIcmp() && v.icmpType() == 0)).as("no second reply").hasSize(1);
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }
}
