package org.netstack4j.lab;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.stack.SocketClosedException;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The deployment path for UDP: two hosts on a cable in real time, each machine's CPU on its own
 * thread, and blocking applications on threads of their own — a server that echoes (or counts)
 * what it receives, and the caller as the client. What a user who runs netstack4j for real gets,
 * beside {@link UdpPair}'s everything-on-one-thread simulation.
 */
public final class RealUdpPair implements AutoCloseable {
    private final Network net;
    private final UdpSocket client;
    private final UdpSocket server;
    private final byte[] payload;
    private final byte[] buffer = new byte[2048];
    private final AtomicLong serverReceived = new AtomicLong();
    private volatile boolean echoing = true;

    private RealUdpPair(Network net, UdpSocket client, UdpSocket server, int payloadBytes) {
        this.net = net;
        this.client = client;
        this.server = server;
        this.payload = new byte[payloadBytes];
    }

    /** Both hosts woken as {@code mode}, the server application started, ARP resolved. */
    public static RealUdpPair open(WakeMode mode, int payloadBytes) throws Exception {
        return open(mode, payloadBytes, false);
    }

    /**
     * The same, with {@code oneCpuThread} both hosts' CPUs on one thread
     * ({@link Network#sharingOneCpuThread}): fewer threads than cores to hand work between.
     */
    public static RealUdpPair open(WakeMode mode, int payloadBytes, boolean oneCpuThread) throws Exception {
        // Applications on platform threads: the latency-minded choice (a virtual thread's wake-up costs a carrier's).
        Network net = Network.real(1, org.netstack4j.exec.Applications.realOnPlatformThreads());
        if (oneCpuThread) {
            net.sharingOneCpuThread();
        }
        try {
            Network.Node a = net.addHost("client", MacAddress.parse("02:00:00:00:00:01"), UdpPair.CLIENT_ADDRESS + "/24",
                    mode, HostConfig.DEFAULT);
            Network.Node b = net.addHost("server", MacAddress.parse("02:00:00:00:00:02"), UdpPair.SERVER_ADDRESS + "/24",
                    mode, HostConfig.DEFAULT);
            net.cable(a, b);
            net.start();
            UdpSocket server = UdpSocket.bind(b.host(), UdpPair.PORT);
            UdpSocket client = UdpSocket.open(a.host());
            client.connect(Ipv4Address.parseBits(UdpPair.SERVER_ADDRESS), UdpPair.PORT);
            client.setTimeout(Duration.ofSeconds(2));
            RealUdpPair pair = new RealUdpPair(net, client, server, payloadBytes);
            net.startApplication("udp-server", pair::serve);
            for (int i = 0; i < 64; i++) {
                pair.echoOnce(); // ARP first, then a warm path
            }
            return pair;
        } catch (Exception | Error e) {
            net.close();
            throw e;
        }
    }

    /** The server application: takes each datagram, echoes it while echoing is on, counts it either way. */
    private void serve() {
        byte[] in = new byte[2048];
        try {
            while (true) {
                UdpSocket.Datagram d = server.receiveFrom(in);
                serverReceived.incrementAndGet();
                if (echoing) {
                    server.sendTo(in, 0, d.length(), d.address(), d.port());
                }
            }
        } catch (SocketClosedException closed) {
            // the pair is closing
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One datagram there and back, the client blocking for the reply. */
    public void echoOnce() throws IOException {
        echoing = true;
        client.send(payload, 0, payload.length);
        client.receive(buffer);
    }

    /**
     * Sends {@code count} datagrams as fast as the client's blocking sends go, then waits until
     * the server application has taken all, or no more for a millisecond; returns how many it took (what
     * it did not is lost: its receive ring was full).
     */
    public long oneWay(long count) throws IOException {
        echoing = false;
        long before = serverReceived.get();
        for (long i = 0; i < count; i++) {
            client.send(payload, 0, payload.length);
        }
        // Done when all have arrived, or when arrivals stop for a millisecond once some came; until
        // the first one (hosts' threads not yet scheduled, on a busy machine) wait up to 50 ms.
        long firstBy = System.nanoTime() + 50_000_000L;
        long seen = before;
        while (true) {
            LockSupport.parkNanos(1_000_000L);
            long now = serverReceived.get();
            if (now - before >= count || now == seen && (now != before || System.nanoTime() - firstBy > 0)) {
                return now - before;
            }
            seen = now;
        }
    }

    /** Datagrams the server's receive ring had no room for. */
    public long serverDrops() {
        return server.receiveDrops();
    }

    @Override
    public void close() throws IOException {
        client.close();
        server.close();
        net.close();
    }
}
