package org.netstack4j.stack;

import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.exec.Applications;

import java.net.PortUnreachableException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where an application's datagrams meet the loop: a send ring the application fills and the loop
 * drains, a receive ring the loop fills and the application drains, each with one producer and
 * one consumer. The application side may be called from any thread (a socket serialises its
 * callers); the loop side runs on the host's CPU.
 *
 * <p>An endpoint is never reused: after close its rings are dead, anything an application still
 * manages to put in them is dropped and counted, and a new socket gets a new endpoint even if it
 * binds the same port. So a late send through an old handle can never reach a newer socket.
 */
public abstract sealed class Endpoint permits UdpEndpoint, EchoEndpoint {
    final Host host;
    final DatagramRing receiveRing;
    final DatagramRing sendRing;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean sendQueued = new AtomicBoolean();
    private volatile Thread reader;
    private volatile Thread writer;
    /** Run on the loop after each datagram is delivered (a selector's wake-up); must not block. */
    private volatile Runnable whenReceived;
    /** Set by the loop once it has unregistered the endpoint. */
    boolean deadOnLoop;
    /** Set by the loop when the connected peer answered with ICMP port unreachable; reported once. */
    volatile boolean refused;
    /** Datagrams dropped because the receive ring was full (loop writes; anyone reads). */
    volatile long receiveDrops;
    /** The next endpoint on the host's list of closes to run (see {@link Host#close}). */
    Endpoint nextClose;
    /** The thread that closed this endpoint, woken when the loop has done it. */
    volatile Thread closer;
    /** Set by the loop once the close has run: the endpoint is unregistered and its slot free. */
    volatile boolean closedOnLoop;

    // The last datagram received by the application.
    private int lastAddress;
    private int lastPort;
    private int lastTag;

    Endpoint(Host host, int receiveBytes, int sendBytes) {
        this.host = host;
        this.receiveRing = new DatagramRing(receiveBytes);
        this.sendRing = new DatagramRing(sendBytes);
    }

    // ==== Application side ================================================================

    public boolean isClosed() {
        return closed.get();
    }

    /** Marks the endpoint closed for the application; true for the caller that closed it. */
    boolean markClosed() {
        return closed.compareAndSet(false, true);
    }

    void ensureOpen() throws SocketException {
        if (closed.get()) {
            throw new SocketClosedException("socket is closed");
        }
        if (refused) {
            refused = false;
            throw new PortUnreachableException("the peer answered ICMP port unreachable (nobody listens there)");
        }
    }

    /** Largest datagram payload one send may carry. */
    public int maxDatagram() {
        return Math.min(sendRing.maxPayload(), 65_507);
    }

    /**
     * Puts one datagram in the send ring for the loop; waits up to {@code deadlineNanos} (on the
     * applications' clock) for room.
     */
    void send(byte[] data, int offset, int length, int address, int port, int tag, long deadlineNanos)
            throws SocketException, SocketTimeoutException {
        if (length > maxDatagram()) {
            throw new SocketException("datagram of " + length + " bytes is larger than " + maxDatagram());
        }
        Applications apps = host.applications();
        while (true) {
            ensureOpen();
            int at = sendRing.reserve(length);
            if (at >= 0) {
                System.arraycopy(data, offset, sendRing.array(), at, length);
                sendRing.publish(at, length, address, port, tag);
                // A burst of sends finds the endpoint already queued after the first: a plain read
                // sees that without the compare-and-set, which costs as much when it fails. (If the
                // loop clears the flag just after this read, it drains the ring after clearing it,
                // so it sees the datagram published above.)
                if (!sendQueued.get() && sendQueued.compareAndSet(false, true)) {
                    host.loop().handOff(this);
                }
                return;
            }
            if (apps.clock().nanos() >= deadlineNanos) {
                throw new SocketTimeoutException("send buffer full");
            }
            writer = Thread.currentThread();
            if (sendRing.reserve(length) < 0) {
                apps.block(deadlineNanos);
            }
            writer = null;
        }
    }

    /**
     * True if a {@link #poll} now would certainly find nothing and succeed in finding it: the
     * endpoint is open, not refused, and its receive ring is empty. Reads only volatile fields,
     * so a socket may ask it without taking its receive lock.
     */
    boolean nothingToPoll() {
        return !closed.get() && !refused && receiveRing.isEmpty();
    }

    /**
     * Takes the next datagram into {@code buffer} if one is waiting, never blocking; returns its
     * full length (bytes beyond {@code length} are cut off, as with a real datagram socket), or -1.
     */
    int poll(byte[] buffer, int offset, int length) throws SocketException {
        ensureOpen();
        if (!receiveRing.peek()) {
            return -1;
        }
        int n = receiveRing.takenLength();
        System.arraycopy(receiveRing.array(), receiveRing.takenOffset(), buffer, offset, Math.min(n, length));
        lastAddress = receiveRing.takenAddress();
        lastPort = receiveRing.takenPort();
        lastTag = receiveRing.takenTag();
        receiveRing.release();
        return n;
    }

    /** Like {@link #poll}, but waits up to {@code deadlineNanos} for a datagram. */
    int receive(byte[] buffer, int offset, int length, long deadlineNanos)
            throws SocketException, SocketTimeoutException {
        Applications apps = host.applications();
        while (true) {
            int n = poll(buffer, offset, length);
            if (n >= 0) {
                return n;
            }
            if (apps.clock().nanos() >= deadlineNanos) {
                throw new SocketTimeoutException("no datagram before the timeout");
            }
            reader = Thread.currentThread();
            if (receiveRing.isEmpty() && !isClosed()) {
                apps.block(deadlineNanos);
            }
            reader = null;
        }
    }

    /** Wakes any application thread waiting on this endpoint (close, errors). */
    void wakeAll() {
        Thread r = reader;
        Thread w = writer;
        if (r != null) {
            host.applications().wake(r);
        }
        if (w != null) {
            host.applications().wake(w);
        }
    }

    int lastAddress() {
        return lastAddress;
    }

    int lastPort() {
        return lastPort;
    }

    int lastTag() {
        return lastTag;
    }

    // ==== Loop side =======================================================================

    /** Run by the loop when the application has queued datagrams. */
    final void drainSendRing() {
        sendQueued.set(false);
        if (deadOnLoop) {
            host.counters().add(Counter.UDP_SENDS_AFTER_CLOSE, sendRing.clear());
            return;
        }
        boolean any = false;
        while (sendRing.peek()) {
            transmit(sendRing.array(), sendRing.takenOffset(), sendRing.takenLength(),
                    sendRing.takenAddress(), sendRing.takenPort(), sendRing.takenTag());
            sendRing.release();
            any = true;
        }
        Thread w = writer;
        if (any && w != null) {
            host.applications().wake(w);
        }
    }

    /** Sends one datagram from the send ring (loop). */
    abstract void transmit(byte[] ring, int offset, int length, int address, int port, int tag);

    /**
     * Copies a received payload into the receive ring and wakes the reader (loop). False if the
     * ring is full: the caller counts the drop.
     */
    final boolean deliver(PacketBuffer b, int offset, int length, int address, int port, int tag) {
        int at = receiveRing.reserve(length);
        if (at < 0) {
            receiveDrops++;
            return false;
        }
        b.copyTo(offset, receiveRing.array(), at, length);
        receiveRing.publish(at, length, address, port, tag);
        wakeReader();
        Runnable r = whenReceived;
        if (r != null) {
            r.run();
        }
        return true;
    }

    /** Sets what runs on the loop after each datagram is delivered (null: nothing); it must not block. */
    public void whenReceived(Runnable onLoop) {
        whenReceived = onLoop;
    }

    /** True if a datagram waits to be received (any thread). */
    public boolean hasDatagram() {
        return !receiveRing.isEmpty();
    }

    final void wakeReader() {
        Thread r = reader;
        if (r != null) {
            host.applications().wake(r);
        }
    }

    /**
     * Sends what was queued before the close, then unregisters the endpoint (loop). From here on
     * its send ring is dead: whatever a late sender still puts there is dropped and counted.
     */
    void closeOnLoop() {
        if (!deadOnLoop) {
            drainSendRing();
            deadOnLoop = true;
            unregister();
        }
        wakeAll();
    }

    abstract void unregister();
}
