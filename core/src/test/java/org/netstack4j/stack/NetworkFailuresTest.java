package org.netstack4j.stack;

import org.junit.jupiter.api.Test;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.ThreadFailures.ThreadFailedException;
import org.netstack4j.lab.Network;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.wire.Ipv4Address;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A server thread that dies fails the test that started it, with its cause: at the next run in
 * simulated time (not as a timeout later), and at close on real threads. The network still tears
 * down and returns every buffer.
 */
class NetworkFailuresTest {
    private static final int GATEWAY = Ipv4Address.parse("10.0.2.2").bits();

    /** A server on the gateway's port 2000 that fails an assertion on the first datagram it gets. */
    private static void startDyingServer(Network net) throws Exception {
        Host gateway = net.nodes().get(1).host();
        UdpSocket server = net.run("bind", () -> UdpSocket.bind(gateway, 2000));
        net.startApplication("server", () -> {
            try {
                server.receive(new byte[100]);
            } catch (Exception e) {
                throw new IllegalStateException("the test expected a datagram", e);
            }
            throw new AssertionError("planted: the server's check failed");
        });
    }

    private static Void sendOne(Network net, Duration wait) throws Exception {
        try (UdpSocket s = UdpSocket.open(net.nodes().get(0).host())) {
            s.setTimeout(wait);
            s.connect(GATEWAY, 2000);
            s.send(new byte[] {1});
            s.receive(new byte[100]); // no answer ever comes
        }
        return null;
    }

    @Test
    void inSimulatedTimeTheRunFailsWithTheServersCauseNotATimeout() throws Exception {
        Network net = TwoHosts.start(Network.simulated(5), "client", WakeMode.NAPI, "gateway", WakeMode.NAPI);
        try {
            startDyingServer(net);
            assertThatThrownBy(() -> net.run("client", () -> sendOne(net, Duration.ofSeconds(30))))
                    .isInstanceOf(ThreadFailedException.class)
                    .hasMessageContaining("thread server died")
                    .cause().isInstanceOf(AssertionError.class).hasMessageContaining("planted");
            assertThat(net.simulation().nanos()).isLessThan(1_000_000_000L); // long before the 30 s timeout
        } finally {
            net.close(); // the failure was thrown once: close has nothing more to say
        }
        assertThat(net.poolsFull()).isTrue();
    }

    @Test
    void inSimulatedTimeCloseThrowsAFailureNobodyRanInto() throws Exception {
        Network net = TwoHosts.start(Network.simulated(6), "client", WakeMode.NAPI, "gateway", WakeMode.NAPI);
        net.startApplication("checker", () -> {
            throw new AssertionError("planted: a check in a background thread");
        });
        assertThatThrownBy(net::close)
                .isInstanceOf(ThreadFailedException.class)
                .cause().hasMessageContaining("planted");
        assertThat(net.poolsFull()).isTrue();
    }

    @Test
    void onRealThreadsTheRunAndCloseThrowWhatAServerDiedOf() throws Exception {
        Network net = TwoHosts.start(Network.real(7), "client", WakeMode.NAPI, "gateway", WakeMode.NAPI);
        try {
            startDyingServer(net);
            assertThatThrownBy(() -> net.run("client", () -> sendOne(net, Duration.ofMillis(500))))
                    .isInstanceOf(java.net.SocketTimeoutException.class); // the client's own verdict comes first
            Thread checker = net.startApplication("checker", () -> {
                throw new AssertionError("planted: a second failure");
            });
            checker.join(10_000); // on real threads it dies when it dies: let it, before the close
        } finally {
            assertThatThrownBy(net::close)
                    .isInstanceOfSatisfying(ThreadFailedException.class, e -> {
                        assertThat(e.thread()).isEqualTo("server");
                        assertThat(e.getSuppressed()).hasSize(1);
                    });
        }
        assertThat(net.poolsFull()).isTrue();
    }
}
