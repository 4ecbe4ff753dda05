package org.netstack4j.stack;

import org.junit.jupiter.api.Test;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.Network;
import org.netstack4j.socket.TcpListener;
import org.netstack4j.socket.TcpSocket;
import org.netstack4j.wire.Ipv4Address;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Socket memory on demand: a datagram socket holds no ring until a datagram goes through it,
 * and a TCP connection holds no stream memory while nothing waits in it (idle, established).
 */
class SocketMemoryTest {
    private static final int GATEWAY = Ipv4Address.parseBits("10.0.2.2");

    @Test
    void anIdleDatagramSocketHoldsNoRingAndAUsedOneOnlyTheSideItUsed() throws Exception {
        Network net = TwoHosts.start(Network.simulated(71), "client", WakeMode.NAPI, "gateway", WakeMode.NAPI);
        Host client = net.nodes().get(0).host();
        UdpEndpoint[] idle = new UdpEndpoint[100];
        net.run("open", () -> {
            for (int i = 0; i < idle.length; i++) {
                idle[i] = client.sockets().openUdp();
                client.sockets().bindUdp(idle[i], 0, 0);
            }
            return null;
        });
        for (UdpEndpoint e : idle) {
            assertThat(e.receiveRing.allocated() || e.sendRing.allocated()).as("idle: no ring memory").isFalse();
        }
        UdpEndpoint sender = idle[0];
        net.run("send", () -> {
            client.sockets().connectUdp(sender, GATEWAY, 9);
            byte[] one = {1};
            sender.send(one, 0, 1, GATEWAY, 9, Long.MAX_VALUE);
            return null;
        });
        net.idle(10_000_000L);
        assertThat(sender.sendRing.allocated()).as("it sent: its send ring exists").isTrue();
        assertThat(sender.receiveRing.allocated()).as("nothing came back (port 9 is closed): no receive ring").isFalse();
        net.run("close", () -> {
            for (UdpEndpoint e : idle) {
                client.sockets().close(e);
            }
            return null;
        });
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    @Test
    void aThousandIdleTcpConnectionsHoldNoStreamMemory() throws Exception {
        Network net = TwoHosts.start(Network.simulated(72), "client", WakeMode.NAPI, "gateway", WakeMode.NAPI);
        Host client = net.nodes().get(0).host();
        Host gateway = net.nodes().get(1).host();
        TcpListener l = net.run("listen", () -> TcpListener.listen(gateway, 5000, 1024));
        TcpSocket[] clients = new TcpSocket[1000];
        TcpSocket[] servers = new TcpSocket[1000];
        net.run("open", () -> {
            for (int i = 0; i < clients.length; i++) {
                clients[i] = TcpSocket.connect(client, GATEWAY, 5000, Duration.ofSeconds(5));
                servers[i] = l.accept();
                clients[i].write(new byte[] {(byte) i});
                servers[i].read(new byte[1]); // a byte each way went through, then all is quiet
            }
            return null;
        });
        net.idle(1_000_000_000L);
        assertThat(client.counters().get(Counter.TCP_CURR_ESTAB)).isEqualTo(1000);
        assertThat(client.tcp().memory().inUse()).as("client: nothing waits, no chunk held").isZero();
        assertThat(gateway.tcp().memory().inUse()).as("server: the same").isZero();
        net.run("close", () -> {
            for (int i = 0; i < clients.length; i++) {
                clients[i].close();
                servers[i].close();
            }
            l.close();
            return null;
        });
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }
}
