package org.netstack4j.stack;

import java.net.SocketException;
import java.net.SocketTimeoutException;

/**
 * The loop's side of a ping client: ICMP echo requests go out with this endpoint's identifier,
 * and replies that carry it come back through the receive ring, stamped with the loop's clock at
 * arrival. Each request's payload starts with the send time, so the round trip is measured on
 * the host's clock by the host itself.
 */
public final class EchoEndpoint extends Endpoint {
    final int identifier;
    /** Arrival time (host clock) of the reply last returned to the application. */
    private long lastArrival;

    EchoEndpoint(Host host, int identifier, int ringBytes) {
        super(host, ringBytes, ringBytes);
        this.identifier = identifier;
    }

    public int identifier() {
        return identifier;
    }

    /** Application: queues an echo request; the first 8 payload bytes are overwritten with the send time. */
    public void send(int address, int sequence, byte[] payload, int length, long deadlineNanos)
            throws SocketException, SocketTimeoutException {
        if (length < 8) {
            throw new SocketException("an echo payload needs at least 8 bytes for the timestamp");
        }
        super.send(payload, 0, length, address, 0, sequence, deadlineNanos);
    }

    /**
     * Application: waits for the next reply; returns its payload length, with its source, sequence
     * and round-trip time available from the accessors.
     */
    public int receive(byte[] buffer, long deadlineNanos) throws SocketException, SocketTimeoutException {
        if (buffer.length < 16) {
            throw new IllegalArgumentException("reply buffer needs at least 16 bytes");
        }
        int n = super.receive(buffer, 0, buffer.length, deadlineNanos);
        if (n > buffer.length) {
            throw new SocketException("reply of " + n + " bytes does not fit a " + buffer.length + "-byte buffer");
        }
        // The loop appended the arrival time after the payload: [payload][arrival].
        lastArrival = readLong(buffer, n - 8);
        return n - 8;
    }

    public int sourceAddress() {
        return lastAddress();
    }

    public int sequence() {
        return lastTag();
    }

    /** The IP time-to-live of the reply last received (ping's {@code ttl=}). */
    public int ttl() {
        return lastPort() & 0xFF;
    }

    /** Round trip of the reply last received: its arrival minus the send time it carries. */
    public long roundTripNanos(byte[] buffer) {
        return lastArrival - readLong(buffer, 0);
    }

    /** Loop: queues a reply's payload (its TTL in the slot's port field) with its arrival time appended. False if the ring is full. */
    boolean deliverReply(org.netstack4j.buffer.PacketBuffer b, int offset, int length, int source, int ttl,
                         int sequence, long arrivalNanos) {
        int at = receiveRing.reserve(length + 8);
        if (at < 0) {
            receiveDrops++;
            return false;
        }
        byte[] ring = receiveRing.array();
        b.copyTo(offset, ring, at, length);
        for (int i = 0; i < 8; i++) {
            ring[at + length + i] = (byte) (arrivalNanos >>> (56 - 8 * i));
        }
        receiveRing.publish(at, length + 8, source, ttl, sequence);
        wakeReader();
        return true;
    }

    /**
     * Loop: queues an ICMP error (destination unreachable, time exceeded) that quotes one of this
     * client's requests: no payload, the arrival time only, and type and code where a reply keeps
     * its TTL, marked by {@link #ERROR_MARK}. False if the ring is full.
     */
    boolean deliverError(int source, int type, int code, int sequence, long arrivalNanos) {
        int at = receiveRing.reserve(8);
        if (at < 0) {
            receiveDrops++;
            return false;
        }
        byte[] ring = receiveRing.array();
        for (int i = 0; i < 8; i++) {
            ring[at + i] = (byte) (arrivalNanos >>> (56 - 8 * i));
        }
        receiveRing.publish(at, 8, source, ERROR_MARK | (type & 0x7F) << 8 | (code & 0xFF), sequence);
        wakeReader();
        return true;
    }

    /** In the ring's 16-bit port field: this entry is an ICMP error, not a reply (a TTL is 0..255). */
    private static final int ERROR_MARK = 0x8000;

    /** Whether the message last received was an ICMP error about a request rather than its reply. */
    public boolean isError() {
        return (lastPort() & ERROR_MARK) != 0;
    }

    /** The ICMP type of the error last received (3 destination unreachable, 11 time exceeded). */
    public int errorType() {
        return (lastPort() >>> 8) & 0x7F;
    }

    /** The ICMP code of the error last received. */
    public int errorCode() {
        return lastPort() & 0xFF;
    }

    static long readLong(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[at + i] & 0xFF);
        }
        return v;
    }

    @Override
    void transmit(byte[] ring, int offset, int length, int address, int port, int sequence) {
        host.icmp().sendEcho(this, ring, offset, length, address, sequence);
    }

    @Override
    void unregister() {
        host.icmp().unregister(this);
    }
}
