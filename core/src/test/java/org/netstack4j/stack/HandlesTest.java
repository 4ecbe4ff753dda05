package org.netstack4j.stack;

import org.junit.jupiter.api.Test;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.Applications;
import org.netstack4j.lab.Network;
import org.netstack4j.lab.ServerLoop;
import org.netstack4j.socket.Ping;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.wire.Ipv4Address;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * Socket handles (DESIGN.md, "Sockets and handles"): a handle reaches only the endpoint it was
 * made for. The comms-library bug — a worker writing a late reply through a socket number the
 * system had meanwhile given to something else — is reproduced here and must never happen.
 */
class HandlesTest {
    static final int SERVER = Ipv4Address.parseBits("10.0.2.15");
    static final int PEER = Ipv4Address.parseBits("10.0.2.2");
    static final int PORT = 7000;
    static final int PEER_PORT = 9000;
    static final int ITERATIONS = 200;

    /** A one-shot signal between application threads, through {@link Applications} (so it works in simulated time). */
    static final class Gate {
        private final Applications apps;
        private volatile boolean open;
        private volatile Thread waiter;

        Gate(Applications apps) {
            this.apps = apps;
        }

        void await() {
            waiter = Thread.currentThread();
            while (!open) {
                apps.block(apps.clock().nanos() + 1_000_000_000L);
            }
        }

        void open() {
            open = true;
            Thread w = waiter;
            if (w != null) {
                apps.wake(w);
            }
        }
    }

    private static Network build(Network net) {
        return TwoHosts.start(net, "server", WakeMode.NAPI, "peer", WakeMode.NAPI);
    }

    /** What the peer received on its port: "port:text" for each datagram, in order. */
    private static List<String> startPeer(Network net, UdpSocket peer) {
        List<String> received = Collections.synchronizedList(new ArrayList<>());
        byte[] buf = new byte[256];
        net.startApplication("peer", ServerLoop.untilClosed(() -> {
            int n = peer.receive(buf);
            String text = new String(buf, 0, n, StandardCharsets.US_ASCII);
            received.add(peer.sourcePort() + ":" + text);
            if (peer.sourceAddress() != SERVER) {
                received.add("stranger:" + text);
            }
        }));
        return received;
    }

    private static void assertClosed(ThrowingCall call) {
        assertThatThrownBy(call::run).isInstanceOf(SocketClosedException.class).hasMessageContaining("closed");
    }

    @FunctionalInterface
    interface ThrowingCall {
        void run() throws Exception;
    }

    @Test
    void everyOperationOnAClosedSocketFailsSayingSo() throws Exception {
        Network net = build(Network.simulated(11));
        Host server = net.nodes().get(0).host();
        net.run("ops", () -> {
            UdpSocket connected = UdpSocket.bind(server, PORT);
            connected.connect(PEER, PEER_PORT);
            UdpSocket plain = UdpSocket.bind(server, PORT + 1);
            UdpSocket unbound = UdpSocket.open(server);
            for (UdpSocket s : List.of(connected, plain, unbound)) {
                s.close();
                s.close(); // twice is harmless
                assertThat(s.isClosed()).isTrue();
                assertClosed(() -> s.send(new byte[] {1}));
                assertClosed(() -> s.sendTo(new byte[] {1}, PEER, PEER_PORT));
                assertClosed(() -> s.receive(new byte[10]));
                assertClosed(() -> s.receiveNow(new byte[10], 0, 10));
                assertClosed(() -> s.connect(PEER, PEER_PORT));
                assertClosed(() -> s.bindTo(0, 0));
            }
            Ping ping = Ping.open(server, 64);
            ping.close();
            assertClosed(() -> ping.ping(PEER, 1, 56, Duration.ofMillis(100)));
            return null;
        });
        assertThat(server.counters().get(Counter.UDP_OUT_DATAGRAMS)).isZero();
        assertThat(server.counters().get(Counter.ICMP_OUT_ECHOS)).isZero();
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    @Test
    void closingWakesABlockedReader() throws Exception {
        Network net = build(Network.simulated(12));
        Host server = net.nodes().get(0).host();
        AtomicReference<Throwable> readerSaw = new AtomicReference<>();
        UdpSocket s = net.run("bind", () -> UdpSocket.bind(server, PORT));
        net.startApplication("reader", () -> {
            try {
                s.receive(new byte[10]); // no timeout: only the close can end this
                readerSaw.set(new AssertionError("receive returned"));
            } catch (Exception e) {
                readerSaw.set(e);
            }
        });
        net.idle(100_000_000L);
        assertThat(readerSaw.get()).isNull();
        net.run("close", () -> {
            s.close();
            return null;
        });
        net.idle(1_000_000L);
        assertThat(readerSaw.get()).isInstanceOf(SocketClosedException.class).hasMessageContaining("closed");
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    /**
     * The narrowest interleaving, forced: a sender passed the open check before the close and
     * puts its datagram in the endpoint's send queue only after the loop has drained it and
     * unregistered the endpoint. It lands in a dead queue and is dropped and counted — even
     * though a new socket now owns the port and is connected to the same peer.
     */
    @Test
    void aSendThatLosesTheRaceWithCloseIsDroppedAndCounted() throws Exception {
        Network net = build(Network.simulated(15));
        Host server = net.nodes().get(0).host();
        Host peerHost = net.nodes().get(1).host();
        UdpSocket peer = net.run("peer-bind", () -> UdpSocket.bind(peerHost, PEER_PORT));
        List<String> received = startPeer(net, peer);
        net.run("race", () -> {
            UdpEndpoint a = server.sockets().openUdp();
            server.sockets().bindUdp(a, 0, PORT);
            server.sockets().connectUdp(a, PEER, PEER_PORT);
            server.sockets().close(a);
            UdpSocket b = UdpSocket.bind(server, PORT);
            b.connect(PEER, PEER_PORT);
            byte[] late = "late".getBytes(StandardCharsets.US_ASCII);
            assertThat(a.sendRing.offer(late, 0, late.length, PEER, PEER_PORT, 0)).isTrue();
            server.loop().handOff(a); // what Endpoint.send does after publishing
            b.send("B".getBytes(StandardCharsets.US_ASCII));
            b.close();
            return null;
        });
        net.idle(10_000_000L);
        assertThat(received).containsExactly(PORT + ":B");
        assertThat(server.counters().get(Counter.UDP_SENDS_AFTER_CLOSE)).isEqualTo(1);
        assertThat(server.counters().get(Counter.UDP_OUT_DATAGRAMS)).isEqualTo(1);
        net.run("close", () -> {
            peer.close();
            return null;
        });
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    /**
     * The original scenario, step by step in simulated time: a worker holds socket A and is slow;
     * A is closed; socket B (the "database") binds A's port and connects to the same peer; the
     * worker then writes its late reply through A. The phase at which the late write comes varies.
     */
    @Test
    void lateReplyThroughAClosedSocketNeverReachesItsSuccessorSimulated() throws Exception {
        Network net = build(Network.simulated(13));
        Host server = net.nodes().get(0).host();
        Host peerHost = net.nodes().get(1).host();
        UdpSocket peer = net.run("peer-bind", () -> UdpSocket.bind(peerHost, PEER_PORT));
        List<String> received = startPeer(net, peer);
        AtomicInteger lateThrew = new AtomicInteger();
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < ITERATIONS; i++) {
            int iteration = i;
            int phase = i % 3;
            Gate go = new Gate(net.applications());
            Gate done = new Gate(net.applications());
            AtomicReference<UdpSocket> held = new AtomicReference<>();
            net.run("main-" + i, () -> {
                UdpSocket a = UdpSocket.bind(server, PORT);
                a.connect(PEER, PEER_PORT);
                held.set(a);
                net.startApplication("worker-" + iteration, () -> {
                    go.await();
                    try {
                        held.get().send(("late-" + iteration).getBytes(StandardCharsets.US_ASCII));
                        problems.add("late send " + iteration + " was accepted");
                    } catch (SocketClosedException e) {
                        lateThrew.incrementAndGet(); // anything else kills the worker and fails the test
                    } catch (IOException e) {
                        problems.add("late send " + iteration + ": " + e);
                    } finally {
                        done.open();
                    }
                });
                a.send(("A-" + iteration).getBytes(StandardCharsets.US_ASCII));
                a.close();
                if (phase == 0) {
                    go.open();
                    done.await();
                }
                UdpSocket b = UdpSocket.bind(server, PORT); // the same port, a new endpoint
                b.connect(PEER, PEER_PORT);
                if (phase == 1) {
                    go.open();
                    done.await();
                }
                b.send(("B-" + iteration).getBytes(StandardCharsets.US_ASCII));
                if (phase == 2) {
                    go.open();
                    done.await();
                }
                b.send(("B-end-" + iteration).getBytes(StandardCharsets.US_ASCII));
                b.close();
                return null;
            });
            net.idle(5_000_000L);
            assertThat(received).as("iteration %d", i).endsWith(PORT + ":A-" + i, PORT + ":B-" + i, PORT + ":B-end-" + i);
        }
        assertThat(problems).isEmpty();
        assertThat(lateThrew.get()).isEqualTo(ITERATIONS);
        assertThat(received).hasSize(3 * ITERATIONS).noneMatch(s -> s.contains("late") || s.startsWith("stranger"));
        net.run("close", () -> {
            peer.close();
            return null;
        });
        net.close();
        assertThat(server.counters().get(Counter.UDP_OUT_DATAGRAMS)).isEqualTo(3L * ITERATIONS);
        assertThat(net.poolsFull()).isTrue();
    }

    /**
     * The same scenario as a real race: a worker keeps writing through A while the main thread
     * closes A and opens B on A's port. A write either fails (the handle is closed), or was put in
     * A's queue before the close and goes out before B exists, or lands in A's dead queue and is
     * dropped and counted. Nothing written through A ever follows B's traffic.
     */
    @Test
    void lateRepliesRacingTheCloseNeverReachTheSuccessorOnRealThreads() throws Exception {
        Network net = build(Network.real(14));
        Host server = net.nodes().get(0).host();
        Host peerHost = net.nodes().get(1).host();
        UdpSocket peer = UdpSocket.bind(peerHost, PEER_PORT);
        List<String> received = startPeer(net, peer);
        // Resolve each other first, so nothing waits on ARP.
        try (UdpSocket warm = UdpSocket.bind(server, PORT)) {
            warm.connect(PEER, PEER_PORT);
            warm.send("warm".getBytes(StandardCharsets.US_ASCII));
        }
        waitFor(received, PORT + ":warm");
        received.clear();
        long acceptedA = 0;
        long deliveredA = 0;
        int threw = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            int iteration = i;
            UdpSocket a = UdpSocket.bind(server, PORT);
            a.connect(PEER, PEER_PORT);
            AtomicInteger accepted = new AtomicInteger();
            AtomicReference<Exception> failure = new AtomicReference<>();
            Thread worker = net.startApplication("worker-" + i, () -> {
                try {
                    for (int k = 0; k < 200; k++) {
                        a.send(("A-" + iteration + "-" + k).getBytes(StandardCharsets.US_ASCII));
                        accepted.incrementAndGet();
                        Thread.yield();
                    }
                } catch (SocketClosedException e) {
                    failure.set(e); // anything else kills the worker, and the network's close fails the test
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            while (accepted.get() < i % 8 && worker.isAlive()) {
                Thread.onSpinWait();
            }
            a.close();
            UdpSocket b = UdpSocket.bind(server, PORT);
            b.connect(PEER, PEER_PORT);
            b.send(("B-" + i).getBytes(StandardCharsets.US_ASCII));
            worker.join(10_000);
            assertThat(worker.isAlive()).isFalse();
            if (failure.get() != null) {
                threw++;
            } else {
                assertThat(accepted.get()).as("a worker the close did not stop wrote everything").isEqualTo(200);
            }
            b.send(("B-end-" + i).getBytes(StandardCharsets.US_ASCII));
            b.close();
            waitFor(received, PORT + ":B-end-" + i);
            acceptedA += accepted.get();

            // What the peer saw this iteration: a prefix of A's writes in order, then B's two.
            List<String> mine = new ArrayList<>(received);
            received.clear();
            int k = 0;
            while (k < mine.size() && mine.get(k).equals(PORT + ":A-" + i + "-" + k)) {
                k++;
            }
            assertThat(k).as("iteration %d", i).isLessThanOrEqualTo(accepted.get());
            assertThat(mine.subList(k, mine.size())).as("iteration %d after %d of A's writes: %s", i, k, mine)
                    .containsExactly(PORT + ":B-" + i, PORT + ":B-end-" + i);
            deliveredA += k;
        }
        peer.close();
        net.close();
        // Every write A accepted either went out before the close or was dropped and counted.
        long afterClose = server.counters().get(Counter.UDP_SENDS_AFTER_CLOSE);
        assertThat(deliveredA + afterClose).isEqualTo(acceptedA);
        assertThat(threw).isGreaterThan(0);
        assertThat(server.counters().get(Counter.ETH_TX_QUEUE_FULL)).isZero();
        assertThat(peerHost.counters().get(Counter.UDP_RCVBUF_ERRORS)).isZero();
        assertThat(net.poolsFull()).isTrue();
        System.out.printf("handles race: %d writes accepted through A, %d delivered before the close, %d dropped "
                + "in the dead queue, %d of %d workers stopped by the closed handle%n",
                acceptedA, deliveredA, afterClose, threw, ITERATIONS);
    }

    private static void waitFor(List<String> received, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!received.contains(what)) {
            if (System.nanoTime() > deadline) {
                fail("the peer never received " + what + "; it has " + received);
            }
            Thread.sleep(0, 100_000);
        }
    }
}
