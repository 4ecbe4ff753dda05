package org.netstack4j.stack;

import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.wire.IcmpPacket;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.Ipv4Packet;
import org.netstack4j.wire.UdpDatagram;

import java.net.BindException;
import java.net.SocketException;

/**
 * UDP (RFC 768): the port table, input with checksum verification against the pseudo-header,
 * delivery into endpoints' receive rings (a full ring drops and counts), port unreachable when
 * nobody listens, and output with a checksum.
 */
final class UdpLayer {
    static final int EPHEMERAL_FIRST = 49_152;
    private final Host host;
    private final StackCounters c;
    private final UdpEndpoint[] ports = new UdpEndpoint[65_536];

    UdpLayer(Host host) {
        this.host = host;
        this.c = host.counters();
    }

    // ==== Binding =========================================================================

    void bind(UdpEndpoint e, int address, int port) throws SocketException {
        if (e.deadOnLoop) {
            throw new SocketClosedException("socket is closed");
        }
        if (e.localPort != 0) {
            throw new SocketException("socket is already bound to port " + e.localPort);
        }
        if (address != 0 && !host.ip().isLocal(address)) {
            throw new BindException("cannot bind to " + Ipv4Address.format(address) + ": not an address of this host");
        }
        if (port < 0 || port > 65535) {
            throw new SocketException("port out of range: " + port);
        }
        if (port == 0) {
            port = ephemeralPort();
        } else if (ports[port] != null) {
            throw new BindException("port " + port + " is in use");
        }
        ports[port] = e;
        e.localAddress = address;
        e.localPort = port;
    }

    private int ephemeralPort() throws BindException {
        int range = 65_536 - EPHEMERAL_FIRST;
        int start = host.random().nextInt(range);
        for (int i = 0; i < range; i++) {
            int port = EPHEMERAL_FIRST + (start + i) % range;
            if (ports[port] == null) {
                return port;
            }
        }
        throw new BindException("no ephemeral port is free");
    }

    void unbind(UdpEndpoint e) {
        if (e.localPort != 0 && ports[e.localPort] == e) {
            ports[e.localPort] = null;
        }
    }

    // ==== Input ===========================================================================

    /**
     * A datagram for us; the buffer starts at the IPv4 header. Takes the buffer.
     *
     * @param linkBroadcast it came in a link-layer broadcast frame: no port unreachable (RFC 1122 3.2.2)
     */
    void input(PacketBuffer b, int headerLength, int source, int destination, boolean linkBroadcast) {
        b.trimFront(headerLength);
        // The card's verdict stands in for our sum when it covered what UDP's length covers.
        int verdicts = b.rxChecksum();
        boolean whole = b.length() >= UdpDatagram.HEADER_LENGTH && UdpDatagram.length(b) == b.length();
        boolean verified = whole && (verdicts & PacketBuffer.RX_L4_CHECKSUM_GOOD) != 0;
        if (!verified) {
            host.cpu().chargeChecksum(b.length());
        }
        UdpDatagram.Verdict v = UdpDatagram.check(b, source, destination, verified);
        if (v == UdpDatagram.Verdict.OK && (verdicts & PacketBuffer.RX_L4_CHECKSUM_BAD) != 0) {
            v = UdpDatagram.Verdict.BAD_CHECKSUM;
        }
        if (v != UdpDatagram.Verdict.OK) {
            c.count(Counter.UDP_IN_ERRORS);
            if (v == UdpDatagram.Verdict.BAD_CHECKSUM) {
                c.count(Counter.UDP_IN_CSUM_ERRORS);
            }
            b.release();
            return;
        }
        int sourcePort = UdpDatagram.sourcePort(b);
        int port = UdpDatagram.destinationPort(b);
        if (sourcePort == 0 || port == 0) {
            // Nobody can answer port 0 (RFC 768 allows a sender to give none): such a datagram
            // never reaches an application, whose reply could only fail.
            c.count(Counter.UDP_IN_PORT_ZERO);
            b.release();
            return;
        }
        int length = UdpDatagram.length(b);
        UdpEndpoint e = ports[port];
        boolean broadcast = host.ip().isBroadcast(destination);
        if (e == null || (e.localAddress != 0 && e.localAddress != destination && !broadcast)) {
            c.count(Counter.UDP_NO_PORTS);
            if (!broadcast && !linkBroadcast) {
                b.prepend(headerLength);
                host.icmp().sendError(b, IcmpPacket.DESTINATION_UNREACHABLE, IcmpPacket.PORT_UNREACHABLE, 0);
            }
            b.release();
            return;
        }
        if (e.remotePort != 0 && (e.remoteAddress != source || e.remotePort != sourcePort)) {
            c.count(Counter.UDP_NOT_CONNECTED_PEER);
            b.release();
            return;
        }
        if (e.deliver(b, UdpDatagram.HEADER_LENGTH, length - UdpDatagram.HEADER_LENGTH, source, sourcePort, 0)) {
            c.count(Counter.UDP_IN_DATAGRAMS);
        } else {
            c.count(Counter.UDP_RCVBUF_ERRORS);
        }
        b.release();
    }

    /**
     * A datagram we sent from {@code localPort} met no listener at the peer. Only a connected
     * socket hears of it (as on Linux): its next call fails with PortUnreachableException.
     */
    void portUnreachable(int localPort, int remoteAddress, int remotePort) {
        UdpEndpoint e = ports[localPort];
        if (e != null && e.isConnected() && e.remotePort == remotePort && e.remoteAddress == remoteAddress) {
            e.refused = true;
            e.wakeAll();
        } else {
            c.count(Counter.UDP_UNREACHABLE_IGNORED); // an unconnected socket serves many peers: one's error is not its own
        }
    }

    // ==== Output ==========================================================================

    /**
     * The source address of a datagram from an unbound-address endpoint: the route's interface.
     * Remembered per endpoint until the destination or the routing table changes, so a datagram
     * is routed once (by IPv4's output), not twice.
     */
    private int sourceFor(UdpEndpoint e, int destination) {
        int routes = host.routes().version();
        if (e.cachedRoutes != routes || e.cachedDestination != destination) {
            e.cachedSource = host.ip().sourceFor(destination);
            e.cachedDestination = destination;
            e.cachedRoutes = routes;
        }
        return e.cachedSource;
    }

    /** Sends one datagram from an endpoint's send ring. */
    void send(UdpEndpoint e, byte[] ring, int offset, int length, int address, int port) {
        if (!host.ip().isValidDestination(address, port)) {
            c.count(Counter.UDP_OUT_BAD_DESTINATION);
            return;
        }
        PacketBuffer b = host.takeBuffer(UdpDatagram.HEADER_LENGTH + length);
        if (b == null) {
            c.count(Counter.UDP_SNDBUF_ERRORS);
            return;
        }
        b.append(UdpDatagram.HEADER_LENGTH + length);
        b.copyFrom(ring, offset, UdpDatagram.HEADER_LENGTH, length);
        int source = e.localAddress != 0 ? e.localAddress : sourceFor(e, address);
        // The checksum is left to the card where the route's device offers that; IPv4's send sums it otherwise.
        if (host.leavesChecksums()) {
            UdpDatagram.writeWithChecksumLeft(b, e.localPort, port, source, address);
        } else {
            UdpDatagram.write(b, e.localPort, port, source, address);
        }
        c.count(Counter.UDP_OUT_DATAGRAMS);
        host.ip().output(b, source, address, Ipv4Packet.PROTO_UDP);
    }
}
