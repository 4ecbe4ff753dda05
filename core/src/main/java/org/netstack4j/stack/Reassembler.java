package org.netstack4j.stack;

import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.wire.IcmpPacket;
import org.netstack4j.wire.Ipv4Packet;

import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * IPv4 reassembly with a fixed number of collectors, each holding one large buffer and a bitmap
 * of the 8-byte blocks received. A fragment that overlaps data already held (other than an exact
 * duplicate) condemns the whole datagram, so overlapping-fragment tricks can never change what a
 * protocol sees. Datagrams incomplete after the timeout are dropped, and counted; when every
 * collector is busy, a new datagram takes the oldest one's.
 */
final class Reassembler {
    /** Offset in the collector's buffer where the payload starts: room for the longest header. */
    private static final int PAYLOAD_AT = 60;
    private static final int MAX_DATAGRAM = 65_535;

    private static final class Collector {
        boolean used;
        int source;
        int destination;
        int protocol;
        int id;
        long deadline;
        int totalPayload = -1; // known once the last fragment arrived
        int received;
        boolean haveFirst;
        int firstHeaderLength;
        /** Some fragment came in a link-layer broadcast frame: no ICMP error about the datagram. */
        boolean linkBroadcast;
        PacketBuffer buffer;
        final long[] blocks = new long[(MAX_DATAGRAM / 8 + 64) / 64];

        boolean matches(int src, int dst, int proto, int ident) {
            return used && source == src && destination == dst && protocol == proto && id == ident;
        }
    }

    private final Host host;
    private final HostConfig config;
    private final StackCounters c;
    private final Collector[] collectors;
    private boolean completedFromBroadcast;

    Reassembler(Host host, HostConfig config) {
        this.host = host;
        this.config = config;
        this.c = host.counters();
        this.collectors = new Collector[config.reassemblyCollectors()];
        for (int i = 0; i < collectors.length; i++) {
            collectors[i] = new Collector();
        }
    }

    /**
     * Takes a fragment (the buffer starts at its header, truncated to its total length). Returns
     * the whole datagram in a large buffer when this fragment completes it, else null.
     *
     * @param linkBroadcast the fragment came in a link-layer broadcast frame
     */
    PacketBuffer accept(PacketBuffer f, boolean linkBroadcast) {
        int src = Ipv4Packet.source(f);
        int dst = Ipv4Packet.destination(f);
        int proto = Ipv4Packet.protocol(f);
        int ident = Ipv4Packet.identification(f);
        int headerLength = Ipv4Packet.headerLength(f);
        int offset = Ipv4Packet.fragmentOffset(f);
        int length = f.length() - headerLength;
        boolean more = Ipv4Packet.moreFragments(f);
        int end = offset + length;
        // Every fragment but the last carries a multiple of 8 bytes; none may reach past 64 KB.
        if ((more && (length & 7) != 0) || length == 0 || headerLength + end > MAX_DATAGRAM) {
            c.count(Counter.IP_REASM_FAILS);
            f.release();
            return null;
        }
        Collector col = find(src, dst, proto, ident);
        if (col == null) {
            col = open(src, dst, proto, ident);
            if (col == null) {
                c.count(Counter.IP_REASM_NO_COLLECTOR);
                c.count(Counter.IP_REASM_FAILS);
                f.release();
                return null;
            }
        }
        int firstBlock = offset >>> 3;
        int lastBlock = (end + 7 >>> 3) - 1;
        int held = countHeld(col, firstBlock, lastBlock);
        // An exact duplicate (a retransmission or a duplicating link) is harmless; it must agree on
        // the bytes and, for a last fragment, on where the datagram ends.
        boolean sameEnd = more ? col.totalPayload < 0 || end <= col.totalPayload : col.totalPayload == end;
        if (held == lastBlock - firstBlock + 1 && sameEnd && sameAsHeld(col, f, headerLength, offset, length)) {
            c.count(Counter.IP_REASM_DUPLICATES);
            f.release();
            return null;
        }
        if (held > 0 || (!more && col.totalPayload >= 0 && col.totalPayload != end)
                || (col.totalPayload >= 0 && end > col.totalPayload)) {
            c.count(Counter.IP_REASM_OVERLAPS);
            c.count(Counter.IP_REASM_FAILS);
            close(col);
            f.release();
            return null;
        }
        if (!more) {
            if (countHeldFrom(col, lastBlock + 1) > 0) {
                c.count(Counter.IP_REASM_OVERLAPS);
                c.count(Counter.IP_REASM_FAILS);
                close(col);
                f.release();
                return null;
            }
            col.totalPayload = end;
        }
        f.copyTo(headerLength, col.buffer.memory(), col.buffer.offset() + PAYLOAD_AT + offset, length);
        mark(col, firstBlock, lastBlock);
        col.linkBroadcast |= linkBroadcast;
        col.received += length;
        if (offset == 0) {
            // Keep the first fragment's header (with its options) for the whole datagram.
            f.copyTo(0, col.buffer.memory(), col.buffer.offset() + PAYLOAD_AT - headerLength, headerLength);
            col.haveFirst = true;
            col.firstHeaderLength = headerLength;
        }
        f.release();
        if (col.haveFirst && col.totalPayload >= 0 && col.firstHeaderLength + col.totalPayload > MAX_DATAGRAM) {
            // Each fragment fit on its own, but the first one's header (options) makes the whole
            // longer than IPv4 allows (the ping of death): the datagram cannot exist.
            c.count(Counter.IP_REASM_FAILS);
            close(col);
            return null;
        }
        if (col.totalPayload < 0 || col.received != col.totalPayload || !col.haveFirst) {
            return null;
        }
        PacketBuffer whole = col.buffer;
        col.buffer = null;
        col.used = false;
        completedFromBroadcast = col.linkBroadcast;
        whole.setLength(PAYLOAD_AT + col.totalPayload);
        int ihl = col.firstHeaderLength;
        whole.trimFront(PAYLOAD_AT - ihl);
        Ipv4Packet.setTotalLength(whole, ihl + col.totalPayload);
        Ipv4Packet.setFragment(whole, 0, false);
        Ipv4Packet.recomputeChecksum(whole);
        return whole;
    }

    /** Whether any fragment of the datagram {@link #accept} last returned came in a link-layer broadcast. */
    boolean completedFromBroadcast() {
        return completedFromBroadcast;
    }

    private Collector find(int src, int dst, int proto, int ident) {
        for (Collector col : collectors) {
            if (col.matches(src, dst, proto, ident)) {
                return col;
            }
        }
        return null;
    }

    /**
     * A collector for a new datagram. When all are in use, the oldest gives way (dropped and
     * counted, as Linux evicts the oldest queues under memory pressure): otherwise one first
     * fragment per collector, each of a datagram that never completes, would shut out every
     * other datagram for the whole timeout. Null only if no large buffer is left.
     */
    private Collector open(int src, int dst, int proto, int ident) {
        Collector col = null;
        Collector oldest = null;
        for (Collector candidate : collectors) {
            if (!candidate.used) {
                col = candidate;
                break;
            }
            if (oldest == null || candidate.deadline - oldest.deadline < 0) {
                oldest = candidate;
            }
        }
        if (col == null) {
            c.count(Counter.IP_REASM_EVICTED);
            c.count(Counter.IP_REASM_FAILS);
            close(oldest);
            col = oldest;
        }
        PacketBuffer b = host.takeLargeBuffer();
        if (b == null) {
            return null;
        }
        b.resetTo(0);
        b.setLength(PAYLOAD_AT + MAX_DATAGRAM - Ipv4Packet.MIN_HEADER);
        col.used = true;
        col.source = src;
        col.destination = dst;
        col.protocol = proto;
        col.id = ident;
        col.deadline = host.nanos() + config.reassemblyTimeoutNanos();
        col.totalPayload = -1;
        col.received = 0;
        col.haveFirst = false;
        col.linkBroadcast = false;
        col.buffer = b;
        Arrays.fill(col.blocks, 0);
        host.needTick();
        return col;
    }

    private void close(Collector col) {
        col.used = false;
        if (col.buffer != null) {
            col.buffer.release();
            col.buffer = null;
        }
    }

    private static int countHeld(Collector col, int first, int last) {
        int n = 0;
        for (int i = first; i <= last; i++) {
            if ((col.blocks[i >>> 6] & (1L << i)) != 0) {
                n++;
            }
        }
        return n;
    }

    private static int countHeldFrom(Collector col, int first) {
        int n = 0;
        for (int w = first >>> 6; w < col.blocks.length; w++) {
            long bits = col.blocks[w];
            if (w == first >>> 6) {
                bits &= -1L << first;
            }
            n += Long.bitCount(bits);
        }
        return n;
    }

    private static void mark(Collector col, int first, int last) {
        for (int i = first; i <= last; i++) {
            col.blocks[i >>> 6] |= 1L << i;
        }
    }

    private static boolean sameAsHeld(Collector col, PacketBuffer f, int headerLength, int offset, int length) {
        long base = col.buffer.offset() + PAYLOAD_AT + offset;
        for (int i = 0; i < length; i++) {
            if (col.buffer.memory().get(ValueLayout.JAVA_BYTE, base + i) != f.getByte(headerLength + i)) {
                return false;
            }
        }
        return true;
    }

    /** Drops datagrams past their deadline. True while any collector is still open. */
    boolean tick(long now) {
        boolean active = false;
        for (Collector col : collectors) {
            if (!col.used) {
                continue;
            }
            if (now - col.deadline >= 0) {
                c.count(Counter.IP_REASM_TIMEOUT);
                c.count(Counter.IP_REASM_FAILS);
                if (col.haveFirst && !col.linkBroadcast) {
                    // RFC 792: tell the sender, quoting the first fragment's header.
                    PacketBuffer b = col.buffer;
                    int ihl = col.firstHeaderLength;
                    b.trimFront(PAYLOAD_AT - ihl);
                    b.truncate(Math.min(b.length(), ihl + 8));
                    host.icmp().sendError(b, IcmpPacket.TIME_EXCEEDED, IcmpPacket.REASSEMBLY_TIME_EXCEEDED, 0);
                }
                close(col);
            } else {
                active = true;
            }
        }
        return active;
    }

    /** Releases every collector's buffer (tear-down). */
    void clear() {
        for (Collector col : collectors) {
            close(col);
        }
    }
}
