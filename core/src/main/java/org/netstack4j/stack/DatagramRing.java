package org.netstack4j.stack;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded ring of datagrams between exactly one producer thread and one consumer thread: the
 * loop and an application. Each record is a 12-byte header (payload length, IPv4 address, port,
 * a 16-bit tag) and the payload, stored whole (a record that would straddle the end starts again
 * at zero). Positions are published with release writes and read with acquire reads, so the
 * payload bytes are visible before the record is. The array is made by the producer's first
 * record, so a socket that never carries a datagram holds no ring memory; after that it
 * allocates nothing.
 */
final class DatagramRing {
    private static final int HEADER = 12;
    private static final int WRAP = -1;
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.BIG_ENDIAN);
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(DatagramRing.class, "head", long.class);
            TAIL = MethodHandles.lookup().findVarHandle(DatagramRing.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int capacity;
    /** Made by the producer at its first record, before it publishes it: the consumer sees it with the record. */
    private byte[] bytes;
    @SuppressWarnings("unused") private volatile long head; // consumer position (bytes consumed)
    @SuppressWarnings("unused") private volatile long tail; // producer position (bytes produced)

    // Where the positions fall in the array (position modulo its length), each kept by the one
    // side that moves that position, so the per-datagram path needs no 64-bit division.
    private int tailAt; // producer's: tail % capacity
    private int headAt; // consumer's: head % capacity

    // The record most recently taken by the consumer.
    private int takenLength;
    private int takenAddress;
    private int takenPort;
    private int takenTag;
    private int takenOffset;

    DatagramRing(int capacity) {
        this.capacity = capacity & ~3; // records are 4-byte aligned
    }

    int capacity() {
        return capacity;
    }

    /** True once the ring holds its array (a datagram has been through it). */
    boolean allocated() {
        return bytes != null;
    }

    /** The capacity a ring needs to hold {@code records} records of {@code payload} bytes each at once. */
    static int capacityFor(int payload, int records) {
        return Math.multiplyExact(records, footprint(payload));
    }

    /** Largest payload a record can ever carry in this ring. */
    int maxPayload() {
        return capacity / 2 - HEADER;
    }

    private static int footprint(int length) {
        return (HEADER + length + 3) & ~3;
    }

    /**
     * Producer: reserves room for a record of {@code length} payload bytes and returns the offset
     * where the payload goes, or -1 if the ring is full. Fill the payload, then {@link #publish}.
     */
    int reserve(int length) {
        if (length < 0 || length > maxPayload()) {
            return -1;
        }
        if (bytes == null) {
            bytes = new byte[capacity];
        }
        long t = (long) TAIL.getOpaque(this);
        long h = (long) HEAD.getVolatile(this);
        int size = footprint(length);
        int at = tailAt;
        int skip = at + size > capacity ? capacity - at : 0;
        if (t + skip + size - h > capacity) {
            return -1;
        }
        if (skip > 0) {
            if (skip >= 4) {
                INT.set(bytes, at, WRAP);
            }
            at = 0;
        }
        return at + HEADER;
    }

    /** Producer: completes the record reserved with {@link #reserve}. */
    void publish(int payloadOffset, int length, int address, int port, int tag) {
        int at = payloadOffset - HEADER;
        INT.set(bytes, at, length);
        INT.set(bytes, at + 4, address);
        INT.set(bytes, at + 8, (port << 16) | (tag & 0xFFFF));
        long t = (long) TAIL.getOpaque(this);
        int pos = tailAt;
        long skip = at < pos ? capacity - pos : 0; // the record wrapped to zero
        int end = at + footprint(length);
        tailAt = end == capacity ? 0 : end;
        // Volatile, not just release: the producer reads the consumer's "waiting" flag next, and
        // that read must not move before this write (else a wake-up could be lost).
        TAIL.setVolatile(this, t + skip + footprint(length));
    }

    /** Producer: copies a whole datagram in. False if it does not fit now. */
    boolean offer(byte[] src, int offset, int length, int address, int port, int tag) {
        int at = reserve(length);
        if (at < 0) {
            return false;
        }
        System.arraycopy(src, offset, bytes, at, length);
        publish(at, length, address, port, tag);
        return true;
    }

    /** The ring's bytes, for producers that fill a reserved payload in place. */
    byte[] array() {
        return bytes;
    }

    /** Consumer: true if a record is waiting. */
    boolean isEmpty() {
        return (long) HEAD.getVolatile(this) == (long) TAIL.getVolatile(this);
    }

    /**
     * Consumer: looks at the next record, making its fields available through the {@code taken*}
     * accessors; call {@link #release} when done with its payload. False if the ring is empty.
     */
    boolean peek() {
        long h = (long) HEAD.getOpaque(this);
        long t = (long) TAIL.getAcquire(this);
        if (h == t) {
            return false;
        }
        int at = headAt;
        if (capacity - at < HEADER || (int) INT.get(bytes, at) == WRAP) {
            h += capacity - at;
            HEAD.setRelease(this, h);
            at = 0;
            headAt = 0;
            if (h == t) {
                return false;
            }
        }
        takenLength = (int) INT.get(bytes, at);
        takenAddress = (int) INT.get(bytes, at + 4);
        int portTag = (int) INT.get(bytes, at + 8);
        takenPort = portTag >>> 16;
        takenTag = portTag & 0xFFFF;
        takenOffset = at + HEADER;
        return true;
    }

    /** Consumer: frees the record last seen by {@link #peek}. */
    void release() {
        long h = (long) HEAD.getOpaque(this);
        int size = footprint(takenLength);
        int end = takenOffset - HEADER + size;
        headAt = end == capacity ? 0 : end;
        HEAD.setVolatile(this, h + size); // volatile for the same reason as in publish
    }

    /** Consumer: drops every record (used when the owner closes). Returns how many. */
    int clear() {
        int n = 0;
        while (peek()) {
            release();
            n++;
        }
        return n;
    }

    int takenLength() {
        return takenLength;
    }

    int takenAddress() {
        return takenAddress;
    }

    int takenPort() {
        return takenPort;
    }

    int takenTag() {
        return takenTag;
    }

    int takenOffset() {
        return takenOffset;
    }
}
