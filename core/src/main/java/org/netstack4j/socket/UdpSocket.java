package org.netstack4j.socket;

import org.netstack4j.stack.Host;
import org.netstack4j.stack.UdpEndpoint;
import org.netstack4j.wire.Ipv4Address;

import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * A UDP socket on a netstack4j host, in the manner of {@link java.net.DatagramSocket}: bind
 * (port 0 for an ephemeral one), connect, send/sendTo, receive with a timeout or without
 * waiting, close. Several threads may share one socket; each direction serves one at a time.
 *
 * <p>The handle is tied to its endpoint for life. After {@link #close} every call throws, and a
 * send that races the close is dropped (and counted) rather than delivered anywhere: a new
 * socket on the same port has a new endpoint, which an old handle can never reach.
 */
public final class UdpSocket implements AutoCloseable {
    private final Host host;
    private final UdpEndpoint endpoint;
    private final Object sendLock = new Object();
    private final Object receiveLock = new Object();
    private volatile long timeoutNanos = Long.MAX_VALUE;
    private volatile int lastLength;

    private UdpSocket(Host host, UdpEndpoint endpoint) {
        this.host = host;
        this.endpoint = endpoint;
    }

    /** An unbound socket; the first send binds it to an ephemeral port. */
    public static UdpSocket open(Host host) throws SocketException {
        return new UdpSocket(host, host.sockets().openUdp());
    }

    /** A socket bound to {@code port} on every address of the host (0: an ephemeral port). */
    public static UdpSocket bind(Host host, int port) throws SocketException {
        UdpSocket s = open(host);
        try {
            s.bindTo(0, port);
        } catch (SocketException e) {
            s.close();
            throw e;
        }
        return s;
    }

    public void bindTo(int address, int port) throws SocketException {
        host.sockets().bindUdp(endpoint, address, port);
    }

    public void connect(int address, int port) throws SocketException {
        host.sockets().connectUdp(endpoint, address, port);
    }

    public void connect(String address, int port) throws SocketException {
        connect(Ipv4Address.parseBits(address), port);
    }

    /** How long {@link #receive} waits (and a send waits for room); null or zero: forever. */
    public void setTimeout(Duration timeout) {
        timeoutNanos = timeout == null || timeout.isZero() ? Long.MAX_VALUE : timeout.toNanos();
    }

    private long deadline(long wait) {
        long now = host.applications().clock().nanos();
        return wait == Long.MAX_VALUE ? Long.MAX_VALUE : now + wait;
    }

    /** Sends to the connected peer. */
    public void send(byte[] data, int offset, int length) throws SocketException, SocketTimeoutException {
        sendTo(data, offset, length, 0, 0);
    }

    public void send(byte[] data) throws SocketException, SocketTimeoutException {
        send(data, 0, data.length);
    }

    /** Sends one datagram to {@code address:port}. */
    public void sendTo(byte[] data, int offset, int length, int address, int port)
            throws SocketException, SocketTimeoutException {
        synchronized (sendLock) {
            endpoint.send(data, offset, length, address, port, deadline(timeoutNanos));
        }
    }

    public void sendTo(byte[] data, int address, int port) throws SocketException, SocketTimeoutException {
        sendTo(data, 0, data.length, address, port);
    }

    /**
     * Waits for a datagram (up to the timeout) and copies its payload into {@code buffer}; returns
     * the number of bytes copied. A longer datagram is cut to the buffer, as with DatagramSocket.
     */
    public int receive(byte[] buffer, int offset, int length) throws SocketException, SocketTimeoutException {
        synchronized (receiveLock) {
            int n = endpoint.receive(buffer, offset, length, deadline(timeoutNanos));
            lastLength = n;
            return Math.min(n, length);
        }
    }

    public int receive(byte[] buffer) throws SocketException, SocketTimeoutException {
        return receive(buffer, 0, buffer.length);
    }

    /** A received datagram's full length and its source. */
    public record Datagram(int length, int address, int port) {
    }

    /**
     * Like {@link #receive(byte[])}, and returns the source with the length, read under the same
     * lock: use this when several threads receive on one socket.
     */
    public Datagram receiveFrom(byte[] buffer) throws SocketException, SocketTimeoutException {
        synchronized (receiveLock) {
            int n = endpoint.receive(buffer, 0, buffer.length, deadline(timeoutNanos));
            lastLength = n;
            return new Datagram(n, endpoint.sourceAddress(), endpoint.sourcePort());
        }
    }

    /**
     * Runs {@code onLoop} on the host's loop after each datagram arrives for this socket (null:
     * nothing): how a selector learns that it became readable. It must not block.
     */
    public void whenReceived(Runnable onLoop) {
        endpoint.whenReceived(onLoop);
    }

    /** True if a datagram waits (any thread; a snapshot). */
    public boolean hasDatagram() {
        return endpoint.hasDatagram();
    }

    /** The local address the socket is bound to (0: every address, or not bound yet). */
    public int localAddress() {
        return endpoint.localAddress();
    }

    /** Takes a datagram if one is waiting; -1 if none (never waits). */
    public int receiveNow(byte[] buffer, int offset, int length) throws SocketException {
        // A polling loop mostly finds nothing: say so without the lock (an empty ring stays empty
        // for this call's purpose whoever else receives). A closed socket still throws below.
        if (endpoint.nothingToPoll()) {
            return -1;
        }
        synchronized (receiveLock) {
            int n = endpoint.poll(buffer, offset, length);
            if (n < 0) {
                return -1;
            }
            lastLength = n;
            return Math.min(n, length);
        }
    }

    /** Source of the datagram last received (with one receiving thread; else use {@link #receiveFrom}). */
    public int sourceAddress() {
        return endpoint.sourceAddress();
    }

    public int sourcePort() {
        return endpoint.sourcePort();
    }

    /** Full length of the datagram last received (more than returned if it was cut). */
    public int lastDatagramLength() {
        return lastLength;
    }

    public int localPort() {
        return endpoint.localPort();
    }

    public boolean isClosed() {
        return endpoint.isClosed();
    }

    /** Datagrams dropped because this socket's receive queue was full. */
    public long receiveDrops() {
        return endpoint.receiveDrops();
    }

    @Override
    public void close() {
        host.sockets().close(endpoint);
    }

    @Override
    public String toString() {
        return "UdpSocket[" + host.name() + ":" + endpoint.localPort() + (isClosed() ? ", closed" : "") + "]";
    }
}
