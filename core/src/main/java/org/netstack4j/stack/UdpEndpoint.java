package org.netstack4j.stack;

import java.net.SocketException;
import java.net.SocketTimeoutException;

/**
 * The loop's side of a UDP socket: its local address and port, the peer it is connected to (if
 * any), and the rings it shares with the application. Created by {@link SocketRegistry#openUdp}.
 */
public final class UdpEndpoint extends Endpoint {
    // Written on the loop (by bind/connect calls), read by the application after the call returns.
    volatile int localAddress;
    volatile int localPort;
    volatile int remoteAddress;
    volatile int remotePort;
    // The loop's: the source address last chosen for a destination, while the routes stay as they were.
    int cachedDestination;
    int cachedSource;
    int cachedRoutes = -1;

    UdpEndpoint(Host host, int receiveBytes, int sendBytes) {
        super(host, receiveBytes, sendBytes);
    }

    public int localAddress() {
        return localAddress;
    }

    /** The bound port, or 0 before the first bind (a send binds an ephemeral port). */
    public int localPort() {
        return localPort;
    }

    public int remoteAddress() {
        return remoteAddress;
    }

    public int remotePort() {
        return remotePort;
    }

    public boolean isConnected() {
        return remotePort != 0;
    }

    /**
     * Application: queues a datagram to {@code address:port} (0, 0: the connected peer). A
     * destination no host can have (port 0, 0.0.0.0, 127/8) is not an error of the caller's to
     * catch: the stack drops it and counts it (OutBadDestination), so a reply to a forged source
     * never ends the application's loop.
     */
    public void send(byte[] data, int offset, int length, int address, int port, long deadlineNanos)
            throws SocketException, SocketTimeoutException {
        ensureOpen(); // before anything else, so a closed socket always says it is closed
        if (port == 0 && address == 0) {
            if (!isConnected()) {
                throw new SocketException("socket is not connected: give a destination");
            }
            address = remoteAddress;
            port = remotePort;
        } else if (port < 0 || port > 65535) {
            throw new SocketException("port out of range: " + port);
        }
        if (localPort == 0) {
            host.sockets().bindUdp(this, 0, 0);
        }
        super.send(data, offset, length, address, port, 0, deadlineNanos);
    }

    /** Application: the next datagram's payload into {@code buffer}; its source via {@link #sourceAddress}. */
    public int receive(byte[] buffer, int offset, int length, long deadlineNanos)
            throws SocketException, SocketTimeoutException {
        return super.receive(buffer, offset, length, deadlineNanos);
    }

    /** Application: the next datagram if one is waiting, else -1 (never blocks, allocates nothing). */
    public int poll(byte[] buffer, int offset, int length) throws SocketException {
        return super.poll(buffer, offset, length);
    }

    /** True if {@link #poll} would return -1 now (open, nothing waiting); needs no lock. */
    public boolean nothingToPoll() {
        return super.nothingToPoll();
    }

    /** Source address of the datagram last returned by {@link #receive}. */
    public int sourceAddress() {
        return lastAddress();
    }

    public int sourcePort() {
        return lastPort();
    }

    /** Datagrams that arrived while the receive ring was full. */
    public long receiveDrops() {
        return receiveDrops;
    }

    @Override
    void transmit(byte[] ring, int offset, int length, int address, int port, int tag) {
        host.udp().send(this, ring, offset, length, address, port);
    }

    @Override
    void unregister() {
        host.udp().unbind(this);
    }
}
