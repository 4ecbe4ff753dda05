package org.netstack4j.wire;

import org.netstack4j.buffer.BufferPool;
import org.netstack4j.buffer.DmaMemory;
import org.netstack4j.buffer.PacketBuffer;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Test fixture: packet buffers from a small pool, filled from hex or arrays, all returned on close. */
final class Packets implements AutoCloseable {
    static final int HEADROOM = 128;
    static final int SIZE = 2048;

    private final DmaMemory dma = new DmaMemory(1 << 20);
    private final BufferPool pool = new BufferPool("wire-test", dma, 64, SIZE, HEADROOM);
    private final List<PacketBuffer> taken = new ArrayList<>();

    /** Bytes from hex; spaces, newlines and colons are ignored. */
    static byte[] hex(String text) {
        return HexFormat.of().parseHex(text.replaceAll("[\\s:]", ""));
    }

    /** A buffer holding {@code bytes}, with the pool's headroom in front. */
    PacketBuffer of(byte[] bytes) {
        PacketBuffer b = empty();
        b.append(bytes.length);
        b.copyFrom(bytes, 0, 0, bytes.length);
        return b;
    }

    PacketBuffer of(String hex) {
        return of(hex(hex));
    }

    /** An empty buffer with the pool's headroom. */
    PacketBuffer empty() {
        PacketBuffer b = pool.take();
        assertThat(b).as("test pool exhausted").isNotNull();
        taken.add(b);
        return b;
    }

    /** Returns every buffer handed out so far (for loops that would exhaust the pool). */
    void recycle() {
        taken.forEach(PacketBuffer::release);
        taken.clear();
    }

    @Override
    public void close() {
        recycle();
        assertThat(pool.isFull()).isTrue();
        dma.close();
    }
}
