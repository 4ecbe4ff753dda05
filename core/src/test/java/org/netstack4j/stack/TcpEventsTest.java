package org.netstack4j.stack;

import org.junit.jupiter.api.Test;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.Network;
import org.netstack4j.socket.TcpSocket;
import org.netstack4j.stack.tcp.TcpConnection;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.io.ByteArrayOutputStream;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The non-blocking API: applications that run on the host's loop and are told readiness, with
 * no thread of their own. An echo server written that way serves blocking clients; a loop-side
 * client connects to it; a handler that throws ends its own connection only.
 */
class TcpEventsTest {
    private static final int GATEWAY = Ipv4Address.parseBits("10.0.2.2");

    /** An echo server on the loop: reads what is readable, writes what fits, keeps the rest for WRITABLE. */
    private static final class LoopEcho implements TcpEvents {
        final TcpLayer tcp;
        final int readThreshold;
        final List<Integer> events = new ArrayList<>();
        long echoed;
        int accepted;
        boolean sawEnd;
        byte[] pending = new byte[0];
        int pendingOff;
        private final byte[] buf = new byte[8192];

        LoopEcho(TcpLayer tcp, int readThreshold) {
            this.tcp = tcp;
            this.readThreshold = readThreshold;
        }

        @Override
        public void onAcceptable(TcpLayer.Listener l) {
            TcpConnection c;
            while ((c = tcp.acceptNow(l, this)) != null) {
                accepted++;
                tcp.thresholds(c, readThreshold, readThreshold);
            }
        }

        @Override
        public void onReady(TcpConnection c, int ready) {
            events.add(ready);
            try {
                flush(c);
                while (pendingOff == pending.length) {
                    int n = tcp.readNow(c, buf, 0, buf.length);
                    if (n < 0) {
                        sawEnd = true;
                        tcp.closeNow(c);
                        return;
                    }
                    if (n == 0) {
                        return;
                    }
                    pending = java.util.Arrays.copyOf(buf, n);
                    pendingOff = 0;
                    flush(c);
                }
            } catch (SocketException e) {
                throw new IllegalStateException(e);
            }
        }

        private void flush(TcpConnection c) throws SocketException {
            while (pendingOff < pending.length) {
                int n = tcp.writeNow(c, pending, pendingOff, pending.length - pendingOff);
                if (n == 0) {
                    return; // the send buffer is full: WRITABLE comes when it drains
                }
                pendingOff += n;
                echoed += n;
            }
        }
    }

    /**
     * {@code echo} serves the gateway's port 7; a blocking client writes {@code data} from a thread
     * of its own, shuts its output and reads to the end: what came back.
     */
    private static byte[] echoThrough(Network net, Host client, Host gateway, LoopEcho echo, byte[] data,
                                      Duration readTimeout) throws Exception {
        gateway.tcp().execute(() -> {
            try {
                gateway.tcp().listenNow(0, 7, 8, echo);
            } catch (java.net.BindException e) {
                throw new IllegalStateException(e);
            }
        });
        return net.run("client", () -> {
            TcpSocket s = TcpSocket.connect(client, GATEWAY, 7, Duration.ofSeconds(5));
            s.setTimeout(readTimeout);
            net.startApplication("writer", () -> {
                try {
                    s.write(data);
                    s.shutdownOutput();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            s.inputStream().transferTo(got);
            s.close();
            return got.toByteArray();
        });
    }

    @Test
    void aLoopSideEchoServerServesABlockingClientByteExactWithFewerEventsThanSegments() throws Exception {
        Network net = TwoHosts.start(Network.simulated(51), "client", WakeMode.NAPI, "gateway", WakeMode.NAPI);
        Host client = net.nodes().get(0).host();
        Host gateway = net.nodes().get(1).host();
        LoopEcho echo = new LoopEcho(gateway.tcp(), 32 * 1024); // woken for 32 KB to read, or room for 32 KB
        byte[] data = new byte[1 << 20];
        new SplittableRandom(51).nextBytes(data);
        byte[] back = echoThrough(net, client, gateway, echo, data, Duration.ofSeconds(30));
        assertThat(back).isEqualTo(data);
        assertThat(echo.accepted).isEqualTo(1);
        assertThat(echo.echoed).isEqualTo(data.length);
        long segmentsIn = gateway.counters().get(Counter.TCP_IN_SEGS);
        // A 32 KB threshold: about one READABLE per 32 KB, not one per 1448-byte segment.
        assertThat(echo.events).as("told per threshold, not per segment").hasSizeLessThan((int) segmentsIn / 8);
        assertThat(echo.sawEnd).as("the end of the stream was read").isTrue();
        net.idle(200_000_000L);
        assertThat(gateway.counters().get(Counter.TCP_CURR_ESTAB)).isZero();
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    @Test
    void underMemoryPressureALoopSideServerIsToldOfLessThanItsThresholds() throws Exception {
        // A gateway whose stream memory is under pressure whenever it holds any: its windows and send
        // buffers stay small, so 32 KB never wait to be read or fit to be written at once. Readiness
        // below the thresholds is told, as Linux does under pressure, or the echo would wait for ever.
        Network net = Network.simulated(53);
        Network.Node a = net.addHost("client", MacAddress.parse("52:54:00:12:34:56"), "10.0.2.15/24", WakeMode.NAPI,
                HostConfig.DEFAULT);
        Network.Node b = net.addHost("gateway", MacAddress.parse("52:55:0a:00:02:02"), "10.0.2.2/24", WakeMode.NAPI,
                HostConfig.builder().streamMemoryBytes(1 << 20).memoryPressure(1, 0).build());
        net.cable(a, b);
        net.start();
        Host client = a.host();
        Host gateway = b.host();
        LoopEcho echo = new LoopEcho(gateway.tcp(), 32 * 1024);
        byte[] data = new byte[256 * 1024];
        new SplittableRandom(53).nextBytes(data);
        byte[] back = echoThrough(net, client, gateway, echo, data, Duration.ofSeconds(60));
        assertThat(back).isEqualTo(data);
        assertThat(gateway.counters().get(Counter.TCP_MEMORY_PRESSURES)).as("under pressure, again and again").isPositive();
        net.idle(200_000_000L);
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    @Test
    void aLoopSideClientIsToldConnectedThenClosedAndAThrowingHandlerEndsOnlyItsOwnConnection() throws Exception {
        Network net = TwoHosts.start(Network.simulated(52), "client", WakeMode.NAPI, "gateway", WakeMode.NAPI);
        Host client = net.nodes().get(0).host();
        Host gateway = net.nodes().get(1).host();
        LoopEcho echo = new LoopEcho(gateway.tcp(), 1);
        gateway.tcp().execute(() -> {
            try {
                gateway.tcp().listenNow(0, 7, 8, echo);
            } catch (java.net.BindException e) {
                throw new IllegalStateException(e);
            }
        });
        List<String> seen = new ArrayList<>();
        TcpEvents polite = (c, ready) -> {
            seen.add("polite " + ready);
            try {
                if ((ready & TcpEvents.CONNECTED) != 0) {
                    client.tcp().writeNow(c, "hello".getBytes(), 0, 5);
                }
                byte[] b = new byte[16];
                int n = client.tcp().readNow(c, b, 0, b.length);
                if (n > 0) {
                    seen.add("echo " + new String(b, 0, n));
                    client.tcp().closeNow(c);
                }
            } catch (SocketException e) {
                throw new IllegalStateException(e);
            }
        };
        TcpEvents rude = (c, ready) -> {
            seen.add("rude " + ready);
            throw new IllegalStateException("a bug in one handler");
        };
        TcpEvents refusedToo = (c, ready) -> seen.add("refused " + ready + " " + c.failure());
        client.tcp().execute(() -> {
            try {
                client.tcp().connectNow(GATEWAY, 7, rude);
                client.tcp().connectNow(GATEWAY, 7, polite);
                client.tcp().connectNow(GATEWAY, 9999, refusedToo);
            } catch (SocketException e) {
                throw new IllegalStateException(e);
            }
        });
        net.idle(500_000_000L);
        assertThat(seen).contains("rude " + (TcpEvents.CONNECTED | TcpEvents.WRITABLE), "echo hello",
                "refused " + (TcpEvents.CLOSED | TcpEvents.READABLE) + " REFUSED");
        assertThat(seen).filteredOn(e -> e.startsWith("rude")).as("told once, then dropped").hasSize(1);
        assertThat(client.counters().get(Counter.TCP_HANDLER_FAILURES)).isEqualTo(1);
        assertThat(echo.accepted).isEqualTo(2);
        net.idle(200_000_000L);
        assertThat(client.counters().get(Counter.TCP_CURR_ESTAB)).isZero();
        assertThat(gateway.counters().get(Counter.TCP_CURR_ESTAB)).isZero();
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    /** As Linux reads: bytes that came before a RST are read first, and only then does the reset fail the read. */
    @Test
    void aLoopSideReadTakesWhatCameBeforeAResetBeforeTheError() throws Exception {
        Network net = TwoHosts.start(Network.simulated(53), "client", WakeMode.NAPI, "gateway", WakeMode.NAPI);
        Host client = net.nodes().get(0).host();
        Host gateway = net.nodes().get(1).host();
        org.netstack4j.socket.TcpListener listener = net.run("listen",
                () -> org.netstack4j.socket.TcpListener.listen(gateway, 7, 4));
        net.startApplication("last-words", () -> {
            try (org.netstack4j.socket.TcpSocket s = listener.accept()) {
                s.write("last words".getBytes());
                s.abort(); // a RST right behind the data
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        java.util.concurrent.atomic.AtomicReference<TcpConnection> conn = new java.util.concurrent.atomic.AtomicReference<>();
        client.tcp().execute(() -> {
            try {
                conn.set(client.tcp().connectNow(GATEWAY, 7, (c, ready) -> { })); // reads nothing until asked below
            } catch (SocketException e) {
                throw new IllegalStateException(e);
            }
        });
        net.idle(500_000_000L);
        List<String> reads = new ArrayList<>();
        client.tcp().execute(() -> {
            byte[] b = new byte[64];
            try {
                int n = client.tcp().readNow(conn.get(), b, 0, b.length);
                reads.add(new String(b, 0, n));
                client.tcp().readNow(conn.get(), b, 0, b.length);
                reads.add("no error");
            } catch (SocketException e) {
                reads.add(e.getMessage());
            }
        });
        net.idle(10_000_000L);
        assertThat(reads).containsExactly("last words", "connection reset by peer");
        net.run("stop", () -> {
            listener.close();
            return null;
        });
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }
}
