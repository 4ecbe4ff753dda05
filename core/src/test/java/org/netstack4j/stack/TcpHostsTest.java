package org.netstack4j.stack;

import org.junit.jupiter.api.Test;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.Network;
import org.netstack4j.socket.TcpListener;
import org.netstack4j.socket.TcpSocket;
import org.netstack4j.wire.Ipv4Address;

import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** TCP between two hosts on a cable, through sockets: an echo service, a closed port, handles after close. */
class TcpHostsTest {
    private static final int GATEWAY = Ipv4Address.parseBits("10.0.2.2");

    /** An echo service on the gateway's port 7: each connection on a thread of its own, echoed until the client's FIN. */
    private static TcpListener startEcho(Network net) throws Exception {
        Host gateway = net.nodes().get(1).host();
        TcpListener listener = net.run("listen", () -> TcpListener.listen(gateway, 7, 16));
        net.startApplication("echo-acceptor", () -> {
            try {
                while (true) {
                    TcpSocket s = listener.accept();
                    net.startApplication("echo-" + s.remotePort(), () -> {
                        byte[] buf = new byte[16_384];
                        s.setTimeout(Duration.ofSeconds(60)); // a stall fails the test with its cause, not at the suite's timeout
                        try (s) {
                            int n;
                            while ((n = s.read(buf)) >= 0) {
                                s.write(buf, 0, n);
                            }
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                }
            } catch (SocketClosedException closed) {
                // the listener closed: the service is over
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return listener;
    }

    /** Sends {@code data} to the echo service from one thread while reading the echo on this one. */
    private static byte[] echo(Network net, byte[] data, boolean oneWrite) throws Exception {
        Host client = net.nodes().get(0).host();
        return net.run("client", () -> {
            TcpSocket s = TcpSocket.connect(client, GATEWAY, 7, Duration.ofSeconds(5));
            s.setTimeout(Duration.ofSeconds(10));
            net.startApplication("writer", () -> {
                try {
                    if (oneWrite) {
                        s.write(data); // one call that waits for room many times (this found a lost wake-up)
                    } else {
                        for (int off = 0; off < data.length; off += 10_000) {
                            s.write(data, off, Math.min(10_000, data.length - off));
                        }
                    }
                    s.shutdownOutput();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = s.read(buf)) >= 0) {
                got.write(buf, 0, n);
            }
            s.close();
            assertThatThrownBy(() -> s.write(new byte[1])).as("a closed handle reaches nothing")
                    .isInstanceOf(SocketClosedException.class);
            return got.toByteArray();
        });
    }

    private static void exchange(Network net, int size, boolean oneWrite) throws Exception {
        TcpListener listener = startEcho(net);
        byte[] data = new byte[size];
        new SplittableRandom(size).nextBytes(data);
        byte[] back = echo(net, data, oneWrite);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        assertThat(sha.digest(back)).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
        Host client = net.nodes().get(0).host();
        Host gateway = net.nodes().get(1).host();
        assertThat(client.counters().get(Counter.TCP_ACTIVE_OPENS)).isEqualTo(1);
        assertThat(client.counters().get(Counter.TCP_CLOSED_HANDLE_REFUSED)).as("the write after close, refused").isEqualTo(1);
        assertThat(gateway.counters().get(Counter.TCP_PASSIVE_OPENS)).isEqualTo(1);
        net.idle(200_000_000L);
        assertThat(client.counters().get(Counter.TCP_CURR_ESTAB)).as("both closed").isZero();
        assertThat(gateway.counters().get(Counter.TCP_CURR_ESTAB)).isZero();
        net.run("stop", () -> {
            listener.close();
            return null;
        });
    }

    @Test
    void aMegabyteEchoedByteExactInSimulatedTime() throws Exception {
        Network net = TwoHosts.start(Network.simulated(31), "client", WakeMode.NAPI, "gateway", WakeMode.NAPI);
        exchange(net, 1 << 20, false);
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    @Test
    void aMegabyteEchoedByteExactOnRealThreads() throws Exception {
        Network net = TwoHosts.start(Network.real(32), "client", WakeMode.NAPI, "gateway", WakeMode.INTERRUPT);
        exchange(net, 1 << 20, true);
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    /** Both hosts' CPUs on one real thread, taken in turn, as the simulation runs them. */
    @Test
    void aMegabyteEchoedByteExactWithBothHostsOnOneCpuThread() throws Exception {
        Network net = TwoHosts.start(Network.real(36).sharingOneCpuThread(), "client", WakeMode.NAPI, "gateway",
                WakeMode.INTERRUPT);
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .as("one CPU thread for the two hosts").contains("cpu-client+1");
        exchange(net, 1 << 20, true);
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    @Test
    void aListenerOnTheAddressComesBeforeTheWildcardOnTheSamePort() throws Exception {
        Network net = TwoHosts.start(Network.simulated(34), "client", WakeMode.NAPI, "gateway", WakeMode.NAPI);
        Host client = net.nodes().get(0).host();
        Host gateway = net.nodes().get(1).host();
        TcpListener any = net.run("any", () -> TcpListener.listen(gateway, 0, 8000, 4));
        TcpListener exact = net.run("exact", () -> TcpListener.listen(gateway, GATEWAY, 8000, 4));
        TcpListener elsewhere = net.run("elsewhere", () -> TcpListener.listen(gateway, GATEWAY + 1, 8000, 4));
        assertThatThrownBy(() -> net.run("again", () -> TcpListener.listen(gateway, GATEWAY, 8000, 4)))
                .isInstanceOf(java.net.BindException.class);
        String first = net.run("connect", () -> whoAccepts(net, client, any, exact));
        assertThat(first).isEqualTo("exact");
        net.run("close-exact", () -> {
            exact.close();
            return null;
        });
        String second = net.run("connect", () -> whoAccepts(net, client, any, exact));
        assertThat(second).as("the wildcard once the exact one is gone").isEqualTo("any");
        net.run("close", () -> {
            any.close();
            elsewhere.close();
            return null;
        });
        assertThatThrownBy(() -> net.run("refused", () -> TcpSocket.connect(client, GATEWAY, 8000, Duration.ofSeconds(5))))
                .isInstanceOf(ConnectException.class);
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    /** Connects to the gateway's 8000 and says which listener got the connection. */
    private static String whoAccepts(Network net, Host client, TcpListener any, TcpListener exact) throws Exception {
        try (TcpSocket s = TcpSocket.connect(client, GATEWAY, 8000, Duration.ofSeconds(5))) {
            for (TcpListener l : java.util.List.of(exact, any)) {
                try {
                    if (!l.isClosed()) {
                        l.accept(Duration.ofMillis(100)).close();
                        return l == exact ? "exact" : "any";
                    }
                } catch (java.net.SocketTimeoutException notThisOne) {
                    // the other listener has it
                }
            }
            return "none";
        }
    }

    @Test
    void aClosedPortAnswersWithRstAndConnectSaysRefused() throws Exception {
        Network net = TwoHosts.start(Network.simulated(33), "client", WakeMode.NAPI, "gateway", WakeMode.NAPI);
        Host client = net.nodes().get(0).host();
        Host gateway = net.nodes().get(1).host();
        Throwable t = net.run("connect", () -> {
            try (TcpSocket s = TcpSocket.connect(client, GATEWAY, 9999, Duration.ofSeconds(5))) {
                return null;
            } catch (ConnectException e) {
                return e;
            }
        });
        assertThat(t).hasMessageContaining("refused");
        assertThat(gateway.counters().get(Counter.TCP_IN_NO_LISTENER)).isEqualTo(1);
        assertThat(gateway.counters().get(Counter.TCP_OUT_RSTS)).isEqualTo(1);
        assertThat(client.counters().get(Counter.TCP_ATTEMPT_FAILS)).isEqualTo(1);
        assertThat(client.tcp().connections()).isZero();
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    /**
     * The seed's bug on one 4-tuple: a server thread keeps the handle of a connection whose client
     * went away (RST); the client comes back from the same port, so the new connection has the very
     * addresses and ports of the old one. The old handle still names the old, dead connection: its
     * late write fails and not a byte reaches the new one.
     */
    @Test
    void aHandleKeptAcrossTheReuseOfItsFourTupleCannotWriteIntoTheNewConnection() throws Exception {
        Network net = TwoHosts.start(Network.simulated(35), "client", WakeMode.NAPI, "gateway", WakeMode.NAPI);
        Host client = net.nodes().get(0).host();
        Host gateway = net.nodes().get(1).host();
        TcpListener listener = net.run("listen", () -> TcpListener.listen(gateway, 80, 4));
        String seen = net.run("story", () -> {
            TcpSocket first = TcpSocket.connect(client, 40_000, GATEWAY, 80, Duration.ofSeconds(5));
            TcpSocket kept = listener.accept(Duration.ofSeconds(5));
            assertThatThrownBy(() -> TcpSocket.connect(client, 40_000, GATEWAY, 80, Duration.ofSeconds(5)))
                    .as("a 4-tuple in use cannot be opened twice").isInstanceOf(java.net.BindException.class);
            first.abort(); // the client is killed: a RST, no TIME-WAIT on its side
            TcpSocket again = TcpSocket.connect(client, 40_000, GATEWAY, 80, Duration.ofSeconds(5));
            TcpSocket fresh = listener.accept(Duration.ofSeconds(5));
            assertThat(fresh.remotePort()).isEqualTo(kept.remotePort()).isEqualTo(40_000);
            assertThat(fresh.localPort()).isEqualTo(kept.localPort());
            assertThatThrownBy(() -> kept.write("late answer".getBytes()))
                    .as("the kept handle names the reset connection").isInstanceOf(java.net.SocketException.class)
                    .hasMessageContaining("reset");
            fresh.write("fresh".getBytes());
            fresh.shutdownOutput();
            again.setTimeout(Duration.ofSeconds(5));
            byte[] all = again.inputStream().readAllBytes();
            again.close();
            fresh.close();
            kept.close();
            listener.close();
            return new String(all);
        });
        assertThat(seen).as("only the new connection's own bytes arrive").isEqualTo("fresh");
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    /**
     * The server closes first and keeps the connection in TIME-WAIT; the client comes back from the
     * same port at once. Its SYN, newer than anything the old connection saw, ends the TIME-WAIT and
     * opens the new connection (RFC 6191), as Linux does: without it a busy client could not reuse
     * its ports for a minute. A SYN that could be an old duplicate would not.
     */
    @Test
    void aNewerSynEndsTheServersTimeWaitAndOpensANewConnection() throws Exception {
        Network net = TwoHosts.start(Network.simulated(38), "client", WakeMode.NAPI, "gateway", WakeMode.NAPI);
        Host client = net.nodes().get(0).host();
        Host gateway = net.nodes().get(1).host();
        TcpListener listener = net.run("listen", () -> TcpListener.listen(gateway, 80, 4));
        String seen = net.run("story", () -> {
            StringBuilder got = new StringBuilder();
            for (int round = 0; round < 3; round++) {
                long start = net.applications().clock().nanos();
                TcpSocket c = TcpSocket.connect(client, 40_100, GATEWAY, 80, Duration.ofSeconds(5));
                TcpSocket s = listener.accept(Duration.ofSeconds(5));
                // At once: not after the client's SYN timed out (1 s) and a RST had cleared the way.
                assertThat(net.applications().clock().nanos() - start).as("round %d opened in", round)
                        .isLessThan(50_000_000L);
                s.write(("round " + round + ";").getBytes());
                s.close(); // the server closes first: TIME-WAIT is the server's
                c.setTimeout(Duration.ofSeconds(5));
                got.append(new String(c.inputStream().readAllBytes()));
                c.close();
                net.applications().sleepUntil(net.applications().clock().nanos() + 20_000_000L);
            }
            listener.close();
            return got.toString();
        });
        assertThat(seen).isEqualTo("round 0;round 1;round 2;");
        assertThat(gateway.counters().get(Counter.TCP_TIME_WAIT_REUSED)).isEqualTo(2);
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    /**
     * Two threads blocked in accept on one listener at once, on real threads: two connections
     * come, each thread gets one at once (a listener that kept only the last waiter left the
     * other asleep until its accept timed out).
     */
    @Test
    void twoThreadsAcceptingAtOnceEachGetAConnection() throws Exception {
        Network net = TwoHosts.start(Network.real(39), "client", WakeMode.NAPI, "gateway", WakeMode.NAPI);
        Host client = net.nodes().get(0).host();
        Host gateway = net.nodes().get(1).host();
        TcpListener listener = net.run("listen", () -> TcpListener.listen(gateway, 80, 4));
        java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
        for (int i = 0; i < 2; i++) {
            net.startApplication("acceptor-" + i, () -> {
                try (TcpSocket s = listener.accept(Duration.ofSeconds(20))) {
                    accepted.incrementAndGet();
                    s.write("hi".getBytes());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
        String got = net.run("clients", () -> {
            net.applications().sleepUntil(net.applications().clock().nanos() + 200_000_000L); // both are waiting
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < 2; i++) {
                try (TcpSocket c = TcpSocket.connect(client, GATEWAY, 80, Duration.ofSeconds(5))) {
                    c.setTimeout(Duration.ofSeconds(5)); // far less than the acceptors' 20 s
                    b.append(new String(c.inputStream().readAllBytes()));
                }
            }
            return b.toString();
        });
        assertThat(got).isEqualTo("hihi");
        assertThat(accepted.get()).isEqualTo(2);
        net.run("close", () -> {
            listener.close();
            return null;
        });
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    /** A read blocked on a socket that another thread closes fails with "closed", as the JDK's does, rather than wait on. */
    @Test
    void aReadBlockedWhenAnotherThreadClosesTheSocketFails() throws Exception {
        Network net = TwoHosts.start(Network.simulated(37), "client", WakeMode.NAPI, "gateway", WakeMode.NAPI);
        Host client = net.nodes().get(0).host();
        Host gateway = net.nodes().get(1).host();
        TcpListener listener = net.run("listen", () -> TcpListener.listen(gateway, 80, 4));
        String verdict = net.run("reader", () -> {
            TcpSocket s = TcpSocket.connect(client, GATEWAY, 80, Duration.ofSeconds(5));
            TcpSocket peer = listener.accept(Duration.ofSeconds(5));
            net.startApplication("closer", () -> {
                net.applications().sleepUntil(net.applications().clock().nanos() + 50_000_000L);
                s.close();
            });
            String v;
            try {
                s.read(new byte[16]); // nothing comes: only the close can end this
                v = "returned";
            } catch (SocketClosedException closed) {
                v = "closed";
            }
            peer.close();
            listener.close();
            return v;
        });
        assertThat(verdict).isEqualTo("closed");
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }
}
