package org.netstack4j.lab;

import org.netstack4j.driver.DriverConfig;
import org.netstack4j.driver.Offloads;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.Simulation;
import org.netstack4j.stack.Counter;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.stack.TcpLayer;
import org.netstack4j.stack.tcp.TcpConfig;
import org.netstack4j.stack.tcp.TcpConnection;
import org.netstack4j.stack.tcp.TcpState;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.io.IOException;
import java.net.SocketException;

/**
 * Two netstack4j hosts on a cable with one TCP connection between them, for measuring the
 * whole TCP path: the send buffer's chunks, the connection, IP, the driver, the card model, the
 * cable and up the other side. As in {@link UdpPair}, everything runs in simulated time on the
 * calling thread — both CPUs, every card, and both applications, which use the loop's
 * non-blocking calls ({@link TcpLayer#writeNow}, {@link TcpLayer#readNow}) between steps of the
 * simulation, where nothing else runs: a measurement is run-to-completion on one core with no
 * thread hand-off, timed by the caller with the wall clock. Nagle is off (TCP_NODELAY), as
 * request/response benchmarks set it. After {@link #open}, {@link #bulk} and
 * {@link #requestResponse} allocate nothing.
 */
public final class TcpStreamPair implements AutoCloseable {
    public static final int PORT = 5001;
    /** Passes without progress before a run is declared stalled. */
    private static final int MAX_IDLE_PASSES = 10_000;

    private final Network net;
    private final Simulation sim;
    private final TcpLayer clientTcp;
    private final TcpLayer serverTcp;
    private final TcpConnection client;
    private final TcpConnection server;
    private final WakeMode mode;
    private final byte[] data = new byte[64 * 1024];
    private final byte[] buffer = new byte[64 * 1024];
    private final byte[] one = {42};
    private boolean closed;
    private int idleConnections;
    private TcpLayer.Listener shortListener;

    private TcpStreamPair(Network net, TcpLayer clientTcp, TcpLayer serverTcp, TcpConnection client,
                          TcpConnection server, WakeMode mode) {
        this.net = net;
        this.sim = net.simulation();
        this.clientTcp = clientTcp;
        this.serverTcp = serverTcp;
        this.client = client;
        this.server = server;
        this.mode = mode;
    }

    /** Builds both hosts on a standard Ethernet (MTU 1500), connects, and warms the path up. */
    public static TcpStreamPair open(WakeMode mode) throws Exception {
        return open(mode, 1500);
    }

    /**
     * Builds both hosts with cards of {@code mtu} (above 1500: jumbo frames, 16 KB buffers),
     * connects, and warms the path up with a few megabytes and round trips.
     */
    public static TcpStreamPair open(WakeMode mode, int mtu) throws Exception {
        return open(mode, mtu, 0);
    }

    /** Idle connections opened on one server port at most: below the client's 28,232 ephemeral ports. */
    static final int IDLE_PER_PORT = 20_000;

    /**
     * As {@link #open(WakeMode, int)}, and with {@code idle} more connections between the two hosts,
     * established and then left idle (spread over server ports from {@code PORT + 1}, at most
     * {@link #IDLE_PER_PORT} on each): what the measured connection's cost per packet must not
     * feel.
     */
    public static TcpStreamPair open(WakeMode mode, int mtu, int idle) throws Exception {
        return open(mode, mtu, idle, DriverConfig.defaultOffloads(mode));
    }

    /** As {@link #open(WakeMode, int, int)}, with both cards offloading {@code offloads}. */
    public static TcpStreamPair open(WakeMode mode, int mtu, int idle, Offloads offloads) throws Exception {
        Network net = Network.simulated(1);
        try {
            DriverConfig driver = DriverConfig.of(mode).withMtu(mtu).withOffloads(offloads);
            if (mtu > 1500) {
                net.machineSize(512, 64L << 20); // 16 KB buffers: 512 to send, the ring and as many spare to receive
            }
            TcpConfig tcp = TcpConfig.DEFAULT.toBuilder().noDelay(true).mss(mtu - 40).build();
            HostConfig config = HostConfig.builder().tcp(tcp).maxConnections(Math.max(65_536, idle + 1024)).build();
            Network.Node a = net.addHost("client", MacAddress.parse("02:00:00:00:00:01"), UdpPair.CLIENT_ADDRESS + "/24",
                    driver, driver.rxRingSize(), config);
            Network.Node b = net.addHost("server", MacAddress.parse("02:00:00:00:00:02"), UdpPair.SERVER_ADDRESS + "/24",
                    driver, driver.rxRingSize(), config);
            net.cable(a, b);
            net.start();
            Simulation sim = net.simulation();
            TcpLayer clientTcp = a.host().tcp();
            TcpLayer serverTcp = b.host().tcp();
            // Between simulation steps this thread is the only one running: the loops' calls are safe here.
            sim.runFor(10_000_000L); // the gratuitous ARPs
            TcpLayer.Listener l = serverTcp.listenNow(0, PORT, 1, null);
            TcpConnection c = clientTcp.connectNow(Ipv4Address.parseBits(UdpPair.SERVER_ADDRESS), PORT, null);
            TcpConnection[] s = new TcpConnection[1];
            sim.runUntil(() -> (s[0] = serverTcp.acceptNow(l, null)) != null, sim.nanos() + 5_000_000_000L);
            if (s[0] == null) {
                throw new IllegalStateException("the connection did not open: " + c);
            }
            TcpStreamPair pair = new TcpStreamPair(net, clientTcp, serverTcp, c, s[0], mode);
            pair.openIdle(idle);
            pair.bulk(4 << 20);
            for (int i = 0; i < 1000; i++) {
                pair.requestResponse();
            }
            return pair;
        } catch (Exception | Error e) {
            net.close();
            throw e;
        }
    }

    public WakeMode mode() {
        return mode;
    }

    /** Opens {@code n} connections, a batch at a time, until the server has accepted them all; they stay idle. */
    private void openIdle(int n) throws IOException {
        int server = Ipv4Address.parseBits(UdpPair.SERVER_ADDRESS);
        int opened = 0;
        for (int port = PORT + 1; opened < n; port++) {
            int here = Math.min(IDLE_PER_PORT, n - opened);
            TcpLayer.Listener l = serverTcp.listenNow(0, port, 1024, null);
            int accepted = 0;
            int connected = 0;
            int idlePasses = 0;
            while (accepted < here) {
                while (connected < here && connected - accepted < 512) { // no more SYNs in flight than the backlog holds
                    clientTcp.connectNow(server, port, null);
                    connected++;
                }
                boolean progress = sim.step(sim.nanos());
                while (serverTcp.acceptNow(l, null) != null) {
                    accepted++;
                    progress = true;
                }
                idlePasses = progress ? 0 : idlePasses + 1;
                if (idlePasses > MAX_IDLE_PASSES) {
                    throw stalled("opening idle connections", opened + accepted, n);
                }
            }
            opened += here;
        }
        idleConnections = opened;
    }

    /** Connections in both hosts' tables (an end each). */
    public long establishedConnections() {
        return clientTcp.connections() + serverTcp.connections();
    }

    /** Stream memory chunks both hosts' connections hold now. */
    public int streamMemoryInUse() {
        return clientTcp.memory().inUse() + serverTcp.memory().inUse();
    }

    /** Connections open besides the measured one. */
    public int idleConnections() {
        return idleConnections;
    }

    /** The segment size the client sends with (the server's MSS, less the timestamp option). */
    public int segmentSize() {
        return client.info().peerMss() - 12;
    }

    /** Moves {@code bytes} from the client to the server; returns once the server application has read them all. */
    public long bulk(long bytes) throws IOException {
        long written = 0;
        long read = 0;
        int idle = 0;
        while (read < bytes) {
            boolean progress = false;
            while (written < bytes) {
                int n = clientTcp.writeNow(client, data, 0, (int) Math.min(data.length, bytes - written));
                if (n == 0) {
                    break;
                }
                written += n;
                progress = true;
            }
            progress |= sim.step(sim.nanos());
            int n;
            while ((n = serverTcp.readNow(server, buffer, 0, buffer.length)) > 0) {
                read += n;
                progress = true;
            }
            idle = progress ? 0 : idle + 1;
            if (idle > MAX_IDLE_PASSES) {
                throw stalled("bulk", read, bytes);
            }
        }
        return read;
    }

    /** One byte from the client to the server, and one back: the unit of a request/response measurement. */
    public void requestResponse() throws IOException {
        if (clientTcp.writeNow(client, one, 0, 1) != 1) {
            throw new IllegalStateException("no room for a one-byte request");
        }
        int idle = 0;
        boolean answered = false;
        while (true) {
            boolean progress = sim.step(sim.nanos());
            if (!answered && serverTcp.readNow(server, buffer, 0, 1) == 1) {
                serverTcp.writeNow(server, buffer, 0, 1);
                answered = true;
                progress = true;
            }
            if (answered && clientTcp.readNow(client, buffer, 0, 1) == 1) {
                return;
            }
            idle = progress ? 0 : idle + 1;
            if (idle > MAX_IDLE_PASSES) {
                throw stalled("request/response", answered ? 1 : 0, 2);
            }
        }
    }

    /** The port {@link #shortConnection} connects to. */
    public static final int SHORT_PORT = 5000;
    /** Simulated time between two short connections: the clock moves, as ISNs, timestamps and TIME-WAIT need. */
    static final long SHORT_SPACING_NANOS = 20_000;

    /**
     * One short connection, as a web client makes them: the client connects to {@link #SHORT_PORT},
     * sends a one-byte request; the server accepts, answers one byte and closes; the client reads
     * the answer and the end, and closes. Returns once the client's end is closed (the server's
     * waits in TIME-WAIT, which a later connection from the same port ends, RFC 6191).
     */
    public void shortConnection() throws IOException {
        if (shortListener == null) {
            shortListener = serverTcp.listenNow(0, SHORT_PORT, 1024, null);
        }
        sim.runFor(SHORT_SPACING_NANOS);
        TcpConnection c = clientTcp.connectNow(Ipv4Address.parseBits(UdpPair.SERVER_ADDRESS), SHORT_PORT, null);
        TcpConnection s = null;
        boolean sent = false;
        boolean answered = false;
        boolean closed = false;
        int idle = 0;
        while (c.state() != TcpState.CLOSED) {
            // Time may move on a little (a card's interrupt moderation holds an interrupt for some
            // microseconds), and, if nothing happens for a while, to the next timer (a retransmission).
            boolean progress = sim.step(sim.nanos() + (idle < 100 ? 1_000_000L : 10_000_000_000L));
            if (s == null && (s = serverTcp.acceptNow(shortListener, null)) != null) {
                progress = true;
            }
            if (!sent && clientTcp.writeNow(c, one, 0, 1) == 1) {
                sent = true;
                progress = true;
            }
            if (s != null && !answered && serverTcp.readNow(s, buffer, 0, 1) == 1) {
                serverTcp.writeNow(s, buffer, 0, 1);
                serverTcp.closeNow(s);
                answered = true;
                progress = true;
            }
            if (answered && !closed && c.finReceived()) {
                if (clientTcp.readNow(c, buffer, 0, buffer.length) != 1) {
                    throw new IllegalStateException("the answer did not arrive before the server's FIN: " + c);
                }
                clientTcp.closeNow(c);
                closed = true;
                progress = true;
            }
            idle = progress ? 0 : idle + 1;
            if (idle > MAX_IDLE_PASSES) {
                throw new IllegalStateException("a short connection stalled (" + mode.cliName() + " mode, sent " + sent
                        + ", answered " + answered + ", closed " + closed + "): client " + c + ", server " + s);
            }
        }
        if (c.failure() != null) {
            throw new IOException("the short connection failed: " + c.failure());
        }
    }

    /** A counter of the server host's. */
    public long serverCounter(Counter c) {
        return net.nodes().get(1).host().counters().get(c);
    }

    /** TCP segments both hosts have sent so far (data and ACKs): what a per-packet figure divides by. */
    public long segments() {
        return net.nodes().get(0).host().counters().get(Counter.TCP_OUT_SEGS)
                + net.nodes().get(1).host().counters().get(Counter.TCP_OUT_SEGS);
    }

    private IllegalStateException stalled(String what, long done, long of) {
        return new IllegalStateException(what + " stalled at " + done + " of " + of + " (" + mode.cliName()
                + " mode): client " + client + ", server " + server);
    }

    /** True once closed if every buffer and stream chunk of both hosts is back in its pool. */
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
            clientTcp.closeNow(client);
            serverTcp.closeNow(server);
            sim.runFor(1_000_000_000L);
        } catch (RuntimeException e) {
            throw new SocketException("closing the pair: " + e);
        } finally {
            net.close();
        }
    }
}
