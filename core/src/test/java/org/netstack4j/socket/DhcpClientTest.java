package org.netstack4j.socket;

import org.junit.jupiter.api.Test;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.Network;
import org.netstack4j.stack.Host;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.stack.NetInterface;
import org.netstack4j.wire.DhcpMessage;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

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

    /** What the server saw: message type, and the destination it would answer. */
    record Seen(int type, int clientAddress, long atNanos) {
    }

    /** A DHCP server good enough to test a client: one address, leases of 60 s, can be muted. */
    static final class Server {
        final List<Seen> seen = new CopyOnWriteArrayList<>();
        volatile boolean mute;
        volatile boolean nak;
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
                        byte[] reply = DhcpMessage.serverMessage(answer, DhcpMessage.xid(b), mac, OFFERED, GATEWAY,
                                MASK, GATEWAY, GATEWAY, LEASE);
                        int to = ciaddr != 0 ? ciaddr : Ipv4Address.BROADCAST.bits();
                        socket.sendTo(reply, 0, reply.length, to, DhcpMessage.CLIENT_PORT);
                    }
                } catch (Exception closed) {
                    // end of the test
                }
            });
        }

        long count(int type) {
            return seen.stream().filter(s -> s.type() == type).count();
        }
    }

    private static Network network() {
        Network net = Network.simulated(3);
        net.addHost("client", MacAddress.parse("52:54:00:12:34:56"), "0.0.0.0/0", WakeMode.NAPI, HostConfig.DEFAULT);
        net.addHost("gateway", MacAddress.parse("52:55:0a:00:02:02"), "10.0.2.2/24", WakeMode.NAPI, HostConfig.DEFAULT);
        net.cable(net.nodes().get(0), net.nodes().get(1));
        net.start();
        return net;
    }

    @Test
    void takesALeaseRenewsAtT1RebindsAtT2ReleasesOnClose() throws Exception {
        Network net = network();
        Host client = net.nodes().get(0).host();
        Host gw = net.nodes().get(1).host();
        NetInterface nic = client.interfaces().getFirst();
        Server server = new Server();
        server.serve(net, gw);

        DhcpClient dhcp = net.run("dhcp", () -> new DhcpClient(client, nic, DhcpClient.Options.DEFAULT));
        DhcpClient.Lease lease = net.run("acquire", dhcp::acquire);
        assertThat(lease.address()).isEqualTo(OFFERED);
        assertThat(lease.prefix()).isEqualTo(24);
        assertThat(lease.router()).isEqualTo(GATEWAY);
        assertThat(client.dnsServers()).containsExactly(GATEWAY);
        assertThat(nic.address()).isEqualTo(OFFERED);
        assertThat(server.count(DhcpMessage.DISCOVER)).isEqualTo(1);
        assertThat(server.count(DhcpMessage.REQUEST)).isEqualTo(1);

        // The gateway reaches us at the leased address, and we reach the router through the default route.
        Ping.Reply fromGateway = net.run("ping-in", () -> {
            try (Ping p = Ping.open(gw, 64)) {
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
        assertThat(dhcp.rebinds()).isPositive();
        // ... and when the lease runs out, the address goes.
        net.idle(30 * SECOND);
        assertThat(dhcp.expiries()).isEqualTo(1);
        assertThat(nic.address()).isZero();

        // The server is back: the client finds it again.
        server.mute = false;
        net.idle(70 * SECOND);
        assertThat(dhcp.state()).isEqualTo(DhcpClient.State.BOUND);
        assertThat(nic.address()).isEqualTo(OFFERED);

        net.run("release", () -> {
            dhcp.close();
            return null;
        });
        assertThat(server.count(DhcpMessage.RELEASE)).isEqualTo(1);
        assertThat(nic.address()).isZero();
        net.run("stop", () -> {
            server.socket.close();
            return null;
        });
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    @Test
    void noServerMeansATimeoutAfterTheRetries() throws Exception {
        Network net = network();
        Host client = net.nodes().get(0).host();
        DhcpClient dhcp = net.run("dhcp", () -> new DhcpClient(client, client.interfaces().getFirst(),
                new DhcpClient.Options(Duration.ofSeconds(1), 3, Duration.ZERO, "x")));
        long start = net.simulation().nanos();
        Throwable t = net.run("acquire", () -> {
            try {
                dhcp.acquire();
                return null;
            } catch (java.io.IOException e) {
                return e;
            }
        });
        assertThat(t).isInstanceOf(java.net.SocketTimeoutException.class);
        assertThat(dhcp.discovers()).isEqualTo(3);
        assertThat(net.simulation().nanos() - start).isBetween(7 * SECOND, 8 * SECOND); // 1 + 2 + 4 s
        net.run("close", () -> {
            dhcp.close();
            return null;
        });
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    @Test
    void aNakSendsTheClientBackToDiscover() throws Exception {
        Network net = network();
        Host client = net.nodes().get(0).host();
        Server server = new Server();
        server.nak = true;
        server.serve(net, net.nodes().get(1).host());
        DhcpClient dhcp = net.run("dhcp", () -> new DhcpClient(client, client.interfaces().getFirst(),
                new DhcpClient.Options(Duration.ofSeconds(1), 2, Duration.ZERO, "x")));
        net.startApplication("acquire", () -> {
            try {
                dhcp.acquire();
            } catch (Exception e) {
                // closed below
            }
        });
        net.idle(3 * SECOND);
        assertThat(dhcp.naks()).isGreaterThanOrEqualTo(2);
        assertThat(server.count(DhcpMessage.DISCOVER)).isGreaterThanOrEqualTo(2);
        assertThat(client.interfaces().getFirst().address()).isZero();
        server.nak = false;
        net.idle(3 * SECOND);
        assertThat(client.interfaces().getFirst().address()).isEqualTo(OFFERED);
        net.run("close", () -> {
            dhcp.close();
            server.socket.close();
            return null;
        });
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }
}
