package org.netstack4j.stack;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.Network;
import org.netstack4j.lab.ServerLoop;
import org.netstack4j.socket.Ping;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.wire.Ipv4Address;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Two hosts on a cable: ARP, UDP both ways, ICMP echo — in each wake mode, simulated and real. */
class TwoHostsTest {
    static final int HOST = Ipv4Address.parseBits("10.0.2.15");
    static final int GATEWAY = Ipv4Address.parseBits("10.0.2.2");

    private static void exchange(Network net) throws Exception {
        Network.Node host = net.nodes().get(0);
        Network.Node gw = net.nodes().get(1);
        UdpSocket server = net.run("bind", () -> UdpSocket.bind(gw.host(), 2000));
        byte[] serverBuf = new byte[2048];
        byte[] serverAnswer = "this is the host!".getBytes(StandardCharsets.US_ASCII);
        net.startApplication("echo", ServerLoop.untilClosed(() -> {
            server.receive(serverBuf);
            server.sendTo(serverAnswer, 0, serverAnswer.length, server.sourceAddress(), server.sourcePort());
        }));
        String answer = net.run("client", () -> {
            try (UdpSocket s = UdpSocket.open(host.host())) {
                s.setTimeout(Duration.ofSeconds(5));
                s.connect(GATEWAY, 2000);
                byte[] msg = "a message from xv6!".getBytes(StandardCharsets.US_ASCII);
                for (int i = 0; i < 100; i++) {
                    s.send(msg);
                    byte[] buf = new byte[100];
                    int n = s.receive(buf);
                    if (i == 99) {
                        return new String(buf, 0, n, StandardCharsets.US_ASCII);
                    }
                }
                return null;
            }
        });
        assertThat(answer).isEqualTo("this is the host!");
        Ping.Reply reply = net.run("ping", () -> {
            try (Ping p = Ping.open(host.host(), 100)) {
                return p.ping(GATEWAY, 1, 56, Duration.ofSeconds(2));
            }
        });
        assertThat(reply).isNotNull();
        assertThat(reply.from()).isEqualTo(GATEWAY);
        assertThat(reply.bytes()).isEqualTo(56);
        Ping.Reply big = net.run("ping-big", () -> {
            try (Ping p = Ping.open(host.host(), 5000)) {
                return p.ping(GATEWAY, 2, 4000, Duration.ofSeconds(2));
            }
        });
        assertThat(big).isNotNull();
        assertThat(big.bytes()).isEqualTo(4000);
        assertThat(gw.host().counters().get(Counter.IP_REASM_OKS)).isEqualTo(1);
        assertThat(host.host().counters().get(Counter.IP_REASM_OKS)).isEqualTo(1);
        net.run("close", () -> {
            server.close();
            return null;
        });
        // Nobody listens on the gateway now: a connected socket hears of it from ICMP.
        Throwable refused = net.run("refused", () -> {
            try (UdpSocket s = UdpSocket.open(host.host())) {
                s.setTimeout(Duration.ofSeconds(2));
                s.connect(GATEWAY, 2000);
                s.send(new byte[]{1});
                s.receive(new byte[10]);
                return null;
            } catch (java.io.IOException e) {
                return e;
            }
        });
        assertThat(refused).isInstanceOf(java.net.PortUnreachableException.class);
        assertThat(gw.host().counters().get(Counter.UDP_NO_PORTS)).isEqualTo(1);
    }

    private static Network build(Network net, WakeMode mode) {
        return TwoHosts.start(net, "host", mode, "gateway", mode);
    }

    @ParameterizedTest
    @EnumSource(WakeMode.class)
    void simulated(WakeMode mode) throws Exception {
        Network net = build(Network.simulated(7), mode);
        exchange(net);
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(WakeMode.class)
    void realThreads(WakeMode mode) throws Exception {
        Network net = build(Network.real(7), mode);
        exchange(net);
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }
}
