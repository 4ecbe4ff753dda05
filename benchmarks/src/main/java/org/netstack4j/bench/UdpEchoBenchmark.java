package org.netstack4j.bench;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.Simulation;
import org.netstack4j.lab.Network;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;

/**
 * UDP echo, packets per second: a client sends a batch of 64-byte datagrams, an echo server
 * sends each back, the client takes them all in. One operation is one datagram there and back.
 *
 * <p>{@code netstack4j}: two hosts (E1000, driver, stack) on a cable in simulated time, every
 * CPU and both applications on the benchmark thread, so this is the whole software path —
 * socket ring, loop, UDP/IP/ARP/Ethernet, driver, card model, cable and back up — with no
 * thread hand-offs. {@code jdk}: {@link DatagramChannel}s over the kernel's loopback, the
 * server on its own thread, as an application would use them. With {@code -prof gc},
 * {@code gc.alloc.rate.norm} is the bytes allocated per echoed datagram.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar UdpEchoBenchmark -prof gc}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class UdpEchoBenchmark {
    static final int BATCH = 32;
    static final int PAYLOAD = 64;
    static final int PORT = 7;

    @State(Scope.Thread)
    public static class Stack {
        @Param({"interrupt", "napi", "poll"})
        public String mode;

        Network net;
        Simulation sim;
        UdpSocket client;
        UdpSocket server;
        final byte[] payload = new byte[PAYLOAD];
        final byte[] buffer = new byte[2048];

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            WakeMode m = WakeMode.parse(mode);
            net = Network.simulated(1);
            Network.Node a = net.addHost("a", MacAddress.parse("02:00:00:00:00:01"), "10.0.2.15/24", m, HostConfig.DEFAULT);
            Network.Node b = net.addHost("b", MacAddress.parse("02:00:00:00:00:02"), "10.0.2.2/24", m, HostConfig.DEFAULT);
            net.cable(a, b);
            net.start();
            sim = net.simulation();
            server = net.run("bind", () -> UdpSocket.bind(b.host(), PORT));
            client = net.run("connect", () -> {
                UdpSocket s = UdpSocket.open(a.host());
                s.connect(Ipv4Address.parseBits("10.0.2.2"), PORT);
                return s;
            });
            echo(this, 1); // ARP first: a burst would overflow the queue of packets awaiting resolution
            echo(this, BATCH);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            net.run("close", () -> {
                client.close();
                server.close();
                return null;
            });
            net.close();
            if (!net.poolsFull()) {
                throw new IllegalStateException("buffers were not all returned");
            }
        }
    }

    /** One batch: send, let the network run, echo what the server got, until the client has all back. */
    static int echo(Stack s, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            s.client.send(s.payload, 0, PAYLOAD);
        }
        int got = 0;
        long deadline = s.sim.nanos() + 1_000_000_000L; // a lost datagram stalls the batch: fail, don't hang
        for (int idle = 0; got < count; ) {
            if (s.sim.nanos() > deadline) {
                throw new IllegalStateException("echo stalled with " + got + " of " + count + " back");
            }
            boolean progress = s.sim.step(Long.MAX_VALUE);
            int n;
            while ((n = s.server.receiveNow(s.buffer, 0, s.buffer.length)) >= 0) {
                s.server.sendTo(s.buffer, 0, n, s.server.sourceAddress(), s.server.sourcePort());
                progress = true;
            }
            while (s.client.receiveNow(s.buffer, 0, s.buffer.length) >= 0) {
                got++;
                progress = true;
            }
            idle = progress ? 0 : idle + 1;
            if (idle > 1_000) {
                throw new IllegalStateException("echo stalled with " + got + " of " + count + " back");
            }
        }
        return got;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int netstack4j(Stack s) throws Exception {
        return echo(s, BATCH);
    }

    @State(Scope.Thread)
    public static class Jdk {
        DatagramChannel server;
        DatagramChannel client;
        Thread echoThread;
        final ByteBuffer out = ByteBuffer.allocateDirect(PAYLOAD);
        final ByteBuffer in = ByteBuffer.allocateDirect(2048);

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            server = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
            client = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
            client.connect(server.getLocalAddress());
            echoThread = Thread.ofPlatform().daemon().name("jdk-echo").start(() -> {
                ByteBuffer b = ByteBuffer.allocateDirect(2048);
                try {
                    while (true) {
                        b.clear();
                        SocketAddress from = server.receive(b);
                        b.flip();
                        server.send(b, from);
                    }
                } catch (IOException closed) {
                    // the trial is over
                }
            });
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            server.close();
            client.close();
            echoThread.join(5_000);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int jdk(Jdk j) throws IOException {
        for (int i = 0; i < BATCH; i++) {
            j.out.clear();
            j.client.write(j.out);
        }
        for (int i = 0; i < BATCH; i++) {
            j.in.clear();
            j.client.read(j.in);
        }
        return BATCH;
    }
}
