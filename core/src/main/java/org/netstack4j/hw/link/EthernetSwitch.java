package org.netstack4j.hw.link;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.netstack4j.exec.Clock;
import org.netstack4j.wire.MacAddress;

/**
 * A learning Ethernet switch with a fixed number of ports, so that more than two cards can share
 * one Ethernet. Each port is a {@link Connector}, joined to a card by a {@link Cable}
 * ({@link #plug}). The switch learns source addresses per port in a bounded {@link MacTable} with
 * ageing on its clock; it forwards known unicast to one port, floods broadcast, multicast and
 * unknown unicast to every other attached port, filters frames whose destination lives on the
 * ingress port, and drops runts (under 14 bytes). Every frame received is counted once, per
 * ingress port, as forwarded, flooded, filtered or dropped.
 *
 * <p>Forwarding is cut-through on the sender's thread, without copying or queueing: the frame is
 * borrowed for the call, as a {@link Link} allows. Frames may arrive on several threads at once;
 * the table and the counters are guarded by one lock, which is released before any frame is
 * delivered, so a delivery that comes back into this switch (or into another switch that is
 * delivering into this one) cannot deadlock. A port detached between the decision and the
 * delivery simply swallows the frame.
 */
public final class EthernetSwitch {
    /** Default ageing time of learned addresses, as IEEE 802.1D recommends: 300 s. */
    public static final long DEFAULT_AGEING_NANOS = 300_000_000_000L;
    /** Default bound on the number of learned addresses. */
    public static final int DEFAULT_TABLE_SIZE = 1024;
    /** Shortest frame the switch forwards: two addresses and an EtherType. */
    public static final int MIN_FRAME = 14;

    private static final int DROP = -2;
    private static final int FLOOD = -1;
    private static final long GROUP_BIT = 1L << 40; // I/G bit: least significant bit of the first octet

    /** Counters of one port. Frames received are counted once each as forwarded, flooded, filtered or dropped. */
    public static final class PortCounters {
        long rx;
        long tx;
        long forwarded;
        long flooded;
        long filtered;
        long dropped;
        long runts;

        /** Frames received on this port. */
        public long rx() {
            return rx;
        }

        /** Frames sent out of this port (forwarded to it or flooded through it). */
        public long tx() {
            return tx;
        }

        /** Received frames sent to one known port. */
        public long forwarded() {
            return forwarded;
        }

        /** Received frames flooded (broadcast, multicast, unknown unicast). */
        public long flooded() {
            return flooded;
        }

        /** Received frames whose destination is on this same port, so not sent anywhere. */
        public long filtered() {
            return filtered;
        }

        /** Received frames dropped (runts, and unicast to a port whose link is down). */
        public long dropped() {
            return dropped;
        }

        /** Received frames shorter than {@value EthernetSwitch#MIN_FRAME} bytes (also counted in dropped). */
        public long runts() {
            return runts;
        }

        PortCounters copy() {
            PortCounters c = new PortCounters();
            c.rx = rx;
            c.tx = tx;
            c.forwarded = forwarded;
            c.flooded = flooded;
            c.filtered = filtered;
            c.dropped = dropped;
            c.runts = runts;
            return c;
        }

        public Map<String, Long> toMap() {
            Map<String, Long> m = new LinkedHashMap<>();
            m.put("rx", rx);
            m.put("tx", tx);
            m.put("forwarded", forwarded);
            m.put("flooded", flooded);
            m.put("filtered", filtered);
            m.put("dropped", dropped);
            m.put("runts", runts);
            return m;
        }

        @Override
        public String toString() {
            return toMap().toString();
        }
    }

    /** Counters of the address table. */
    public static final class TableCounters {
        long entries;
        long learned;
        long moves;
        long aged;
        long refused;
        long flushed;
        long groupSources;

        /** Addresses currently in the table (aged ones not yet swept included). */
        public long entries() {
            return entries;
        }

        /** New addresses learned. */
        public long learned() {
            return learned;
        }

        /** Known addresses seen again on a different port. */
        public long moves() {
            return moves;
        }

        /** Entries removed because they were not seen for the ageing time. */
        public long aged() {
            return aged;
        }

        /** New addresses not learned because the table was full. */
        public long refused() {
            return refused;
        }

        /** Entries removed because their port went down or the table was flushed. */
        public long flushed() {
            return flushed;
        }

        /** Frames with a group (multicast) source address, which is never learned. */
        public long groupSources() {
            return groupSources;
        }

        public Map<String, Long> toMap() {
            Map<String, Long> m = new LinkedHashMap<>();
            m.put("entries", entries);
            m.put("learned", learned);
            m.put("moves", moves);
            m.put("aged", aged);
            m.put("learn_refused", refused);
            m.put("flushed", flushed);
            m.put("group_sources", groupSources);
            return m;
        }

        @Override
        public String toString() {
            return toMap().toString();
        }
    }

    /** One port: a connector whose input is the switch's ingress and whose attached link is its egress. */
    private final class Port implements Connector {
        final int index;
        final Link ingress;
        final PortCounters counters = new PortCounters();
        volatile Link egress = Link.NOWHERE;
        boolean up; // under lock

        Port(int index) {
            this.index = index;
            this.ingress = (frame, offset, length) -> receive(this, frame, offset, length);
        }

        @Override
        public Link input() {
            return ingress;
        }

        @Override
        public void attach(Link output) {
            Objects.requireNonNull(output, "output");
            synchronized (lock) {
                egress = output;
                up = true;
            }
        }

        @Override
        public void detach() {
            synchronized (lock) {
                up = false;
                egress = Link.NOWHERE;
                table.removePort(index);
            }
        }

        @Override
        public String toString() {
            return name + ".port" + index;
        }
    }

    private final String name;
    private final Clock clock;
    private final Object lock = new Object();
    private final MacTable table;
    private final Port[] ports;
    private long groupSources; // under lock

    /** A switch with {@code portCount} ports, {@value #DEFAULT_TABLE_SIZE} table entries and 300 s ageing. */
    public EthernetSwitch(String name, int portCount, Clock clock) {
        this(name, portCount, clock, DEFAULT_TABLE_SIZE, DEFAULT_AGEING_NANOS);
    }

    /**
     * @param clock       time for ageing (a {@link org.netstack4j.exec.Simulation} in simulated networks)
     * @param maxEntries  bound on learned addresses
     * @param ageingNanos how long an address stays learned without being seen as a source
     */
    public EthernetSwitch(String name, int portCount, Clock clock, int maxEntries, long ageingNanos) {
        if (portCount < 1) {
            throw new IllegalArgumentException("a switch needs at least one port: " + portCount);
        }
        this.name = Objects.requireNonNull(name, "name");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.table = new MacTable(maxEntries, ageingNanos);
        this.ports = new Port[portCount];
        for (int i = 0; i < portCount; i++) {
            ports[i] = new Port(i);
        }
    }

    public String name() {
        return name;
    }

    /** Number of ports. */
    public int portCount() {
        return ports.length;
    }

    /** Port {@code i} as a connector, to be joined to a card (or another switch) by a {@link Cable}. */
    public Connector port(int i) {
        return ports[Objects.checkIndex(i, ports.length)];
    }

    /** Joins port {@code port} to {@code card} with a new cable. */
    public Cable plug(int port, Connector card) {
        return Cable.connect(port(port), card);
    }

    /**
     * Joins port {@code port} to {@code card} with a new cable whose directions are wrapped
     * (capture, faults): first the switch-to-card direction, then card-to-switch.
     */
    public Cable plug(int port, Connector card, UnaryOperator<Link> wrap) {
        return Cable.connect(port(port), card, wrap);
    }

    private void receive(Port in, MemorySegment frame, long offset, int length) {
        int target;
        synchronized (lock) {
            target = decide(in, frame, offset, length);
        }
        if (target == DROP) {
            return;
        }
        if (target >= 0) {
            ports[target].egress.send(frame, offset, length);
            return;
        }
        for (Port out : ports) {
            if (out != in) {
                Link egress = out.egress;
                if (egress != Link.NOWHERE) {
                    egress.send(frame, offset, length);
                }
            }
        }
    }

    /** Learns, looks up and counts; returns a port, {@link #FLOOD} or {@link #DROP}. Called under the lock. */
    private int decide(Port in, MemorySegment frame, long offset, int length) {
        PortCounters c = in.counters;
        c.rx++;
        if (length < MIN_FRAME) {
            c.runts++;
            c.dropped++;
            return DROP;
        }
        long dst = MacAddress.read(frame, offset);
        long src = MacAddress.read(frame, offset + 6);
        long now = clock.nanos();
        if ((src & GROUP_BIT) == 0) {
            table.learn(src, in.index, now);
        } else {
            groupSources++;
        }
        int out = (dst & GROUP_BIT) != 0 ? FLOOD : table.lookup(dst, now);
        if (out == in.index) {
            c.filtered++;
            return DROP;
        }
        if (out >= 0) {
            Port p = ports[out];
            if (!p.up) {
                c.dropped++;
                return DROP;
            }
            c.forwarded++;
            p.counters.tx++;
            return out;
        }
        c.flooded++;
        for (Port p : ports) {
            if (p != in && p.up) {
                p.counters.tx++;
            }
        }
        return FLOOD;
    }

    /** The port {@code mac} is learned on, or -1 if unknown or aged out. */
    public int lookup(MacAddress mac) {
        synchronized (lock) {
            return table.lookup(mac.bits(), clock.nanos());
        }
    }

    /** Forgets every learned address. */
    public void flushTable() {
        synchronized (lock) {
            table.clear();
        }
    }

    /** A snapshot of port {@code i}'s counters. */
    public PortCounters counters(int i) {
        Objects.checkIndex(i, ports.length);
        synchronized (lock) {
            return ports[i].counters.copy();
        }
    }

    /** A snapshot of the address table's counters. */
    public TableCounters tableCounters() {
        synchronized (lock) {
            TableCounters t = new TableCounters();
            t.entries = table.size();
            t.learned = table.learned;
            t.moves = table.moves;
            t.aged = table.aged;
            t.refused = table.refused;
            t.flushed = table.flushed;
            t.groupSources = groupSources;
            return t;
        }
    }

    @Override
    public String toString() {
        return "EthernetSwitch[" + name + ", " + ports.length + " ports]";
    }
}
