package org.netstack4j.stack;

import org.junit.jupiter.api.Test;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.Job;
import org.netstack4j.lab.Network;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.wire.MacAddress;

import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Application calls into a host whose loop is stalled past the 10 s call timeout, in simulated
 * time: a call its caller gave up on must have no effect when the loop runs again, and a close
 * must reach the loop however full its hand-off queue is.
 */
class StalledLoopTest {
    static final long MS = 1_000_000L;
    static final long SECOND = 1_000_000_000L;
    static final int PORT = 7000;

    /** Two hosts on a cable; the first (the one under test) has room for two sockets. */
    private static Network build() {
        Network net = Network.simulated(5);
        Network.Node a = net.addHost("host", MacAddress.parse("52:54:00:12:34:56"), "10.0.2.15/24", WakeMode.NAPI,
                HostConfig.builder().maxSockets(2).build());
        Network.Node b = net.addHost("peer", MacAddress.parse("52:55:0a:00:02:02"), "10.0.2.2/24", WakeMode.NAPI,
                HostConfig.DEFAULT);
        net.cable(a, b);
        net.start();
        return net;
    }

    /** Keeps {@code host}'s CPU busy (its loop does not run) for {@code nanos} from about now. */
    private static void stall(Network net, Host host, long nanos) throws InterruptedException {
        Job stall = host.cpu().newJob("stall", () -> {
            host.cpu().charge(nanos);
            return Job.Result.DONE;
        });
        stall.schedule();
        net.idle(MS); // the stall job runs, and the CPU is busy from here on
    }

    private static String attempt(SocketCall c) {
        try {
            c.run();
            return "done";
        } catch (SocketException e) {
            return e.getMessage();
        }
    }

    @FunctionalInterface
    interface SocketCall {
        void run() throws SocketException;
    }

    @Test
    void aCallItsCallerGaveUpOnNeverRunsLater() throws Exception {
        Network net = build();
        Host host = net.nodes().get(0).host();
        UdpSocket s = net.run("open", () -> UdpSocket.open(host));
        assertThat(host.sockets().openEndpoints()).isEqualTo(1);

        stall(net, host, 25 * SECOND);
        List<String> outcomes = net.run("impatient", () -> List.of(
                attempt(() -> s.bindTo(0, PORT)),
                attempt(() -> UdpSocket.open(host))));
        assertThat(outcomes).hasSize(2).allSatisfy(m -> assertThat(m).contains("did not answer within 10 s"));

        net.idle(10 * SECOND); // the loop runs again (at 25 s) and finds the two calls abandoned
        assertThat(host.sockets().openEndpoints()).as("no endpoint that nobody holds").isEqualTo(1);
        assertThat(s.localPort()).as("the bind that timed out did not happen after all").isZero();
        // So the port is free, and the second socket slot too.
        int bound = net.run("rebind", () -> {
            try (UdpSocket other = UdpSocket.bind(host, PORT)) {
                return other.localPort();
            }
        });
        assertThat(bound).isEqualTo(PORT);
        net.run("close", () -> {
            s.close();
            return null;
        });
        assertThat(host.sockets().openEndpoints()).isZero();
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    @Test
    void aCloseReachesTheLoopEvenWhenTheHandOffQueueIsFull() throws Exception {
        Network net = build();
        Host host = net.nodes().get(0).host();
        UdpSocket s = net.run("bind", () -> UdpSocket.bind(host, PORT));

        stall(net, host, 30 * SECOND);
        // 128 callers fill the loop's hand-off queue (2 x 2 sockets + 64, rounded up to 128 slots).
        List<String> flood = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 128; i++) {
            net.startApplication("caller-" + i, () -> flood.add(attempt(() -> UdpSocket.open(host))));
        }
        List<String> closer = Collections.synchronizedList(new ArrayList<>());
        net.startApplication("closer", () -> {
            closer.add(attempt(() -> UdpSocket.open(host))); // shows the queue is full
            s.close();
            closer.add("closed");
        });
        net.idle(15 * SECOND);
        assertThat(closer).hasSize(2);
        assertThat(closer.get(0)).contains("too busy");
        assertThat(flood).hasSize(128).allSatisfy(m -> assertThat(m).contains("did not answer within 10 s"));

        net.idle(20 * SECOND); // the loop runs again at 30 s: the close first, the abandoned calls skipped
        assertThat(host.sockets().openEndpoints()).as("the closed socket's slot is free, and no abandoned open took one")
                .isZero();
        int bound = net.run("rebind", () -> {
            try (UdpSocket a = UdpSocket.bind(host, PORT); UdpSocket b = UdpSocket.open(host)) {
                return a.localPort();
            }
        });
        assertThat(bound).as("the closed socket's port is free").isEqualTo(PORT);
        assertThat(host.sockets().openEndpoints()).isZero();
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }
}
