package org.netstack4j.socket;

import org.junit.jupiter.api.Test;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.Job;
import org.netstack4j.lab.Network;
import org.netstack4j.stack.Host;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.stack.NetInterface;
import org.netstack4j.stack.SocketClosedException;
import org.netstack4j.wire.DhcpMessage;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The DHCP client against a small scripted server on the gateway, in simulated time. */
class DhcpClientTest {
    static final int GATEWAY = Ipv4Address.parseBits("10.0.2.2");
    static final int OFFERED = Ipv4Address.parseBits("10.0.2.15");
    static final int MASK = Ipv4Address.mask(24);
    static final long LEASE = 60;
    static final long SECOND = 1_000_000_000L;
    static final long MS = 1_000_000L;

    /** What the server saw: message type, and the destination it would answer. */
    record Seen(int type, int clientAddress, long atNanos) {
    }

    /**
     * A DHCP server good enough to test a client: one address, leases of 60 s, can be muted. It can
     * also be made to misbehave: offer other addresses first, ACK another one, give other times,
     * or take its time to answer.
     */
    static final class Server {
        final List<Seen> seen = new CopyOnWriteArrayList<>();
        volatile boolean mute;
        volatile boolean nak;
        /** Addresses to offer before {@link #OFFERED}, one per DISCOVER. */
        final java.util.Queue<Integer> firstOffers = new java.util.concurrent.ConcurrentLinkedQueue<>();
        /** The address an ACK gives (0: the one last offered). */
        volatile int ackAddress;
        volatile long lease = LEASE;
        volatile long t1 = -1;
        volatile long t2 = -1;
        /** How long the server waits before it answers. */
        volatile long delayNanos;
        private int offered = OFFERED;
        UdpSocket socket;

        void serve(Network net, Host gw) throws Exception {
            socket = net.run("dhcpd-bind", () -> UdpSocket.bind(gw, DhcpMessage.SERVER_PORT));
            net.startApplication("dhcpd", () -> {
                byte[] b = new byte[1500];
                try {
                    while (true) {
                        UdpSocket.Datagram d = socket.receiveFrom(b);
                        int type = DhcpMessage.type(b, d.length());
                        int ciaddr = java.nio.ByteBuffer.wrap(b).getInt(12);
                        seen.add(new Seen(type, ciaddr, gw.applications().clock().nanos()));
                        if (mute || (type != DhcpMessage.DISCOVER && type != DhcpMessage.REQUEST)) {
                            continue;
                        }
                        int answer = type == DhcpMessage.DISCOVER ? DhcpMessage.OFFER
                                : nak ? DhcpMessage.NAK : DhcpMessage.ACK;
                        long mac = ((long) (b[28] & 0xFF) << 40) | ((long) (b[29] & 0xFF) << 32)
                                | java.nio.ByteBuffer.wrap(b).getInt(30) & 0xFFFF_FFFFL;
                        int address;
                        if (answer == DhcpMessage.OFFER) {
                            Integer first = firstOffers.poll();
                            offered = first != null ? first : OFFERED;
                            address = offered;
                        } else {
                            address = ackAddress != 0 ? ackAddress : offered;
                        }
                        if (delayNanos > 0) {
                            long until = gw.applications().clock().nanos() + delayNanos;
                            while (gw.applications().clock().nanos() < until) {
                                gw.applications().block(until);
                            }
                        }
                        byte[] reply = DhcpMessage.serverMessage(answer, DhcpMessage.xid(b), mac, address, GATEWAY,
                                MASK, GATEWAY, GATEWAY, lease, t1, t2);
                        int to = ciaddr != 0 ? ciaddr : Ipv4Address.BROADCAST.bits();
                        socket.sendTo(reply, 0, reply.length, to, DhcpMessage.CLIENT_PORT);
                    }
                } catch (SocketClosedException closed) {
                    // end of the test
                } catch (Exception e) { // the network's next run or close fails the test with this
                    throw new IllegalStateException("the test's DHCP server failed", e);
                }
            });
        }

        long count(int type) {
            return seen.stream().filter(s -> s.type() == type).count();
        }
    }

    /**
     * The client (no address yet) and its gateway on one cable, a scripted {@link Server} on the
     * gateway unless a test has none, and the DHCP client under test on the client's interface.
     * {@link #close} closes the DHCP client (a no-op if the test closed it already) and the server's
     * socket, stops the network, and checks that every buffer came back.
     */
    private static final class Lan implements AutoCloseable {
        final Network net;
        final Host client;
        final Host gateway;
        final NetInterface nic;
        final Server server;
        final DhcpClient dhcp;

        /** {@code server} (configured by the test, may be null: no server) starts serving before the client is made. */
        Lan(Server server, DhcpClient.Options options) throws Exception {
            net = Network.simulated(3);
            net.addHost("client", MacAddress.parse("52:54:00:12:34:56"), "0.0.0.0/0", WakeMode.NAPI, HostConfig.DEFAULT);
            net.addHost("gateway", MacAddress.parse("52:55:0a:00:02:02"), "10.0.2.2/24", WakeMode.NAPI,
                    HostConfig.DEFAULT);
            net.cable(net.nodes().get(0), net.nodes().get(1));
            net.start();
            client = net.nodes().get(0).host();
            gateway = net.nodes().get(1).host();
            nic = client.interfaces().getFirst();
            this.server = server;
            if (server != null) {
                server.serve(net, gateway);
            }
            dhcp = net.run("dhcp", () -> new DhcpClient(client, nic, options));
        }

        /** Closes the DHCP client on an application thread: it releases its lease, if it has one. */
        void release() throws Exception {
            net.run("release", () -> {
                dhcp.close();
                return null;
            });
        }

        @Override
        public void close() throws Exception {
            net.run("stop", () -> {
                dhcp.close();
                if (server != null) {
                    server.socket.close();
                }
                return null;
            });
            net.close();
            assertThat(net.poolsFull()).as("every buffer back in its pool").isTrue();
        }
    }

    private static DhcpClient.Options quick(int tries) {
        return new DhcpClient.Options(Duration.ofSeconds(1), tries, Duration.ZERO, "x");
    }

    @Test
    void takesALeaseRenewsAtT1RebindsAtT2ReleasesOnClose() throws Exception {
        Server server = new Server();
        try (Lan lan = new Lan(server, DhcpClient.Options.DEFAULT)) {
            Network net = lan.net;
            DhcpClient dhcp = lan.dhcp;
            NetInterface nic = lan.nic;
            DhcpClient.Lease lease = net.run("acquire", dhcp::acquire);
            assertThat(lease.address()).isEqualTo(OFFERED);
            assertThat(lease.prefix()).isEqualTo(24);
            assertThat(lease.router()).isEqualTo(GATEWAY);
            assertThat(lan.client.dnsServers()).containsExactly(GATEWAY);
            assertThat(nic.address()).isEqualTo(OFFERED);
            assertThat(server.count(DhcpMessage.DISCOVER)).isEqualTo(1);
            assertThat(server.count(DhcpMessage.REQUEST)).isEqualTo(1);

            // The gateway reaches us at the leased address, and we reach the router through the default route.
            Ping.Reply fromGateway = net.run("ping-in", () -> {
                try (Ping p = Ping.open(lan.gateway, 64)) {
                    return p.ping(OFFERED, 1, 56, Duration.ofSeconds(1));
                }
            });
            assertThat(fromGateway).isNotNull();

            net.startApplication("dhcp-maintain", dhcp::maintain);
            long start = net.simulation().nanos();
            net.idle(35 * SECOND); // past T1 = 30 s
            assertThat(dhcp.renewals()).isEqualTo(1);
            assertThat(dhcp.state()).isEqualTo(DhcpClient.State.BOUND);
            Seen renew = server.seen.get(server.seen.size() - 1);
            assertThat(renew.type()).isEqualTo(DhcpMessage.REQUEST);
            assertThat(renew.clientAddress()).isEqualTo(OFFERED); // ciaddr set: renewing
            assertThat(renew.atNanos() - start).isBetween(28 * SECOND, 31 * SECOND);

            // The server goes quiet: renewals fail, and at T2 (52.5 s into the new lease) the client rebinds.
            server.mute = true;
            net.idle(60 * SECOND);
            assertThat(dhcp.rebinds()).isEqualTo(4);
            // ... and when the lease runs out, the address goes.
            net.idle(30 * SECOND);
            assertThat(dhcp.expiries()).isEqualTo(1);
            assertThat(nic.address()).isZero();

            // The server is back: the client finds it again.
            server.mute = false;
            net.idle(70 * SECOND);
            assertThat(dhcp.state()).isEqualTo(DhcpClient.State.BOUND);
            assertThat(nic.address()).isEqualTo(OFFERED);

            lan.release();
            assertThat(server.count(DhcpMessage.RELEASE)).isEqualTo(1);
            assertThat(nic.address()).isZero();
        }
    }

    @Test
    void noServerMeansATimeoutAfterTheRetries() throws Exception {
        try (Lan lan = new Lan(null, quick(3))) {
            long start = lan.net.simulation().nanos();
            Throwable t = lan.net.run("acquire", () -> {
                try {
                    lan.dhcp.acquire();
                    return null;
                } catch (java.io.IOException e) {
                    return e;
                }
            });
            assertThat(t).isInstanceOf(java.net.SocketTimeoutException.class);
            assertThat(lan.dhcp.discovers()).isEqualTo(3);
            assertThat(lan.net.simulation().nanos() - start).isBetween(7 * SECOND, 8 * SECOND); // 1 + 2 + 4 s
        }
    }

    @Test
    void aNakSendsTheClientBackToDiscover() throws Exception {
        Server server = new Server();
        server.nak = true;
        try (Lan lan = new Lan(server, quick(2))) {
            lan.net.startApplication("acquire", () -> {
                try {
                    lan.dhcp.acquire();
                } catch (IOException e) { // it must succeed once the server stops refusing
                    throw new UncheckedIOException(e);
                }
            });
            lan.net.idle(3 * SECOND);
            assertThat(lan.dhcp.naks()).isEqualTo(4);
            assertThat(server.count(DhcpMessage.DISCOVER)).isEqualTo(4);
            assertThat(lan.nic.address()).isZero();
            server.nak = false;
            lan.net.idle(3 * SECOND);
            assertThat(lan.nic.address()).isEqualTo(OFFERED);
        }
    }

    // ==== A server is not trusted ===========================================================

    @Test
    void offersOfAddressesNoHostCanHaveAreRejectedAndTheClientKeepsLooking() throws Exception {
        Server server = new Server();
        server.firstOffers.addAll(List.of(0, Ipv4Address.BROADCAST.bits(), Ipv4Address.parseBits("127.0.0.1"),
                Ipv4Address.parseBits("224.0.0.251"), Ipv4Address.parseBits("10.0.2.255")));
        try (Lan lan = new Lan(server, quick(8))) {
            DhcpClient dhcp = lan.dhcp;
            DhcpClient.Lease lease = lan.net.run("acquire", dhcp::acquire);
            assertThat(lease.address()).isEqualTo(OFFERED);
            assertThat(lan.nic.address()).isEqualTo(OFFERED);
            assertThat(dhcp.rejected()).isEqualTo(5);
            assertThat(server.count(DhcpMessage.DISCOVER)).isEqualTo(6); // one more for each bad offer
            assertThat(dhcp.lastRejected()).contains("10.0.2.255").contains("broadcast address of its /24 subnet");

            // An ACK of a bad address when renewing is no better: the lease is kept, and so is the address.
            server.ackAddress = Ipv4Address.parseBits("127.0.0.1");
            lan.net.startApplication("dhcp-maintain", dhcp::maintain);
            lan.net.idle(35 * SECOND);
            assertThat(dhcp.renewals()).isEqualTo(1);
            assertThat(dhcp.rejected()).isEqualTo(6);
            assertThat(dhcp.lastRejected()).contains("127.0.0.1").contains("loopback");
            assertThat(dhcp.lease().address()).isEqualTo(OFFERED);
            assertThat(lan.nic.address()).isEqualTo(OFFERED);

            lan.release();
            assertThat(server.count(DhcpMessage.RELEASE)).isEqualTo(1);
        }
    }

    @Test
    void anOfferedAddressAnotherHostAnswersForIsDeclinedAndTheClientTakesAnother() throws Exception {
        Server server = new Server();
        server.firstOffers.add(GATEWAY); // a server that offers an address the gateway already holds
        DhcpClient.Options probing = new DhcpClient.Options(Duration.ofSeconds(1), 4, Duration.ofMillis(200), "x");
        try (Lan lan = new Lan(server, probing)) {
            DhcpClient dhcp = lan.dhcp;
            DhcpClient.Lease lease = lan.net.run("acquire", dhcp::acquire);
            // The gateway defended 10.0.2.2 against the client's ARP probe: DECLINE, then a new DISCOVER.
            assertThat(dhcp.declines()).isEqualTo(1);
            assertThat(server.count(DhcpMessage.DECLINE)).isEqualTo(1);
            assertThat(server.count(DhcpMessage.DISCOVER)).isEqualTo(2);
            assertThat(lease.address()).isEqualTo(OFFERED);
            assertThat(lan.nic.address()).isEqualTo(OFFERED);
            assertThat(lan.gateway.interfaces().getFirst().address()).isEqualTo(GATEWAY);
        }
    }

    @Test
    void whatNoHostCanHaveIsNamed() {
        assertThat(DhcpClient.unusable(OFFERED, 24)).isNull();
        assertThat(DhcpClient.unusable(Ipv4Address.parseBits("10.0.2.255"), 16)).isNull(); // a host in a /16
        assertThat(DhcpClient.unusable(Ipv4Address.parseBits("192.168.1.1"), 32)).isNull();
        assertThat(DhcpClient.unusable(0, 24)).contains("0.0.0.0/8");
        assertThat(DhcpClient.unusable(Ipv4Address.parseBits("0.1.2.3"), 24)).contains("0.0.0.0/8");
        assertThat(DhcpClient.unusable(Ipv4Address.BROADCAST.bits(), 24)).contains("limited broadcast");
        assertThat(DhcpClient.unusable(Ipv4Address.parseBits("127.0.0.1"), 8)).contains("loopback");
        assertThat(DhcpClient.unusable(Ipv4Address.parseBits("239.1.1.1"), 24)).contains("multicast");
        assertThat(DhcpClient.unusable(Ipv4Address.parseBits("240.0.0.1"), 24)).contains("reserved");
        assertThat(DhcpClient.unusable(Ipv4Address.parseBits("10.0.2.0"), 24)).contains("network address");
        assertThat(DhcpClient.unusable(Ipv4Address.parseBits("10.0.2.255"), 24)).contains("broadcast address");
    }

    @Test
    void leaseTimesAreBroughtToT1BelowT2BelowTheLease() {
        long s = SECOND;
        assertThat(DhcpClient.leaseTimes(60, -1, -1)).isEqualTo(new DhcpClient.LeaseTimes(60, 30 * s, 52_500_000_000L, false));
        assertThat(DhcpClient.leaseTimes(60, 10, 20)).isEqualTo(new DhcpClient.LeaseTimes(60, 10 * s, 20 * s, false));
        assertThat(DhcpClient.leaseTimes(-1, -1, -1)).isEqualTo(new DhcpClient.LeaseTimes(3600, 1800 * s, 3150 * s, false));
        // Both beyond the lease: RFC 2131's defaults.
        assertThat(DhcpClient.leaseTimes(60, 100, 200)).isEqualTo(new DhcpClient.LeaseTimes(60, 30 * s, 52_500_000_000L, true));
        // Equal to the lease, or zero: not usable either.
        assertThat(DhcpClient.leaseTimes(60, 60, 60)).isEqualTo(new DhcpClient.LeaseTimes(60, 30 * s, 52_500_000_000L, true));
        assertThat(DhcpClient.leaseTimes(60, 0, 0)).isEqualTo(new DhcpClient.LeaseTimes(60, 30 * s, 52_500_000_000L, true));
        // T1 after a good T2: T1 comes back before it.
        assertThat(DhcpClient.leaseTimes(60, 50, 40)).isEqualTo(new DhcpClient.LeaseTimes(60, 30 * s, 40 * s, true));
        // A good T2 below half the lease, and no T1: T1 is 4/7 of T2 (RFC's 0.5 : 0.875).
        assertThat(DhcpClient.leaseTimes(60, -1, 14)).isEqualTo(new DhcpClient.LeaseTimes(60, 8 * s, 14 * s, false));
        // A lease too short to live with is stretched.
        assertThat(DhcpClient.leaseTimes(0, -1, -1)).isEqualTo(new DhcpClient.LeaseTimes(20, 10 * s, 17_500_000_000L, true));
        // An infinite lease (0xffffffff) does not overflow.
        DhcpClient.LeaseTimes forever = DhcpClient.leaseTimes(0xFFFF_FFFFL, -1, -1);
        assertThat(forever.t1Nanos()).isPositive().isLessThan(forever.t2Nanos());
        assertThat(forever.t2Nanos()).isLessThan(forever.leaseSeconds() * SECOND);
    }


    @Test
    void renewalTimesBeyondTheLeaseDoNotKeepTheAddressPastExpiry() throws Exception {
        Server server = new Server();
        server.t1 = 100; // both past the 60 s lease
        server.t2 = 200;
        try (Lan lan = new Lan(server, quick(4))) {
            DhcpClient dhcp = lan.dhcp;
            DhcpClient.Lease lease = lan.net.run("acquire", dhcp::acquire);
            assertThat(lease.t1Nanos() - lease.obtainedNanos()).isEqualTo(30 * SECOND);
            assertThat(lease.t2Nanos() - lease.obtainedNanos()).isEqualTo(52_500_000_000L);
            assertThat(lease.expiresNanos() - lease.obtainedNanos()).isEqualTo(60 * SECOND);
            assertThat(dhcp.adjustedTimes()).isEqualTo(1);

            server.mute = true;
            lan.net.startApplication("dhcp-maintain", dhcp::maintain);
            lan.net.idle(62 * SECOND);
            assertThat(dhcp.renewals()).isEqualTo(6);
            assertThat(dhcp.rebinds()).isEqualTo(4);
            assertThat(dhcp.expiries()).isEqualTo(1);
            assertThat(lan.nic.address()).as("the address goes when the lease does").isZero();
        }
    }

    @Test
    void closeEndsMaintainAtOnceInsteadOfAtT1() throws Exception {
        Server server = new Server();
        try (Lan lan = new Lan(server, quick(4))) {
            Network net = lan.net;
            DhcpClient.Lease lease = net.run("acquire", lan.dhcp::acquire);
            Thread maintain = net.startApplication("dhcp-maintain", lan.dhcp::maintain);
            net.idle(SECOND);
            assertThat(maintain.isAlive()).as("maintain waits for T1").isTrue();

            lan.release();
            long closedAt = net.simulation().nanos();
            net.idle(10 * MS);
            maintain.join(1000);

            assertThat(closedAt).as("closed long before T1").isLessThan(lease.t1Nanos() - 10 * SECOND);
            assertThat(maintain.isAlive()).as("maintain returned when the client closed, not at T1").isFalse();
            assertThat(server.count(DhcpMessage.RELEASE)).isEqualTo(1);
            assertThat(server.count(DhcpMessage.REQUEST)).as("no renewal after the close").isEqualTo(1);
        }
    }

    @Test
    void anAckHandledWhileTheClientClosesDoesNotConfigureTheAddressAgain() throws Exception {
        Server server = new Server();
        try (Lan lan = new Lan(server, quick(4))) {
            Network net = lan.net;
            Host client = lan.client;
            DhcpClient dhcp = lan.dhcp;
            DhcpClient.Lease lease = net.run("acquire", dhcp::acquire);
            Thread maintain = net.startApplication("dhcp-maintain", dhcp::maintain);

            // The renewal goes out at T1 = 30 s; the server answers it 2 s later.
            server.delayNanos = 2 * SECOND;
            net.idle(lease.t1Nanos() + 500 * MS - net.simulation().nanos());
            assertThat(server.count(DhcpMessage.REQUEST)).isEqualTo(2);
            // The client's CPU stalls for 5 s: the ACK arrives meanwhile and waits in the card. An
            // application that asked the loop for something before then (the closer) is answered first
            // when it runs again, and closes the DHCP client; the ACK reaches the maintaining thread
            // while that close is under way.
            Job stall = client.cpu().newJob("stall", () -> {
                client.cpu().charge(5 * SECOND);
                return Job.Result.DONE;
            });
            stall.schedule();
            net.idle(MS);
            net.startApplication("closer", () -> {
                try (UdpSocket other = UdpSocket.open(client)) {
                    dhcp.close();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            net.idle(10 * SECOND);
            maintain.join(1000);

            assertThat(server.count(DhcpMessage.RELEASE)).isEqualTo(1);
            assertThat(lan.nic.address()).as("no address after the RELEASE").isZero();
            assertThat(dhcp.lease()).isNull();
            assertThat(dhcp.state()).isEqualTo(DhcpClient.State.RELEASED);
            assertThat(client.dnsServers()).isEmpty();
            assertThat(maintain.isAlive()).as("maintain returned").isFalse();
        }
    }
}
