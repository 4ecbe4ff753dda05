package org.netstack4j.lab;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.hw.link.SwitchAddress;
import org.netstack4j.hw.link.SwitchLink;
import org.netstack4j.hw.link.SwitchServer;
import org.netstack4j.socket.Ping;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.stack.Host;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whole netstack4j hosts on the switch medium, each in a network of its own as if in its own
 * process (its own clock, CPU thread and link), all in this JVM: ping and the lab's UDP exchange
 * through a {@link SwitchServer}, over a Unix socket and over UDP. The same with real processes is
 * in the CLI's tests.
 */
@Timeout(30)
class SwitchHostsTest {
    @TempDir
    Path dir;

    private final Closer open = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        open.close();
    }

    /** One host alone in its network, its card on the switch; with the lab's UDP service if asked. */
    private record Station(Network net, Host host, SwitchLink link) implements AutoCloseable {
        @Override
        public void close() throws java.io.IOException {
            link.close();
            net.close();
            assertThat(net.poolsFull()).as("every buffer of %s back in its pool", host).isTrue();
        }
    }

    private Station station(SwitchAddress sw, String name, String mac, String cidr, boolean service) throws Exception {
        Network net = Network.real(name.hashCode());
        Network.Node node = net.addHost(name, MacAddress.parse(mac), cidr, WakeMode.NAPI, HostConfig.DEFAULT);
        SwitchLink link = SwitchLink.open(sw);
        link.connect(node.machine().nics().getFirst().card());
        net.start();
        Station s = new Station(net, node.host(), link);
        open.add(s);
        if (service) {
            UdpSocket socket = UdpSocket.bind(node.host(), LabWorld.SERVICE_PORT);
            byte[] buffer = new byte[2048];
            byte[] answer = LabWorld.ANSWER.getBytes(StandardCharsets.US_ASCII);
            net.startApplication("service", ServerLoop.untilClosed(() -> {
                UdpSocket.Datagram d = socket.receiveFrom(buffer);
                socket.sendTo(answer, 0, answer.length, d.address(), d.port());
            }));
            open.add((AutoCloseable) socket::close);
        }
        return s;
    }

    private static int ip(String a) {
        return Ipv4Address.parseBits(a);
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix", "udp"})
    void hostsPingEachOtherAndTheLabServiceAnswersThroughTheSwitch(String kind) throws Exception {
        SwitchServer sw = SwitchServer.start(kind.equals("unix") ? SwitchAddress.unix(dir.resolve("sw.sock"))
                : SwitchAddress.udp(0));
        open.add(sw);
        SwitchAddress at = sw.addresses().getFirst();
        Station a = station(at, "a", "52:54:00:12:34:56", "10.0.2.15/24", false);
        Station b = station(at, "b", "52:55:0a:00:02:02", "10.0.2.2/24", true);
        Station c = station(at, "c", "52:54:00:12:34:57", "10.0.2.16/24", true);

        try (Ping ping = Ping.open(a.host(), 4000)) {
            assertThat(ping.ping(ip("10.0.2.2"), 1, 56, Duration.ofSeconds(3))).as("a pings b").isNotNull();
            assertThat(ping.ping(ip("10.0.2.16"), 2, 56, Duration.ofSeconds(3))).as("a pings c").isNotNull();
            Ping.Reply big = ping.ping(ip("10.0.2.2"), 3, 4000, Duration.ofSeconds(3));
            assertThat(big).as("4000 bytes: fragments both ways").isNotNull();
            assertThat(big.bytes()).isEqualTo(4000);
        }
        try (Ping ping = Ping.open(c.host(), 100)) {
            assertThat(ping.ping(ip("10.0.2.2"), 1, 56, Duration.ofSeconds(3))).as("c pings b").isNotNull();
        }

        try (UdpSocket s = UdpSocket.open(a.host())) {
            s.setTimeout(Duration.ofSeconds(3));
            byte[] question = LabWorld.QUESTION.getBytes(StandardCharsets.US_ASCII);
            byte[] buffer = new byte[2048];
            for (String peer : new String[] {"10.0.2.2", "10.0.2.16"}) {
                for (int i = 0; i < 20; i++) {
                    s.sendTo(question, ip(peer), LabWorld.SERVICE_PORT);
                    UdpSocket.Datagram d = s.receiveFrom(buffer);
                    assertThat(new String(buffer, 0, d.length(), StandardCharsets.US_ASCII)).isEqualTo(LabWorld.ANSWER);
                    assertThat(d.address()).isEqualTo(ip(peer));
                }
            }
        }

        // One host goes; the others and the switch go on.
        b.close();
        open.remove(b);
        try (Ping ping = Ping.open(a.host(), 100)) {
            assertThat(ping.ping(ip("10.0.2.16"), 9, 56, Duration.ofSeconds(3))).as("a still pings c").isNotNull();
            assertThat(ping.ping(ip("10.0.2.2"), 10, 56, Duration.ofMillis(300))).as("b is gone").isNull();
        }
        assertThat(sw.isRunning()).isTrue();
        assertThat(a.link().counters().get("tx_queue_drops")).isZero();
    }
}
