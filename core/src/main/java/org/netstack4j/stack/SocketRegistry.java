package org.netstack4j.stack;

import org.netstack4j.exec.Applications;

import java.net.SocketException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A host's datagram and echo endpoints: opening, binding, connecting and closing them, within
 * the host's limit of open sockets. Every change runs on the loop ({@link HostLoop#call}); a
 * close is never refused (it has a lane of its own to the loop). TCP's connections are kept by
 * {@link TcpLayer}.
 */
public final class SocketRegistry {
    /** Largest echo payload: what an IPv4 datagram of 65,535 bytes holds after 20 of IP and 8 of ICMP header. */
    public static final int MAX_ECHO_PAYLOAD = 65_535 - 20 - 8;

    private final Host host;
    private final HostConfig config;
    private int openEndpoints;
    /** Closes on their way to the loop: a lock-free stack linked through {@link Endpoint#nextClose}. */
    private final AtomicReference<Endpoint> closeRequests = new AtomicReference<>();

    SocketRegistry(Host host, HostConfig config) {
        this.host = host;
        this.config = config;
    }

    /** A new, unbound UDP endpoint (application threads). */
    public UdpEndpoint openUdp() throws SocketException {
        return host.loop().call(() -> {
            reserveEndpoint();
            return new UdpEndpoint(host, config.socketReceiveBytes(), config.socketSendBytes());
        });
    }

    /** Binds {@code e} to {@code address:port} (port 0: an ephemeral port). */
    public void bindUdp(UdpEndpoint e, int address, int port) throws SocketException {
        e.ensureOpen();
        host.loop().call(() -> {
            host.udp().bind(e, address, port);
            return null;
        });
    }

    /** Fixes the peer of {@code e}: sends default to it and datagrams from others are dropped. */
    public void connectUdp(UdpEndpoint e, int address, int port) throws SocketException {
        e.ensureOpen();
        if (port < 1 || port > 65535) {
            throw new SocketException("port out of range: " + port);
        }
        host.loop().call(() -> {
            if (e.localPort == 0) {
                host.udp().bind(e, 0, 0);
            }
            e.remoteAddress = address;
            e.remotePort = port;
            return null;
        });
    }

    /**
     * A new ping endpoint with a fresh identifier, for requests (and replies) of up to {@code maxPayload}
     * bytes: its rings hold at least two of the largest (a reply is queued with its arrival time, 8
     * bytes more), and at least 64 KB.
     */
    public EchoEndpoint openEcho(int maxPayload) throws SocketException {
        if (maxPayload < 8 || maxPayload > MAX_ECHO_PAYLOAD) {
            throw new IllegalArgumentException("echo payload must be 8.." + MAX_ECHO_PAYLOAD + " bytes: " + maxPayload);
        }
        int ringBytes = Math.max(64 * 1024, DatagramRing.capacityFor(maxPayload + 8, 2));
        return host.loop().call(() -> {
            reserveEndpoint();
            return host.icmp().register(host, ringBytes);
        });
    }

    /**
     * Closes {@code e}: what it queued goes out, later sends fail, and its port is free again.
     * The close cannot be refused: it does not take a place in the hand-off queue (which may be
     * full) but goes on a list of its own that the loop empties first, so it reaches the loop
     * however busy the host is. Waits up to 10 s for the loop to have done it; if the loop is
     * stalled longer, returns anyway, and the loop closes the endpoint when it runs again.
     */
    public void close(Endpoint e) {
        if (!e.markClosed()) {
            return;
        }
        e.wakeAll();
        e.closer = Thread.currentThread();
        Endpoint head;
        do {
            head = closeRequests.get();
            e.nextClose = head;
        } while (!closeRequests.compareAndSet(head, e));
        host.loop().wake();
        Applications apps = host.applications();
        long deadline = apps.clock().nanos() + HostLoop.callTimeoutNanos();
        while (host.isStarted() && !e.closedOnLoop && apps.clock().nanos() < deadline) {
            apps.block(deadline);
        }
    }

    /** Loop: closes every endpoint whose close was asked for since the last time. */
    void runCloses() {
        // Almost always there is none: a plain read spares each loop pass the atomic swap.
        if (closeRequests.get() == null) {
            return;
        }
        Endpoint e = closeRequests.getAndSet(null);
        while (e != null) {
            Endpoint next = e.nextClose;
            e.nextClose = null;
            e.closeOnLoop();
            openEndpoints--;
            e.closedOnLoop = true;
            Thread closer = e.closer;
            if (closer != null) {
                host.applications().wake(closer);
            }
            e = next;
        }
    }

    /** Open endpoints (loop; tests read it when the loop is idle). */
    int openEndpoints() {
        return openEndpoints;
    }

    private void reserveEndpoint() throws SocketException {
        if (openEndpoints >= config.maxSockets()) {
            throw new SocketException("too many open sockets on " + host.name() + " (limit " + config.maxSockets() + ")");
        }
        openEndpoints++;
    }
}
