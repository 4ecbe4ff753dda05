package org.netstack4j.hw.e1000;

import org.netstack4j.buffer.DmaMemory;
import org.netstack4j.exec.Simulation;
import org.netstack4j.exec.Timeline;
import org.netstack4j.hw.link.Link;
import org.netstack4j.wire.MacAddress;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.netstack4j.hw.e1000.E1000Registers.*;

/**
 * A card on a bench, with no driver: a simulated clock, DMA memory, an interrupt line that records
 * its edges, and a link that records what the card transmits. Rings are laid out by hand in DMA
 * memory; everything else goes through the register window, as the conformance tests require.
 */
final class E1000Bench implements AutoCloseable {
    /** The card's MAC (the xv6 lab's guest address), loaded into its EEPROM. */
    static final long MAC = 0x5254_0012_3456L;
    static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    /** Another station on the wire (locally administered unicast). */
    static final long PEER = 0x0200_0000_0001L;
    /** The experimental EtherType that carries a sequence number at byte 14. */
    static final int ETHERTYPE = 0x88B5;

    /** A level change of the interrupt line at a simulated instant. */
    record Edge(long nanos, boolean high) {
    }

    final Simulation sim = new Simulation();
    final DmaMemory dma;
    final E1000 card;
    private final List<byte[]> sent = new ArrayList<>();
    private final List<Edge> edges = new ArrayList<>();
    private boolean line;

    E1000Bench() {
        this(E1000.Options.DEFAULT, null);
    }

    /** A bench whose card uses {@code timeline} instead of the simulation (null: the simulation). */
    E1000Bench(E1000.Options options, Timeline timeline) {
        dma = new DmaMemory(8L << 20);
        card = new E1000("bench", dma, timeline == null ? sim : timeline, new MacAddress(MAC), options);
        card.connectInterrupt(high -> {
            synchronized (edges) {
                if (high != line) {
                    line = high;
                    edges.add(new Edge(sim.nanos(), high));
                }
            }
        });
        card.attach(recorder());
        card.read(ICR); // the attach raised LSC: start from a clean slate
    }

    /** A link that records copies of the frames put into it. */
    Link recorder() {
        return (frame, offset, length) -> {
            byte[] copy = frame.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
            synchronized (sent) {
                sent.add(copy);
            }
        };
    }

    // ---- Registers

    int read(int offset) {
        return card.read(offset);
    }

    void write(int offset, int value) {
        card.write(offset, value);
    }

    /** Sets bits in a register (read-modify-write). */
    void set(int offset, int bits) {
        write(offset, read(offset) | bits);
    }

    long diag(String name) {
        Long v = card.diagnostics().toMap().get(name);
        if (v == null) {
            throw new IllegalArgumentException("no diagnostic " + name);
        }
        return v;
    }

    // ---- The interrupt line

    boolean lineHigh() {
        synchronized (edges) {
            return line;
        }
    }

    List<Edge> edges() {
        synchronized (edges) {
            return new ArrayList<>(edges);
        }
    }

    /** Instants at which the line rose. */
    List<Long> rises() {
        return edges().stream().filter(Edge::high).map(Edge::nanos).toList();
    }

    // ---- The wire

    /** Frames the card has transmitted so far, in order. */
    List<byte[]> sent() {
        synchronized (sent) {
            return new ArrayList<>(sent);
        }
    }

    void deliver(byte[] frame) {
        card.input().send(MemorySegment.ofArray(frame), 0, frame.length);
    }

    /**
     * An Ethernet II frame of {@code length} bytes (at least 18) to {@code dst} from {@link #PEER}:
     * EtherType 0x88B5, sequence number {@code seq} (big-endian) at byte 14, then bytes that
     * depend on position and sequence so that misplaced data shows.
     */
    static byte[] frame(long dst, int length, int seq) {
        byte[] f = new byte[length];
        ByteBuffer b = ByteBuffer.wrap(f);
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) (dst >>> (40 - 8 * i));
            f[6 + i] = (byte) (PEER >>> (40 - 8 * i));
        }
        b.putShort(12, (short) ETHERTYPE);
        b.putInt(14, seq);
        for (int i = 18; i < length; i++) {
            f[i] = (byte) (i * 7 + seq);
        }
        return f;
    }

    static int seqOf(byte[] frame) {
        return ByteBuffer.wrap(frame).getInt(14);
    }

    static long dstOf(byte[] frame) {
        long m = 0;
        for (int i = 0; i < 6; i++) {
            m = (m << 8) | (frame[i] & 0xFF);
        }
        return m;
    }

    // ---- Rings by hand

    /** A receive ring of {@code n} descriptors, each with a buffer of {@code bufferSize} bytes; RDH = RDT = 0. */
    RxRing rxRing(int n, int bufferSize) {
        return new RxRing(n, bufferSize);
    }

    /** A transmit ring of {@code n} descriptors, each with a 2 KB buffer; TDH = TDT = 0. */
    TxRing txRing(int n) {
        return new TxRing(n);
    }

    final class RxRing {
        final int size;
        final long base;
        final long[] buffers;

        private RxRing(int n, int bufferSize) {
            size = n;
            base = dma.allocate((long) n * DESC_SIZE, 128);
            buffers = new long[n];
            for (int i = 0; i < n; i++) {
                buffers[i] = dma.allocate(bufferSize, 64);
                dma.writeU64(desc(i) + DESC_ADDR, buffers[i]);
            }
            write(RDBAL, (int) base);
            write(RDBAH, (int) (base >>> 32));
            write(RDLEN, n * DESC_SIZE);
            write(RDH, 0);
            write(RDT, 0);
        }

        long desc(int i) {
            return base + (long) i * DESC_SIZE;
        }

        int status(int i) {
            return dma.readU8Acquire(desc(i) + RXD_STATUS);
        }

        int length(int i) {
            return dma.readU16(desc(i) + DESC_LENGTH);
        }

        int errors(int i) {
            return dma.readU8(desc(i) + RXD_ERRORS);
        }

        /** The bytes the card stored in descriptor {@code i}'s buffer. */
        byte[] data(int i) {
            return data(i, length(i));
        }

        byte[] data(int i, int length) {
            return dma.segment().asSlice(dma.offsetOf(buffers[i], length), length).toArray(ValueLayout.JAVA_BYTE);
        }

        /** Gives descriptor {@code i} back to software's idea of "empty": status cleared. */
        void clear(int i) {
            dma.writeU8(desc(i) + RXD_STATUS, 0);
            dma.writeU8(desc(i) + RXD_ERRORS, 0);
            dma.writeU16(desc(i) + DESC_LENGTH, 0);
        }

        /** Points descriptor {@code i} at an arbitrary bus address. */
        void pointAt(int i, long bus) {
            dma.writeU64(desc(i) + DESC_ADDR, bus);
        }

        /** Moves RDT forward by {@code k} slots. */
        void advance(int k) {
            write(RDT, (read(RDT) + k) % size);
        }
    }

    final class TxRing {
        static final int BUFFER = 2048;
        final int size;
        final long base;
        final long[] buffers;

        private TxRing(int n) {
            size = n;
            base = dma.allocate((long) n * DESC_SIZE, 128);
            buffers = new long[n];
            for (int i = 0; i < n; i++) {
                buffers[i] = dma.allocate(BUFFER, 64);
            }
            write(TDBAL, (int) base);
            write(TDBAH, (int) (base >>> 32));
            write(TDLEN, n * DESC_SIZE);
            write(TDH, 0);
            write(TDT, 0);
        }

        long desc(int i) {
            return base + (long) i * DESC_SIZE;
        }

        /** Fills descriptor {@code i} with {@code data} in its own buffer, command {@code cmd}, status 0. */
        void put(int i, byte[] data, int cmd) {
            MemorySegment.copy(data, 0, dma.segment(), ValueLayout.JAVA_BYTE, dma.offsetOf(buffers[i], data.length),
                    data.length);
            describe(i, buffers[i], data.length, cmd);
        }

        /** Writes descriptor {@code i} by hand. */
        void describe(int i, long addr, int length, int cmd) {
            dma.writeU64(desc(i) + DESC_ADDR, addr);
            dma.writeU16(desc(i) + DESC_LENGTH, length);
            dma.writeU8(desc(i) + TXD_CSO, 0);
            dma.writeU8(desc(i) + TXD_CMD, cmd);
            dma.writeU8(desc(i) + TXD_STATUS, 0);
            dma.writeU8(desc(i) + TXD_CSS, 0);
            dma.writeU16(desc(i) + TXD_SPECIAL, 0);
        }

        int status(int i) {
            return dma.readU8Acquire(desc(i) + TXD_STATUS);
        }
    }

    // ---- Common setups

    /** RX ring of {@code n} 2 KB buffers, all but one given to the card (RDT = n-1), receive enabled. */
    RxRing receiving(int n, int rctl) {
        RxRing ring = rxRing(n, 2048);
        write(RDT, n - 1);
        write(RCTL, RCTL_EN | rctl);
        return ring;
    }

    /** TX ring of {@code n} descriptors, transmitter enabled with PSP. */
    TxRing transmitting(int n) {
        TxRing ring = txRing(n);
        write(TCTL, TCTL_EN | TCTL_PSP | (0x10 << TCTL_CT_SHIFT) | (0x40 << TCTL_COLD_SHIFT));
        write(TIPG, TIPG_DEFAULT);
        return ring;
    }

    @Override
    public void close() {
        card.close();
        dma.close();
    }
}
