package org.netstack4j.stack;

import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.wire.ArpPacket;
import org.netstack4j.wire.EthernetFrame;
import org.netstack4j.wire.IcmpPacket;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.util.ArrayList;
import java.util.List;

/**
 * One interface's ARP (RFC 826): the neighbour table with its states and ageing, the bounded
 * queues of packets waiting for an answer, requests with retries under a rate limit, replies,
 * and gratuitous ARP. Entries are preallocated and the table never grows past its size.
 */
final class NeighborCache {

    enum State { INCOMPLETE, REACHABLE, STALE, FAILED, STATIC }

    /** One neighbour. Pending packets start at their IPv4 header. */
    static final class Entry {
        int address;
        long mac;
        State state;
        long expires;     // REACHABLE: when to re-check; FAILED: when to forget
        long nextRequest; // INCOMPLETE/STALE: when to ask again
        int requestsLeft;
        final PacketBuffer[] pending;
        int pendingCount;

        Entry(int pendingLimit) {
            pending = new PacketBuffer[pendingLimit];
        }
    }

    private final NetInterface nic;
    private final Host host;
    private final HostConfig config;
    private final Entry[] entries;
    /** The entries in use by address: found in O(1), however many neighbours there are. */
    private final IntTable<Entry> byAddress;
    private int count;
    private int pendingTotal;
    /** Packets taken from neighbours that never answered, for their "host unreachable" (at most all that wait). */
    private final PacketBuffer[] failed;
    private final TokenBucket requestLimit;

    NeighborCache(NetInterface nic, Host host, HostConfig config) {
        this.nic = nic;
        this.host = host;
        this.config = config;
        this.entries = new Entry[config.neighborEntries()];
        for (int i = 0; i < entries.length; i++) {
            entries[i] = new Entry(config.neighborPending());
        }
        this.failed = new PacketBuffer[config.neighborPendingTotal()];
        this.byAddress = new IntTable<>(entries.length, config.seed() * 0x9E3779B97F4A7C15L + nic.name().hashCode());
        this.requestLimit = new TokenBucket(config.arpRequestsPerSecond(), host.nanos());
    }

    private Entry find(int address) {
        return byAddress.get(address);
    }

    /** A free entry, evicting the stalest dynamic one with nothing pending if the table is full. */
    private Entry allocate(int address, State state) {
        Entry e;
        if (count < entries.length) {
            e = entries[count++];
        } else {
            e = null;
            for (int i = 0; i < count; i++) {
                Entry c = entries[i];
                if (c.state != State.STATIC && c.state != State.INCOMPLETE && c.pendingCount == 0
                        && (e == null || c.expires < e.expires)) {
                    e = c;
                }
            }
            if (e == null) {
                return null;
            }
            byAddress.remove(e.address);
        }
        e.address = address;
        byAddress.put(address, e);
        e.mac = 0;
        e.state = state;
        e.expires = 0;
        e.nextRequest = 0;
        e.requestsLeft = 0;
        e.pendingCount = 0;
        return e;
    }

    private void remove(Entry e) {
        dropPending(e);
        byAddress.remove(e.address);
        int i = indexOf(e);
        count--;
        entries[i] = entries[count];
        entries[count] = e;
    }

    private int indexOf(Entry e) {
        for (int i = 0; i < count; i++) {
            if (entries[i] == e) {
                return i;
            }
        }
        throw new IllegalStateException("entry not in table");
    }

    void addStatic(int address, long mac) {
        Entry e = find(address);
        if (e == null) {
            e = allocate(address, State.STATIC);
            if (e == null) {
                throw new IllegalStateException("neighbour table of " + nic.name() + " is full");
            }
        }
        e.mac = mac;
        e.state = State.STATIC;
        flushPending(e);
    }

    // ==== Output: resolve, or queue and ask ===============================================

    /** Sends {@code packet} (an IPv4 datagram) to {@code nextHop}, now or once it is resolved. Takes the buffer. */
    void send(PacketBuffer packet, int nextHop) {
        long now = host.nanos();
        Entry e = find(nextHop);
        if (e != null) {
            switch (e.state) {
                case STATIC -> {
                    nic.sendFrame(packet, e.mac, EthernetFrame.TYPE_IPV4);
                    return;
                }
                case REACHABLE -> {
                    if (now - e.expires < 0) {
                        nic.sendFrame(packet, e.mac, EthernetFrame.TYPE_IPV4);
                        return;
                    }
                    // Trusted too long: keep using it, but check it is still there.
                    e.state = State.STALE;
                    e.requestsLeft = config.arpRetries();
                    e.nextRequest = now;
                    nic.sendFrame(packet, e.mac, EthernetFrame.TYPE_IPV4);
                    askAgain(e, now);
                    return;
                }
                case STALE -> {
                    nic.sendFrame(packet, e.mac, EthernetFrame.TYPE_IPV4);
                    askAgain(e, now);
                    return;
                }
                case FAILED -> {
                    if (now - e.expires < 0) {
                        host.counters().count(Counter.ARP_UNRESOLVED_DROPS);
                        host.icmp().sendError(packet, IcmpPacket.DESTINATION_UNREACHABLE, IcmpPacket.HOST_UNREACHABLE, 0);
                        packet.release();
                        return;
                    }
                    e.state = State.INCOMPLETE;
                    e.requestsLeft = config.arpRetries();
                    e.nextRequest = now;
                }
                case INCOMPLETE -> { }
            }
        } else {
            e = allocate(nextHop, State.INCOMPLETE);
            if (e == null) {
                host.counters().count(Counter.ARP_TABLE_FULL);
                packet.release();
                return;
            }
            e.requestsLeft = config.arpRetries();
            e.nextRequest = now;
        }
        enqueue(e, packet);
        askAgain(e, now);
    }

    private void enqueue(Entry e, PacketBuffer packet) {
        if (e.pendingCount == e.pending.length || pendingTotal >= config.neighborPendingTotal()) {
            host.counters().count(Counter.ARP_PENDING_FULL);
            packet.release();
            return;
        }
        e.pending[e.pendingCount++] = packet;
        pendingTotal++;
    }

    /** Sends a request if one is due and the rate limit allows, and keeps the timer running. */
    private void askAgain(Entry e, long now) {
        if (e.requestsLeft > 0 && now - e.nextRequest >= 0) {
            if (requestLimit.take(now)) {
                e.requestsLeft--;
                e.nextRequest = now + config.arpRetryNanos();
                // A stale entry is checked by unicast, as Linux does; an unknown one by broadcast.
                long to = e.state == State.STALE ? e.mac : MacAddress.BROADCAST.bits();
                sendArp(ArpPacket.OP_REQUEST, to, 0, e.address, Counter.ARP_OUT_REQUESTS);
            } else {
                host.counters().count(Counter.ARP_REQUESTS_RATE_LIMITED);
                e.nextRequest = now + config.arpRetryNanos() / 10;
            }
        }
        host.needTick();
    }

    /**
     * Timer work: retries, and giving up on silent neighbours. True if anything still needs the
     * timer. What waited for a neighbour that never answered is answered "host unreachable", as
     * Linux does: the sender learns why (ping prints it), whether it is this host or one we route for.
     */
    boolean tick(long now) {
        boolean active = false;
        int unreachable = 0;
        for (int i = 0; i < count; i++) {
            Entry e = entries[i];
            if (e.state != State.INCOMPLETE && e.state != State.STALE) {
                continue;
            }
            if (now - e.nextRequest < 0) {
                active = true;
                continue;
            }
            if (e.requestsLeft > 0) {
                askAgain(e, now);
                active = true;
            } else if (e.state == State.INCOMPLETE) {
                // Nobody answered: what waited is answered (below, once the table is left alone),
                // and the address is refused at once for a while.
                host.counters().add(Counter.ARP_RESOLUTION_FAILED, e.pendingCount);
                for (int k = 0; k < e.pendingCount; k++) {
                    failed[unreachable++] = e.pending[k];
                    e.pending[k] = null;
                }
                pendingTotal -= e.pendingCount;
                e.pendingCount = 0;
                e.state = State.FAILED;
                e.expires = now + config.arpFailedHoldNanos();
            } else {
                remove(e);
                i--;
            }
        }
        for (int k = 0; k < unreachable; k++) {
            host.icmp().sendError(failed[k], IcmpPacket.DESTINATION_UNREACHABLE, IcmpPacket.HOST_UNREACHABLE, 0);
            failed[k].release();
            failed[k] = null;
        }
        return active;
    }

    private void dropPending(Entry e) {
        for (int i = 0; i < e.pendingCount; i++) {
            e.pending[i].release();
            e.pending[i] = null;
        }
        pendingTotal -= e.pendingCount;
        e.pendingCount = 0;
    }

    private void flushPending(Entry e) {
        for (int i = 0; i < e.pendingCount; i++) {
            PacketBuffer p = e.pending[i];
            e.pending[i] = null;
            nic.sendFrame(p, e.mac, EthernetFrame.TYPE_IPV4);
        }
        pendingTotal -= e.pendingCount;
        e.pendingCount = 0;
    }

    /** Starts resolving {@code address} without a packet to send (arping, the demo's first check). */
    void solicit(int address) {
        long now = host.nanos();
        Entry e = find(address);
        if (e == null) {
            e = allocate(address, State.INCOMPLETE);
            if (e == null) {
                host.counters().count(Counter.ARP_TABLE_FULL);
                return;
            }
        } else if (e.state != State.FAILED && e.state != State.INCOMPLETE) {
            return;
        }
        e.state = State.INCOMPLETE;
        e.requestsLeft = config.arpRetries();
        e.nextRequest = now;
        askAgain(e, now);
    }

    // ==== Input ===========================================================================

    /** Handles one ARP packet (the buffer starts at the ARP header). Takes the buffer. */
    void input(PacketBuffer b) {
        host.counters().count(Counter.ARP_IN_PACKETS);
        if (ArpPacket.check(b) != ArpPacket.Verdict.OK) {
            host.counters().count(Counter.ARP_IN_ERRORS);
            b.release();
            return;
        }
        int op = ArpPacket.operation(b);
        long sha = ArpPacket.senderMac(b);
        int spa = ArpPacket.senderIp(b);
        int tpa = ArpPacket.targetIp(b);
        b.release();
        host.counters().count(op == ArpPacket.OP_REQUEST ? Counter.ARP_IN_REQUESTS : Counter.ARP_IN_REPLIES);
        if (sha == nic.mac()) {
            return; // our own broadcast, echoed back by a switch
        }
        if (spa == nic.address() && spa != 0) {
            host.counters().count(Counter.ARP_ADDRESS_CONFLICTS);
            return;
        }
        boolean forUs = tpa == nic.address() && nic.address() != 0;
        if (spa == 0 && forUs && op == ArpPacket.OP_REQUEST && (sha & 0x0100_0000_0000L) == 0) {
            // A probe for our address (RFC 5227, arping -D): defend it, as RFC 826 and Linux do,
            // so the prober sees the address is taken. Learn nothing from it.
            sendArp(ArpPacket.OP_REPLY, sha, sha, 0, Counter.ARP_OUT_REPLIES);
            return;
        }
        if (spa == 0 || Ipv4Address.isMulticast(spa) || spa == Ipv4Address.BROADCAST.bits()
                || (sha & 0x0100_0000_0000L) != 0) {
            return; // a probe for someone else, or nonsense: learn nothing
        }
        // RFC 826's merge: update an entry we have; add one only if the packet is for us.
        Entry e = find(spa);
        if (e != null) {
            learn(e, sha);
        } else if (forUs) {
            e = allocate(spa, State.REACHABLE);
            if (e != null) {
                learn(e, sha);
            } else {
                host.counters().count(Counter.ARP_TABLE_FULL);
            }
        }
        if (forUs && op == ArpPacket.OP_REQUEST) {
            sendArp(ArpPacket.OP_REPLY, sha, sha, spa, Counter.ARP_OUT_REPLIES);
        }
    }

    private void learn(Entry e, long mac) {
        if (e.state == State.STATIC) {
            return;
        }
        e.mac = mac;
        e.state = State.REACHABLE;
        e.expires = host.nanos() + config.arpReachableNanos();
        flushPending(e);
    }

    /** Announces our address (gratuitous ARP: a request for ourselves, to everyone). */
    void announce() {
        sendArp(ArpPacket.OP_REQUEST, MacAddress.BROADCAST.bits(), 0, nic.address(), Counter.ARP_OUT_GRATUITOUS);
    }

    /**
     * Builds and sends one ARP packet, counting it as {@code sent}; with no buffer for it, counts
     * {@link Counter#ARP_OUT_DISCARDS} instead (and the pool counts its own emptiness).
     */
    private void sendArp(int op, long frameDestination, long tha, int tpa, Counter sent) {
        PacketBuffer b = host.takeTxBuffer();
        if (b == null) {
            host.counters().count(Counter.ARP_OUT_DISCARDS);
            return;
        }
        host.counters().count(sent);
        b.append(ArpPacket.LENGTH);
        ArpPacket.write(b, op, nic.mac(), nic.address(), tha, tpa);
        nic.sendFrame(b, frameDestination, EthernetFrame.TYPE_ARP);
    }

    /** What the table holds, for {@code stats}. */
    List<Neighbor> snapshot() {
        List<Neighbor> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Entry e = entries[i];
            out.add(new Neighbor(Ipv4Address.format(e.address),
                    e.mac == 0 ? "(incomplete)" : new MacAddress(e.mac).toString(), e.state.name().toLowerCase()));
        }
        return out;
    }

    /** The MAC for {@code address} if known (tests). */
    long lookup(int address) {
        Entry e = find(address);
        return e == null || e.mac == 0 ? -1 : e.mac;
    }

    /** Releases every waiting packet (tear-down). */
    void clearPending() {
        for (int i = 0; i < count; i++) {
            dropPending(entries[i]);
        }
    }

    int pendingTotal() {
        return pendingTotal;
    }
}
