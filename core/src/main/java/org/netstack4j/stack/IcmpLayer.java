package org.netstack4j.stack;

import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.wire.IcmpPacket;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.Ipv4Options;
import org.netstack4j.wire.Ipv4Packet;

/**
 * ICMP (RFC 792): echo replies, the echo client's requests and replies, and the error messages
 * other layers ask for (destination unreachable, time exceeded), under a rate limit and never in
 * answer to another error, a broadcast, or a fragment other than the first (RFC 1122 3.2.2).
 */
final class IcmpLayer {
    private final Host host;
    private final StackCounters c;
    private final TokenBucket errorLimit;
    /** The options of the echo request being answered, updated for the reply (at most 40 bytes). */
    private final byte[] replyOptions = new byte[Ipv4Options.MAX_LENGTH];
    private int replyOptionsLength;
    /** Ping endpoints by identifier (each host's sockets at most). */
    private final IntTable<EchoEndpoint> echo;

    IcmpLayer(Host host, HostConfig config) {
        this.host = host;
        this.c = host.counters();
        this.errorLimit = new TokenBucket(config.icmpErrorsPerSecond(), host.nanos());
        this.echo = new IntTable<>(config.maxSockets(), config.seed() ^ 0x1C3B_5A79L);
    }

    /** A message for us; the buffer starts at the IPv4 header. Takes the buffer. */
    void input(PacketBuffer b, int headerLength, int source, int destination) {
        c.count(Counter.ICMP_IN_MSGS);
        int ttl = Ipv4Packet.ttl(b); // for the echo client's reply lines, as ping prints them
        // Record Route and Timestamp in a request go back in the reply, with this host added
        // (RFC 1122 3.2.2.6); read them before the header is trimmed off.
        replyOptionsLength = headerLength > Ipv4Packet.MIN_HEADER
                ? Ipv4Options.reflect(b, replyOptions, destination, optionTimestamp()) : 0;
        b.trimFront(headerLength);
        IcmpPacket.Verdict v = IcmpPacket.check(b);
        if (v != IcmpPacket.Verdict.OK) {
            c.count(Counter.ICMP_IN_ERRORS);
            if (v == IcmpPacket.Verdict.BAD_CHECKSUM) {
                c.count(Counter.ICMP_IN_CSUM_ERRORS);
            }
            b.release();
            return;
        }
        switch (IcmpPacket.type(b)) {
            case IcmpPacket.ECHO_REQUEST -> {
                c.count(Counter.ICMP_IN_ECHOS);
                if (host.ip().isBroadcast(destination)) {
                    c.count(Counter.ICMP_IN_ECHOS_TO_BROADCAST);
                    b.release(); // no answers to broadcast pings (Linux's icmp_echo_ignore_broadcasts)
                    return;
                }
                // Answer in place: same identifier, sequence and data, type 0.
                IcmpPacket.writeEcho(b, IcmpPacket.ECHO_REPLY, IcmpPacket.identifier(b), IcmpPacket.sequence(b));
                c.count(Counter.ICMP_OUT_MSGS);
                c.count(Counter.ICMP_OUT_ECHO_REPS);
                host.ip().output(b, destination, source, Ipv4Packet.PROTO_ICMP, replyOptions, replyOptionsLength);
            }
            case IcmpPacket.ECHO_REPLY -> {
                c.count(Counter.ICMP_IN_ECHO_REPS);
                EchoEndpoint e = find(IcmpPacket.identifier(b));
                if (e == null || e.deadOnLoop) {
                    c.count(Counter.ICMP_IN_ECHO_REPS_UNCLAIMED);
                } else if (b.length() < 8 + 8
                        || !e.deliverReply(b, 8, b.length() - 8, source, ttl, IcmpPacket.sequence(b), host.nanos())) {
                    // Too short to carry our send time, or the client's queue is full.
                    c.count(Counter.ICMP_IN_ECHO_REPS_DROPPED);
                }
                b.release();
            }
            case IcmpPacket.DESTINATION_UNREACHABLE -> {
                c.count(Counter.ICMP_IN_DEST_UNREACHS);
                if (IcmpPacket.code(b) == IcmpPacket.PORT_UNREACHABLE) {
                    portUnreachable(b);
                }
                echoError(b, source);
                tcpError(b, source);
                b.release();
            }
            case IcmpPacket.TIME_EXCEEDED -> {
                c.count(Counter.ICMP_IN_TIME_EXCDS);
                echoError(b, source);
                tcpError(b, source);
                b.release();
            }
            default -> {
                c.count(Counter.ICMP_IN_OTHER);
                b.release();
            }
        }
    }

    /**
     * Tells the ping client whose echo request is quoted (IP header + the first 8 bytes of the
     * request: type, code, checksum, identifier, sequence) that a router or host reported an
     * error for it, so ping can print "Destination Net Unreachable" as iputils does.
     */
    private void echoError(PacketBuffer b, int source) {
        int quoted = IcmpPacket.HEADER_LENGTH;
        if (b.length() < quoted + Ipv4Packet.MIN_HEADER) {
            return;
        }
        int ihl = (b.getByte(quoted) & 0x0F) * 4;
        if (ihl < Ipv4Packet.MIN_HEADER || b.length() < quoted + ihl + 8
                || (b.getByte(quoted + 9) & 0xFF) != Ipv4Packet.PROTO_ICMP
                || (b.getByte(quoted + ihl) & 0xFF) != IcmpPacket.ECHO_REQUEST) {
            return;
        }
        EchoEndpoint e = find(b.getU16(quoted + ihl + 4));
        if (e != null && !e.deadOnLoop
                && !e.deliverError(source, IcmpPacket.type(b), IcmpPacket.code(b), b.getU16(quoted + ihl + 6), host.nanos())) {
            c.count(Counter.ICMP_IN_ECHO_REPS_DROPPED);
        }
    }

    /** Tells the TCP connection whose segment is quoted (its ports and sequence number: 8 bytes). */
    private void tcpError(PacketBuffer b, int source) {
        int quoted = IcmpPacket.HEADER_LENGTH;
        if (b.length() < quoted + Ipv4Packet.MIN_HEADER) {
            return;
        }
        int ihl = (b.getByte(quoted) & 0x0F) * 4;
        if (ihl < Ipv4Packet.MIN_HEADER || b.length() < quoted + ihl + 8
                || (b.getByte(quoted + 9) & 0xFF) != Ipv4Packet.PROTO_TCP) {
            return;
        }
        int type = IcmpPacket.type(b);
        int code = IcmpPacket.code(b);
        host.tcp().icmpError(b.getInt(quoted + 12), b.getU16(quoted + ihl), b.getInt(quoted + 16),
                b.getU16(quoted + ihl + 2), b.getInt(quoted + ihl + 4), type, code, b.getU16(6), source);
    }

    /** Tells the UDP socket whose datagram is quoted (header + 8 bytes after the ICMP header). */
    private void portUnreachable(PacketBuffer b) {
        int quoted = IcmpPacket.HEADER_LENGTH;
        if (b.length() < quoted + Ipv4Packet.MIN_HEADER) {
            return;
        }
        int ihl = (b.getByte(quoted) & 0x0F) * 4;
        if (ihl < Ipv4Packet.MIN_HEADER || b.length() < quoted + ihl + 4
                || (b.getByte(quoted + 9) & 0xFF) != Ipv4Packet.PROTO_UDP) {
            return;
        }
        int destination = b.getInt(quoted + 16);
        int sourcePort = b.getU16(quoted + ihl);
        int destinationPort = b.getU16(quoted + ihl + 2);
        host.udp().portUnreachable(sourcePort, destination, destinationPort);
    }

    /**
     * A Timestamp option's value: milliseconds since midnight UT is what RFC 791 asks, but the
     * host's clock is not a calendar (and is simulated in tests), so the value is the clock's
     * milliseconds modulo a day with the high-order bit set, which RFC 791 reserves for exactly that.
     */
    private int optionTimestamp() {
        return (int) ((host.nanos() / 1_000_000L) % 86_400_000L) | 0x8000_0000;
    }

    // ==== Errors ==========================================================================

    /**
     * Sends an error about {@code original} (which starts at its IPv4 header) back to its source,
     * quoting its header and first 8 payload bytes. Does not take the buffer.
     *
     * @param restOfHeader the error's bytes 4..7: the next-hop MTU for "fragmentation needed"
     *                     (RFC 1191), the pointer (in the top byte) for a parameter problem; else 0
     */
    void sendError(PacketBuffer original, int type, int code, int restOfHeader) {
        int headerLength = Ipv4Packet.headerLength(original);
        int source = Ipv4Packet.source(original);
        int destination = Ipv4Packet.destination(original);
        Ipv4Layer ip = host.ip();
        if (Ipv4Packet.fragmentOffset(original) != 0 || source == 0 || Ipv4Address.isMulticast(source)
                || ip.isBroadcast(source) || Ipv4Address.isMulticast(destination) || ip.isBroadcast(destination)) {
            return;
        }
        if (Ipv4Packet.protocol(original) == Ipv4Packet.PROTO_ICMP && original.length() > headerLength) {
            int t = original.getByte(headerLength) & 0xFF;
            if (t != IcmpPacket.ECHO_REQUEST && t != IcmpPacket.ECHO_REPLY) {
                return; // never an error about an error
            }
        }
        if (!errorLimit.take(host.nanos())) {
            c.count(Counter.ICMP_OUT_RATE_LIMITED);
            return;
        }
        PacketBuffer b = host.takeTxBuffer();
        if (b == null) {
            return;
        }
        int quote = Math.min(original.length(), headerLength + 8);
        b.append(8 + quote);
        original.copyTo(0, b.memory(), b.offset() + 8, quote);
        IcmpPacket.writeHeader(b, type, code, restOfHeader);
        IcmpPacket.setChecksum(b);
        c.count(Counter.ICMP_OUT_MSGS);
        c.count(type == IcmpPacket.TIME_EXCEEDED ? Counter.ICMP_OUT_TIME_EXCDS
                : type == IcmpPacket.PARAMETER_PROBLEM ? Counter.ICMP_OUT_PARM_PROBS : Counter.ICMP_OUT_DEST_UNREACHS);
        int from = host.ip().isLocal(destination) ? destination : 0;
        host.ip().output(b, from, source, Ipv4Packet.PROTO_ICMP);
    }

    // ==== The echo client =================================================================

    EchoEndpoint register(Host h, int ringBytes) {
        int id;
        do {
            id = host.random().nextInt(1, 0x10000);
        } while (find(id) != null);
        EchoEndpoint e = new EchoEndpoint(h, id, ringBytes);
        echo.put(id, e); // within the bound: the registry allows no more sockets than the table holds
        return e;
    }

    void unregister(EchoEndpoint e) {
        if (echo.get(e.identifier) == e) {
            echo.remove(e.identifier);
        }
    }

    private EchoEndpoint find(int identifier) {
        return echo.get(identifier);
    }

    /** Sends one echo request from the endpoint's ring, stamping the send time into its first 8 bytes. */
    void sendEcho(EchoEndpoint e, byte[] ring, int offset, int length, int destination, int sequence) {
        PacketBuffer b = host.takeBuffer(8 + length);
        if (b == null) {
            return;
        }
        b.append(8 + length);
        b.copyFrom(ring, offset, 8, length);
        long now = host.nanos();
        for (int i = 0; i < 8; i++) {
            b.setByte(8 + i, (int) (now >>> (56 - 8 * i)));
        }
        IcmpPacket.writeEcho(b, IcmpPacket.ECHO_REQUEST, e.identifier, sequence);
        c.count(Counter.ICMP_OUT_MSGS);
        c.count(Counter.ICMP_OUT_ECHOS);
        host.ip().output(b, 0, destination, Ipv4Packet.PROTO_ICMP);
    }
}
