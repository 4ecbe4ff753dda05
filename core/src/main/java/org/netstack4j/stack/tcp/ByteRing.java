package org.netstack4j.stack.tcp;

import org.netstack4j.buffer.PacketBuffer;

/**
 * A connection's bytes in one direction, as a ring of at most {@code capacity} bytes that exists
 * only while it holds something: the array is taken at the first write and dropped by {@link
 * #releaseIfEmpty}, so an idle connection holds no buffer memory. Offsets are relative to the
 * ring's head (the oldest byte kept). The receive side writes out-of-order data beyond {@link
 * #length} and later extends {@code length} over it; the send side appends and drops what the
 * peer acknowledged.
 */
final class ByteRing {
    private final int capacity;
    private byte[] bytes;
    private int head;
    private int length;

    ByteRing(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
    }

    int capacity() {
        return capacity;
    }

    /** Contiguous bytes from the head. */
    int length() {
        return length;
    }

    int free() {
        return capacity - length;
    }

    /** True while the ring holds its array (memory in use). */
    boolean allocated() {
        return bytes != null;
    }

    private byte[] array() {
        if (bytes == null) {
            bytes = new byte[capacity];
        }
        return bytes;
    }

    /** Appends up to {@code n} bytes of {@code src}; returns how many fitted. */
    int append(byte[] src, int off, int n) {
        int take = Math.min(n, free());
        copyIn(length, src, off, take);
        length += take;
        return take;
    }

    /** Writes {@code n} bytes of {@code src} from {@code srcIndex} at {@code offset} from the head (offset + n <= capacity). */
    void writeAt(int offset, PacketBuffer src, int srcIndex, int n) {
        byte[] a = array();
        int at = (head + offset) % capacity;
        int first = Math.min(n, capacity - at);
        src.copyTo(srcIndex, a, at, first);
        if (first < n) {
            src.copyTo(srcIndex + first, a, 0, n - first);
        }
    }

    private void copyIn(int offset, byte[] src, int off, int n) {
        if (n == 0) {
            return;
        }
        byte[] a = array();
        int at = (head + offset) % capacity;
        int first = Math.min(n, capacity - at);
        System.arraycopy(src, off, a, at, first);
        System.arraycopy(src, off + first, a, 0, n - first);
    }

    /** Copies {@code n} bytes from {@code offset} after the head into {@code dst} at {@code dstIndex}. */
    void copyOut(int offset, PacketBuffer dst, int dstIndex, int n) {
        int at = (head + offset) % capacity;
        int first = Math.min(n, capacity - at);
        dst.copyFrom(bytes, at, dstIndex, first);
        if (first < n) {
            dst.copyFrom(bytes, 0, dstIndex + first, n - first);
        }
    }

    /** Takes up to {@code n} bytes from the head into {@code dst}; returns how many. */
    int read(byte[] dst, int off, int n) {
        int take = Math.min(n, length);
        if (take == 0) {
            return 0;
        }
        int first = Math.min(take, capacity - head);
        System.arraycopy(bytes, head, dst, off, first);
        System.arraycopy(bytes, 0, dst, off + first, take - first);
        skip(take);
        return take;
    }

    /** Drops {@code n} bytes from the head (acknowledged, or read). */
    void skip(int n) {
        head = (head + n) % capacity;
        length -= n;
    }

    /** Makes {@code n} more bytes after {@link #length} part of it (out-of-order data now in order). */
    void extend(int n) {
        length += n;
    }

    /** Drops the array when nothing is kept (and {@code nothingBeyond}: no out-of-order bytes wait past the end). */
    void releaseIfEmpty(boolean nothingBeyond) {
        if (length == 0 && nothingBeyond) {
            bytes = null;
            head = 0;
        }
    }
}
