package org.netstack4j.stack;

import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.driver.Offloads;
import org.netstack4j.exec.Work;
import org.netstack4j.wire.Checksum;
import org.netstack4j.wire.IcmpPacket;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.Ipv4Options;
import org.netstack4j.wire.Ipv4Packet;

/**
 * IPv4 (RFC 791, RFC 1122): input with full header validation, delivery to local protocols
 * through reassembly, forwarding between interfaces, and output with routing and fragmentation.
 */
final class Ipv4Layer {
    private final Host host;
    private final HostConfig config;
    private final StackCounters c;
    private final Reassembler reassembler;
    /** The fragments of the datagram being fragmented, taken before any is sent (grows, rarely). */
    private PacketBuffer[] fragments = new PacketBuffer[48]; // 64 KB at MTU 1500: 45
    private int nextId;

    Ipv4Layer(Host host, HostConfig config) {
        this.host = host;
        this.config = config;
        this.c = host.counters();
        this.reassembler = new Reassembler(host, config);
        this.nextId = host.random().nextInt(0x10000);
    }

    Reassembler reassembler() {
        return reassembler;
    }

    // ==== Input ===========================================================================

    /** A datagram from {@code in} (the buffer starts at its header). Takes the buffer. */
    void input(NetInterface in, PacketBuffer b, boolean unicastFrame) {
        c.count(Counter.IP_IN_RECEIVES);
        // The card's verdict (receive checksum offload) stands in for our own sum, a wrong one too.
        int verdicts = b.rxChecksum();
        Ipv4Packet.Verdict v = Ipv4Packet.check(b, (verdicts & PacketBuffer.RX_IP_CHECKSUM_GOOD) != 0);
        if (v == Ipv4Packet.Verdict.OK && (verdicts & PacketBuffer.RX_IP_CHECKSUM_BAD) != 0) {
            v = Ipv4Packet.Verdict.BAD_CHECKSUM;
        }
        if (v != Ipv4Packet.Verdict.OK) {
            c.count(v == Ipv4Packet.Verdict.BAD_CHECKSUM ? Counter.IP_IN_CSUM_ERRORS : Counter.IP_IN_HDR_ERRORS);
            b.release();
            return;
        }
        b.truncate(Ipv4Packet.totalLength(b)); // drop Ethernet padding
        int destination = Ipv4Packet.destination(b);
        int source = Ipv4Packet.source(b);
        if (isMartianSource(source, destination)) {
            c.count(Counter.IP_IN_ADDR_ERRORS);
            b.release();
            return;
        }
        if (Ipv4Packet.headerLength(b) > Ipv4Packet.MIN_HEADER && !optionsAcceptable(b)) {
            b.release();
            return;
        }
        if (isLocal(destination)) {
            deliver(b, !unicastFrame);
        } else if (!unicastFrame || Ipv4Address.isMulticast(destination)) {
            c.count(Counter.IP_IN_ADDR_ERRORS); // link broadcast for someone else: never forward
            b.release();
        } else if (isThisNetwork(destination) || Ipv4Address.isLoopback(destination)) {
            c.count(Counter.IP_IN_ADDR_ERRORS); // RFC 1812 5.3.7: never forwarded (Linux: a martian destination)
            b.release();
        } else if (config.forwarding()) {
            forward(b);
        } else {
            c.count(Counter.IP_IN_ADDR_ERRORS);
            b.release();
        }
    }

    /**
     * Options are checked before anything acts on the datagram: malformed ones are answered with
     * a parameter problem pointing at the bad byte (RFC 1122 3.2.1.8, as Linux), and source
     * routes are refused, as Linux refuses them unless accept_source_route is set: a source route
     * lets a sender spoof an address and still get the answers.
     */
    private boolean optionsAcceptable(PacketBuffer b) {
        int bad = Ipv4Options.firstError(b);
        if (bad >= 0) {
            c.count(Counter.IP_IN_HDR_ERRORS);
            c.count(Counter.IP_IN_BAD_OPTIONS);
            host.icmp().sendError(b, IcmpPacket.PARAMETER_PROBLEM, 0, bad << 24);
            return false;
        }
        if (Ipv4Options.hasSourceRoute(b)) {
            c.count(Counter.IP_IN_SOURCE_ROUTED);
            return false;
        }
        return true;
    }

    /**
     * True for a source no datagram from the wire can have (RFC 1122 3.2.1.3, RFC 1812 5.3.7;
     * Linux's martian sources): a multicast or broadcast address; 127/8 (loopback); 0/8 ("this
     * network"), except 0.0.0.0 to the limited broadcast, which is how a host without an address
     * yet (a DHCP client, RFC 2131 4.1) asks a server here; and an address of our own.
     */
    private boolean isMartianSource(int source, int destination) {
        if (Ipv4Address.isMulticast(source) || isBroadcast(source) || Ipv4Address.isLoopback(source)) {
            return true;
        }
        if (isThisNetwork(source)) {
            return source != 0 || destination != Ipv4Address.BROADCAST.bits();
        }
        for (NetInterface nic : host.interfaceArray()) {
            if (source == nic.address()) {
                return true; // our own address, back from the wire: a loop or a forgery
            }
        }
        return false;
    }

    /** 0.0.0.0/8, "this host on this network" (RFC 1122 3.2.1.3). */
    private static boolean isThisNetwork(int address) {
        return address >>> 24 == 0;
    }

    /**
     * True if a datagram may be sent to {@code address:port}: not port 0, not 0/8 ("this
     * network") and not 127/8, which no host on a wire can have (Linux refuses them too).
     */
    boolean isValidDestination(int address, int port) {
        return port > 0 && port <= 0xFFFF && !isThisNetwork(address) && !Ipv4Address.isLoopback(address);
    }

    /** True for our addresses and the broadcasts we listen to. */
    boolean isLocal(int address) {
        return isUnicastLocal(address) || isBroadcast(address);
    }

    /**
     * True for 255.255.255.255 and the directed broadcast address of one of our subnets (a /31 or
     * /32 has none). Every layer asks this one question to tell a broadcast from a unicast.
     */
    boolean isBroadcast(int address) {
        if (address == Ipv4Address.BROADCAST.bits()) {
            return true;
        }
        for (NetInterface nic : host.interfaceArray()) {
            if (nic.isSubnetBroadcast(address)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Local delivery: reassemble if needed, then hand the payload to its protocol. Takes the buffer.
     *
     * @param linkBroadcast the datagram came in a link-layer broadcast frame (or, reassembled, one
     *                      of its fragments did): no ICMP error may answer it (RFC 1122 3.2.2)
     */
    private void deliver(PacketBuffer b, boolean linkBroadcast) {
        if (Ipv4Packet.isFragment(b)) {
            c.count(Counter.IP_REASM_REQDS);
            b = reassembler.accept(b, linkBroadcast);
            if (b == null) {
                return;
            }
            linkBroadcast = reassembler.completedFromBroadcast();
            c.count(Counter.IP_REASM_OKS);
        }
        int headerLength = Ipv4Packet.headerLength(b);
        int source = Ipv4Packet.source(b);
        int destination = Ipv4Packet.destination(b);
        int protocol = Ipv4Packet.protocol(b);
        switch (protocol) {
            case Ipv4Packet.PROTO_ICMP -> {
                c.count(Counter.IP_IN_DELIVERS);
                host.icmp().input(b, headerLength, source, destination);
            }
            case Ipv4Packet.PROTO_UDP -> {
                c.count(Counter.IP_IN_DELIVERS);
                host.udp().input(b, headerLength, source, destination, linkBroadcast);
            }
            case Ipv4Packet.PROTO_TCP -> {
                c.count(Counter.IP_IN_DELIVERS);
                host.tcp().input(b, headerLength, source, destination, linkBroadcast);
            }
            default -> {
                c.count(Counter.IP_IN_UNKNOWN_PROTOS);
                if (!linkBroadcast) {
                    host.icmp().sendError(b, IcmpPacket.DESTINATION_UNREACHABLE, IcmpPacket.PROTOCOL_UNREACHABLE, 0);
                }
                b.release();
            }
        }
    }

    // ==== Forwarding ======================================================================

    /** Routes someone else's datagram on: TTL, route, fragmentation. Takes the buffer. */
    private void forward(PacketBuffer b) {
        host.cpu().charge(Work.FORWARD); // for the CPU's cost model (simulated time)
        int destination = Ipv4Packet.destination(b);
        if (Ipv4Packet.ttl(b) <= 1) {
            c.count(Counter.IP_TTL_EXCEEDED);
            host.icmp().sendError(b, IcmpPacket.TIME_EXCEEDED, IcmpPacket.TTL_EXCEEDED, 0);
            b.release();
            return;
        }
        Route route = host.routes().lookup(destination);
        if (route == null) {
            c.count(Counter.IP_OUT_NO_ROUTES);
            host.icmp().sendError(b, IcmpPacket.DESTINATION_UNREACHABLE, IcmpPacket.NET_UNREACHABLE, 0);
            b.release();
            return;
        }
        if (cannotFragment(b, route.via().mtu())) {
            return; // checked before the TTL changes: the error quotes the header as it arrived, as Linux's does
        }
        Ipv4Packet.decrementTtl(b);
        c.count(Counter.IP_FORW_DATAGRAMS);
        send(route.via(), route.nextHop(destination), b);
    }

    // ==== Output ==========================================================================

    /** True for an address of one of our interfaces (not a broadcast). */
    boolean isUnicastLocal(int address) {
        for (NetInterface nic : host.interfaceArray()) {
            if (address == nic.address()) {
                return true;
            }
        }
        return false;
    }

    /** The MTU of the interface a datagram to {@code destination} would leave by (1500 if none). */
    int mtuTowards(int destination) {
        Route route = host.routes().lookup(destination);
        return route == null ? 1500 : route.via().mtu();
    }

    /** The source address this host would use towards {@code destination} (0 if unroutable). */
    int sourceFor(int destination) {
        if (isUnicastLocal(destination)) {
            return destination;
        }
        NetInterface broadcastVia = broadcastInterface(destination, 0);
        if (broadcastVia != null) {
            return broadcastVia.address();
        }
        Route route = host.routes().lookup(destination);
        if (route != null) {
            return route.via().address();
        }
        return host.interfaceList().isEmpty() ? 0 : host.interfaceList().get(0).address();
    }

    /**
     * The interface a broadcast to {@code destination} leaves by, or null if it is not one of our
     * broadcasts. Like Linux's local broadcast routes, this comes before the routing table: a
     * default route matches 255.255.255.255 too, but a broadcast is for everyone on the link,
     * never for the gateway. A subnet's broadcast leaves by that subnet's interface; the limited
     * broadcast by the interface that owns {@code source}, else the one the routing table names
     * (the default route's), else the first.
     */
    private NetInterface broadcastInterface(int destination, int source) {
        NetInterface[] nics = host.interfaceArray();
        if (destination == Ipv4Address.BROADCAST.bits()) {
            if (source != 0) {
                for (NetInterface nic : nics) {
                    if (nic.address() == source) {
                        return nic;
                    }
                }
            }
            Route route = host.routes().lookup(destination);
            if (route != null) {
                return route.via();
            }
            return nics.length > 0 ? nics[0] : null;
        }
        for (NetInterface nic : nics) {
            if (nic.isSubnetBroadcast(destination)) {
                return nic;
            }
        }
        return null;
    }

    /** A fresh identification for a datagram this host originates. */
    int nextId() {
        nextId = (nextId + 1) & 0xFFFF;
        return nextId;
    }

    /**
     * Sends a datagram this host originates: the buffer holds the payload (with headroom for the
     * headers); this prepends the IPv4 header, routes and, if needed, fragments. Takes the buffer.
     *
     * @param source 0 to use the outgoing interface's address
     */
    void output(PacketBuffer payload, int source, int destination, int protocol) {
        output(payload, source, destination, protocol, null, 0, 0);
    }

    /** As {@link #output(PacketBuffer, int, int, int)}; with {@code dontFragment}, never fragmented (RFC 1191). */
    void output(PacketBuffer payload, int source, int destination, int protocol, boolean dontFragment) {
        output(payload, source, destination, protocol, null, 0, dontFragment ? Ipv4Packet.FLAG_DF : 0);
    }

    /** As {@link #output(PacketBuffer, int, int, int)}, with {@code optionsLength} bytes of IP options. */
    void output(PacketBuffer payload, int source, int destination, int protocol, byte[] options, int optionsLength) {
        output(payload, source, destination, protocol, options, optionsLength, 0);
    }

    private void output(PacketBuffer payload, int source, int destination, int protocol, byte[] options,
                        int optionsLength, int flagsWord) {
        c.count(Counter.IP_OUT_REQUESTS);
        int headerLength = Ipv4Packet.MIN_HEADER + optionsLength;
        if (isUnicastLocal(destination)) {
            // To ourselves: straight back in, as a loopback device would.
            payload.prepend(headerLength);
            int from = source != 0 ? source : destination;
            Ipv4Packet.writeHeader(payload, options, optionsLength, 0, payload.length(), nextId(), 0,
                    config.defaultTtl(), protocol, from, destination);
            completeChecksum(payload); // no card on this path
            deliver(payload, false);
            return;
        }
        NetInterface via = broadcastInterface(destination, source);
        int nextHop = destination; // a broadcast: the interface sends it to every station on its link
        if (via == null) {
            Route route = host.routes().lookup(destination);
            if (route == null) {
                c.count(Counter.IP_OUT_NO_ROUTES);
                payload.release();
                return;
            }
            via = route.via();
            nextHop = route.nextHop(destination);
        }
        if (payload.headroom() < headerLength + 14) {
            c.count(Counter.IP_OUT_DISCARDS);
            payload.release();
            return;
        }
        payload.prepend(headerLength);
        Ipv4Packet.writeHeader(payload, options, optionsLength, 0, payload.length(), nextId(), flagsWord,
                config.defaultTtl(), protocol, source != 0 ? source : via.address(), destination);
        send(via, nextHop, payload);
    }

    /**
     * Puts a complete datagram on {@code via}, fragmenting it to the MTU. Takes the buffer. A TCP
     * segmentation request goes whole to a device that offers TSO (it cuts the frames to the MTU);
     * a checksum left to the device is summed here if the device does not offer that, or if the
     * datagram is to be fragmented (a card sums a frame, not a datagram across fragments).
     */
    void send(NetInterface via, int nextHop, PacketBuffer packet) {
        Offloads offered = via.offloads();
        if (packet.segmentSize() > 0) {
            if (!offered.tso()) {
                // Asked for where the route led to a device with TSO: the route has changed since.
                // Dropped and counted; TCP sends the range again, then to the device it now knows.
                c.count(Counter.IP_OUT_DISCARDS);
                packet.release();
                return;
            }
            via.sendIpv4(packet, nextHop);
            return;
        }
        int mtu = via.mtu();
        if (packet.checksumRequested() && (!offered.txChecksum() || packet.length() > mtu)) {
            completeChecksum(packet);
        }
        if (packet.length() <= mtu) {
            via.sendIpv4(packet, nextHop);
            return;
        }
        if (!cannotFragment(packet, mtu)) {
            fragment(via, nextHop, packet, mtu);
        }
    }

    /**
     * Sums a checksum that was left to the device (the datagram starts at its IPv4 header), as
     * Linux's skb_checksum_help does when the device cannot. The field holds the pseudo-header's
     * sum; a segmentation request's leaves out the length, which is added here. A UDP checksum of
     * 0 is sent as 0xFFFF.
     */
    private void completeChecksum(PacketBuffer packet) {
        if (!packet.checksumRequested()) {
            return;
        }
        int start = packet.checksumStart();
        int field = start + packet.checksumOffset();
        int l4Length = packet.length() - start;
        int seed = packet.segmentSize() > 0 ? packet.getU16(field) + l4Length : 0;
        if (seed != 0) {
            packet.setU16(field, Checksum.fold(seed));
        }
        int sum = Checksum.finish(Checksum.sum(packet, start, l4Length, 0));
        host.cpu().chargeChecksum(l4Length);
        packet.setU16(field, sum == 0 && packet.checksumOffset() == 6 ? 0xFFFF : sum);
        packet.checksumDone();
    }

    /**
     * True if {@code packet} is too big for {@code mtu} and says "don't fragment": then it is
     * answered with "fragmentation needed" carrying the MTU (RFC 1191), counted and released.
     */
    private boolean cannotFragment(PacketBuffer packet, int mtu) {
        if (packet.length() <= mtu || !Ipv4Packet.dontFragment(packet)) {
            return false;
        }
        c.count(Counter.IP_FRAG_FAILS);
        host.icmp().sendError(packet, IcmpPacket.DESTINATION_UNREACHABLE, IcmpPacket.FRAGMENTATION_NEEDED, mtu);
        packet.release();
        return true;
    }

    /**
     * RFC 791 fragmentation: each fragment gets a copy of the basic header (options are not
     * copied) and a multiple of 8 payload bytes; the last keeps the original MF flag. All or
     * nothing: every fragment's buffer is taken before the first is sent, so a datagram is
     * either sent whole or dropped and counted once in FragFails (a part of it would only hold
     * a reassembly collector at the receiver until its timeout).
     */
    private void fragment(NetInterface via, int nextHop, PacketBuffer packet, int mtu) {
        int headerLength = Ipv4Packet.headerLength(packet);
        int payloadLength = packet.length() - headerLength;
        int chunkMax = (mtu - Ipv4Packet.MIN_HEADER) & ~7;
        int baseOffset = Ipv4Packet.fragmentOffset(packet);
        boolean originalMore = Ipv4Packet.moreFragments(packet);
        if (chunkMax < 8 || Ipv4Packet.MIN_HEADER + baseOffset + payloadLength > 65_535) {
            // A link too small for 8 bytes of data, or a fragment (forwarded) of no datagram IPv4
            // can carry: its pieces would need offsets past the 13-bit field's 65528.
            c.count(Counter.IP_FRAG_FAILS);
            packet.release();
            return;
        }
        int count = (payloadLength + chunkMax - 1) / chunkMax;
        if (fragments.length < count) {
            fragments = new PacketBuffer[count];
        }
        for (int i = 0; i < count; i++) {
            PacketBuffer f = host.takeTxBuffer();
            if (f == null) {
                for (int j = 0; j < i; j++) {
                    fragments[j].release();
                    fragments[j] = null;
                }
                c.count(Counter.IP_FRAG_FAILS);
                packet.release();
                return;
            }
            fragments[i] = f;
        }
        int done = 0;
        for (int i = 0; i < count; i++) {
            int chunk = Math.min(chunkMax, payloadLength - done);
            PacketBuffer f = fragments[i];
            fragments[i] = null;
            f.append(Ipv4Packet.MIN_HEADER + chunk);
            packet.copyTo(0, f.memory(), f.offset(), Ipv4Packet.MIN_HEADER); // version..destination
            f.setByte(0, 0x45);
            packet.copyTo(headerLength + done, f.memory(), f.offset() + Ipv4Packet.MIN_HEADER, chunk);
            boolean more = done + chunk < payloadLength || originalMore;
            Ipv4Packet.setTotalLength(f, Ipv4Packet.MIN_HEADER + chunk);
            Ipv4Packet.setFragment(f, baseOffset + done, more);
            Ipv4Packet.recomputeChecksum(f);
            via.sendIpv4(f, nextHop);
            done += chunk;
        }
        c.count(Counter.IP_FRAG_OKS);
        c.add(Counter.IP_FRAG_CREATES, count);
        packet.release();
    }
}
