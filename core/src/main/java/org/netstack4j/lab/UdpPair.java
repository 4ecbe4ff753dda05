package org.netstack4j.lab;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.Simulation;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.io.IOException;

/**
 * Two netstack4j hosts on a cable, a UDP client on one and a server on the other, for measuring
 * the whole UDP path: socket ring, loop, UDP/IP/ARP/Ethernet, driver, card model, cable and up
 * the other side. Everything runs in simulated time on the calling thread — both CPUs, every card
 * and both applications — so a measurement is run-to-completion on one core, with no thread
 * hand-off: the caller times it with the wall clock.
 *
 * <p>After {@link #open} (which resolves ARP and warms the path up) {@link #oneWay} and
 * {@link #echo} allocate nothing: a benchmark calls them in a loop, and a run under
 * {@code -XX:+UseEpsilonGC} proves it.
 */
public final class UdpPair implements AutoCloseable {
    public static final int PORT = 7;
    public static final String CLIENT_ADDRESS = "10.0.2.15";
    public static final String SERVER_ADDRESS = "10.0.2.2";
    /** Passes without progress before a run is declared stalled (a lost datagram, a bug). */
    private static final int MAX_IDLE_PASSES = 10_000;

    private final Network net;
    private final Simulation sim;
    private final UdpSocket client;
    private final UdpSocket server;
    private final byte[] payload;
    private final byte[] buffer = new byte[2048];
    private final WakeMode mode;
    private boolean closed;

    private UdpPair(Network net, UdpSocket client, UdpSocket server, int payloadBytes, WakeMode mode) {
        this.net = net;
        this.sim = net.simulation();
        this.client = client;
        this.server = server;
        this.payload = new byte[payloadBytes];
        this.mode = mode;
        for (int i = 0; i < payloadBytes; i++) {
            payload[i] = (byte) i;
        }
    }

    /** Builds both hosts, binds the server, connects the client and resolves ARP with a first echo. */
    public static UdpPair open(WakeMode mode, int payloadBytes) throws Exception {
        if (payloadBytes < 0 || payloadBytes > 1472) {
            throw new IllegalArgumentException("payload must be 0..1472 bytes (one frame): " + payloadBytes);
        }
        Network net = Network.simulated(1);
        try {
            Network.Node a = net.addHost("client", MacAddress.parse("02:00:00:00:00:01"), CLIENT_ADDRESS + "/24", mode,
                    HostConfig.DEFAULT);
            Network.Node b = net.addHost("server", MacAddress.parse("02:00:00:00:00:02"), SERVER_ADDRESS + "/24", mode,
                    HostConfig.DEFAULT);
            net.cable(a, b);
            net.start();
            UdpSocket server = net.run("bind", () -> UdpSocket.bind(b.host(), PORT));
            UdpSocket client = net.run("connect", () -> {
                UdpSocket s = UdpSocket.open(a.host());
                s.connect(Ipv4Address.parseBits(SERVER_ADDRESS), PORT);
                return s;
            });
            UdpPair pair = new UdpPair(net, client, server, payloadBytes, mode);
            pair.echo(1); // ARP first: a burst would overflow the queue of packets awaiting resolution
            pair.echo(64);
            pair.oneWay(1024, 32);
            return pair;
        } catch (Exception | Error e) {
            net.close();
            throw e;
        }
    }

    public WakeMode mode() {
        return mode;
    }

    public int payloadBytes() {
        return payload.length;
    }

    /**
     * The client sends {@code count} datagrams in batches of {@code batch}; after each batch the
     * network runs until the server application has taken them all. Returns the datagrams the
     * server received (always {@code count}: a loss stalls the run and throws).
     */
    public long oneWay(long count, int batch) throws IOException {
        long received = 0;
        while (received < count) {
            int n = (int) Math.min(batch, count - received);
            for (int i = 0; i < n; i++) {
                client.send(payload, 0, payload.length);
            }
            int got = 0;
            int idle = 0;
            while (got < n) {
                boolean progress = sim.step(sim.nanos());
                while (server.receiveNow(buffer, 0, buffer.length) >= 0) {
                    got++;
                    progress = true;
                }
                idle = progress ? 0 : idle + 1;
                if (idle > MAX_IDLE_PASSES) {
                    throw stalled("one-way", got, n);
                }
            }
            received += got;
        }
        return received;
    }

    /**
     * {@code count} echoes in flight at once: the client sends them all, the server application
     * sends each back as it takes it, and this returns once the client has every reply.
     */
    public int echo(int count) throws IOException {
        for (int i = 0; i < count; i++) {
            client.send(payload, 0, payload.length);
        }
        int got = 0;
        int idle = 0;
        while (got < count) {
            boolean progress = sim.step(sim.nanos());
            int n;
            while ((n = server.receiveNow(buffer, 0, buffer.length)) >= 0) {
                server.sendTo(buffer, 0, n, server.sourceAddress(), server.sourcePort());
                progress = true;
            }
            while (client.receiveNow(buffer, 0, buffer.length) >= 0) {
                got++;
                progress = true;
            }
            idle = progress ? 0 : idle + 1;
            if (idle > MAX_IDLE_PASSES) {
                throw stalled("echo", got, count);
            }
        }
        return got;
    }

    /** One datagram there and back: the unit of a round-trip-time measurement. */
    public void echoOnce() throws IOException {
        echo(1);
    }

    private IllegalStateException stalled(String what, int got, int of) {
        return new IllegalStateException(what + " stalled with " + got + " of " + of + " datagrams through ("
                + mode.cliName() + " mode); server receive drops " + server.receiveDrops());
    }

    /** True once closed if every buffer of both machines is back in its pool. */
    public boolean poolsFull() {
        return net.poolsFull();
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            net.run("close", () -> {
                client.close();
                server.close();
                return null;
            });
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        } finally {
            net.close();
        }
    }
}
