package org.netstack4j.socket;

import org.netstack4j.exec.Applications;
import org.netstack4j.stack.Host;
import org.netstack4j.stack.NetInterface;
import org.netstack4j.wire.DhcpMessage;
import org.netstack4j.wire.Ipv4Address;

import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A DHCP client (RFC 2131) for one interface: DISCOVER, OFFER, REQUEST, ACK; an ARP probe of
 * the offered address (DECLINE if someone has it); the lease configured on the host (address,
 * mask, router, DNS servers); renewal by unicast at T1, rebinding by broadcast at T2, and at
 * expiry the address is dropped and the search starts again; RELEASE on close.
 *
 * <p>{@link #acquire} gets the first lease; {@link #maintain} keeps it (run it on an application
 * thread); {@link #close} releases it and makes {@code maintain} return.
 */
public final class DhcpClient implements AutoCloseable {

    public enum State { INIT, SELECTING, REQUESTING, BOUND, RENEWING, REBINDING, RELEASED }

    /** A lease as configured: times are on the host's application clock. */
    public record Lease(int address, int prefix, int router, List<Integer> dnsServers, int server,
                        long leaseSeconds, long obtainedNanos, long t1Nanos, long t2Nanos, long expiresNanos) {
        @Override
        public String toString() {
            return Ipv4Address.format(address) + "/" + prefix + " router " + Ipv4Address.format(router)
                    + " from " + Ipv4Address.format(server) + " for " + leaseSeconds + " s";
        }
    }

    /**
     * @param firstRetry wait for the first answer; doubled on each retry (RFC 2131: 4 s), capped at 64 s
     * @param tries      DISCOVERs (and REQUESTs) before {@link #acquire} gives up
     * @param probe      how long to wait for an answer to the ARP probe of an offered address (0: no probe)
     */
    public record Options(Duration firstRetry, int tries, Duration probe, String hostname) {
        public static final Options DEFAULT = new Options(Duration.ofSeconds(4), 4, Duration.ofMillis(500), "netstack4j");
    }

    private final Host host;
    private final NetInterface nic;
    private final Options options;
    private final Applications apps;
    private final UdpSocket socket;
    private final SplittableRandom random;
    private final byte[] buffer = new byte[1500];
    private volatile State state = State.INIT;
    private volatile Lease lease;
    private volatile boolean closing;
    private int xid;

    // Counters (written by the thread running the client).
    private volatile long discovers;
    private volatile long requests;
    private volatile long acks;
    private volatile long naks;
    private volatile long declines;
    private volatile long renewals;
    private volatile long rebinds;
    private volatile long expiries;
    private volatile long ignored;

    public DhcpClient(Host host, NetInterface nic, Options options) throws SocketException {
        this.host = host;
        this.nic = nic;
        this.options = options;
        this.apps = host.applications();
        this.random = new SplittableRandom(host.config().seed() ^ 0xD4C9L ^ nic.mac());
        this.socket = UdpSocket.open(host);
        socket.bindTo(0, DhcpMessage.CLIENT_PORT);
    }

    /** Finds a server and takes a lease, configuring the host; throws if none answers in time. */
    public Lease acquire() throws IOException {
        for (int attempt = 0; !closing; attempt++) {
            state = State.SELECTING;
            DhcpMessage.Reply offer = exchange(DhcpMessage.DISCOVER, 0, 0, 0, true, DhcpMessage.OFFER, 0);
            if (offer == null) {
                throw new SocketTimeoutException("no DHCP server answered " + options.tries() + " DISCOVERs");
            }
            state = State.REQUESTING;
            DhcpMessage.Reply ack = exchange(DhcpMessage.REQUEST, 0, offer.yourAddress(), offer.serverId(), true,
                    DhcpMessage.ACK, offer.serverId());
            if (ack == null || ack.type() == DhcpMessage.NAK) {
                // RFC 2131 3.1.4: a NAK sends us back to INIT. Pause first, so a server that
                // refuses everything does not get a storm of DISCOVERs.
                pause(options.firstRetry().compareTo(Duration.ofSeconds(1)) < 0 ? options.firstRetry() : Duration.ofSeconds(1));
                continue;
            }
            if (conflict(ack.yourAddress())) {
                declines++;
                send(DhcpMessage.clientMessage(DhcpMessage.DECLINE, xid, nic.mac(), 0, 0, ack.yourAddress(),
                        ack.serverId(), null, true), Ipv4Address.BROADCAST.bits());
                pause(Duration.ofSeconds(Math.min(10, 1L << Math.min(attempt, 3)))); // RFC: wait before retrying
                continue;
            }
            bind(ack);
            return lease;
        }
        throw new SocketException("DHCP client closed");
    }

    /**
     * Keeps the lease: renews at T1 (unicast to the server), rebinds at T2 (broadcast), and after
     * expiry drops the address and looks for a new lease. Returns when the client is closed.
     */
    public void maintain() {
        while (!closing) {
            try {
                Lease l = lease;
                if (l == null) {
                    acquire();
                    continue;
                }
                long now = apps.clock().nanos();
                if (now < l.t1Nanos()) {
                    pauseUntil(l.t1Nanos());
                } else if (now < l.t2Nanos()) {
                    state = State.RENEWING;
                    renewals++;
                    DhcpMessage.Reply r = exchangeUntil(l, l.server(), Math.max(now + 1_000_000_000L,
                            now + (l.t2Nanos() - now) / 2), l.t2Nanos());
                    handleRenewal(r);
                } else if (now < l.expiresNanos()) {
                    state = State.REBINDING;
                    rebinds++;
                    DhcpMessage.Reply r = exchangeUntil(l, Ipv4Address.BROADCAST.bits(), Math.max(now + 1_000_000_000L,
                            now + (l.expiresNanos() - now) / 2), l.expiresNanos());
                    handleRenewal(r);
                } else {
                    expiries++;
                    unbind();
                }
            } catch (IOException e) {
                if (closing) {
                    return;
                }
                pause(Duration.ofSeconds(1));
            }
        }
    }

    private void handleRenewal(DhcpMessage.Reply r) throws SocketException {
        if (r == null) {
            return; // keep trying until the next deadline
        }
        if (r.type() == DhcpMessage.NAK) {
            unbind();
        } else {
            bind(r);
        }
    }

    /** One REQUEST with ciaddr set (renewing or rebinding), waiting up to {@code answerBy}. */
    private DhcpMessage.Reply exchangeUntil(Lease l, int to, long answerBy, long hardDeadline) throws IOException {
        xid = random.nextInt();
        boolean broadcast = to == Ipv4Address.BROADCAST.bits();
        send(DhcpMessage.clientMessage(DhcpMessage.REQUEST, xid, nic.mac(), 0, l.address(), 0, 0,
                options.hostname(), false), to);
        requests++;
        return awaitReply(DhcpMessage.ACK, broadcast ? 0 : l.server(), Math.min(answerBy, hardDeadline));
    }

    /** Sends a message, retrying with doubling waits, until a reply of {@code wanted} (or NAK). */
    private DhcpMessage.Reply exchange(int type, int clientAddress, int requested, int serverId, boolean broadcast,
                                       int wanted, int fromServer) throws IOException {
        xid = random.nextInt();
        long wait = options.firstRetry().toNanos();
        for (int i = 0; i < options.tries() && !closing; i++) {
            send(DhcpMessage.clientMessage(type, xid, nic.mac(), 0, clientAddress, requested, serverId,
                    options.hostname(), broadcast), Ipv4Address.BROADCAST.bits());
            if (type == DhcpMessage.DISCOVER) {
                discovers++;
            } else {
                requests++;
            }
            DhcpMessage.Reply r = awaitReply(wanted, fromServer, apps.clock().nanos() + wait);
            if (r != null) {
                return r;
            }
            wait = Math.min(wait * 2, 64_000_000_000L);
        }
        return null;
    }

    /** Waits for a reply to the current transaction; others are counted and ignored. Null at the deadline. */
    private DhcpMessage.Reply awaitReply(int wanted, int fromServer, long deadline) throws IOException {
        while (true) {
            long left = deadline - apps.clock().nanos();
            if (left <= 0) {
                return null;
            }
            socket.setTimeout(Duration.ofNanos(left));
            UdpSocket.Datagram d;
            try {
                d = socket.receiveFrom(buffer);
            } catch (SocketTimeoutException e) {
                return null;
            }
            if (d.port() != DhcpMessage.SERVER_PORT
                    || !(DhcpMessage.parse(buffer, Math.min(d.length(), buffer.length)) instanceof DhcpMessage.Parsed p)) {
                ignored++;
                continue;
            }
            DhcpMessage.Reply r = p.reply();
            boolean ours = r.xid() == xid && r.clientMac() == nic.mac();
            boolean fromRightServer = fromServer == 0 || r.serverId() == fromServer;
            if (ours && fromRightServer && (r.type() == wanted || r.type() == DhcpMessage.NAK)) {
                if (r.type() == DhcpMessage.NAK) {
                    naks++;
                }
                return r;
            }
            ignored++;
        }
    }

    /** True if some other station answers ARP for {@code address}. */
    private boolean conflict(int address) throws SocketException {
        if (options.probe().isZero()) {
            return false;
        }
        long mac = host.resolve(address, options.probe().toNanos());
        return mac != -1 && mac != nic.mac();
    }

    private void bind(DhcpMessage.Reply ack) throws SocketException {
        acks++;
        long now = apps.clock().nanos();
        long leaseSeconds = ack.leaseSeconds() < 0 ? 3600 : ack.leaseSeconds();
        long t1 = ack.t1Seconds() >= 0 ? ack.t1Seconds() : leaseSeconds / 2;
        long t2 = ack.t2Seconds() >= 0 ? ack.t2Seconds() : leaseSeconds * 7 / 8;
        int prefix = ack.prefix() >= 0 ? ack.prefix() : 24;
        int router = ack.routers().isEmpty() ? 0 : ack.routers().getFirst();
        Lease old = lease;
        if (old == null || old.address() != ack.yourAddress() || old.prefix() != prefix || old.router() != router) {
            host.configure(nic, ack.yourAddress(), prefix, router);
        }
        host.setDnsServers(ack.dnsServers());
        lease = new Lease(ack.yourAddress(), prefix, router, ack.dnsServers(), ack.serverId(), leaseSeconds, now,
                now + t1 * 1_000_000_000L, now + t2 * 1_000_000_000L, now + leaseSeconds * 1_000_000_000L);
        state = State.BOUND;
    }

    private void unbind() throws SocketException {
        lease = null;
        state = State.INIT;
        host.configure(nic, 0, 0, 0);
        host.setDnsServers(List.of());
    }

    private void send(byte[] message, int to) throws IOException {
        socket.sendTo(message, 0, message.length, to, DhcpMessage.SERVER_PORT);
    }

    private void pause(Duration d) {
        pauseUntil(apps.clock().nanos() + d.toNanos());
    }

    private void pauseUntil(long deadline) {
        while (!closing && apps.clock().nanos() < deadline) {
            apps.block(deadline);
        }
    }

    /** Releases the lease (DHCPRELEASE to the server), drops the address, and stops {@link #maintain}. */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        Lease l = lease;
        try {
            if (l != null) {
                send(DhcpMessage.clientMessage(DhcpMessage.RELEASE, random.nextInt(), nic.mac(), 0, l.address(), 0,
                        l.server(), null, false), l.server());
                unbind();
            }
        } catch (IOException e) {
            // the host is going away: nothing more to tell the server
        } finally {
            state = State.RELEASED;
            socket.close();
        }
    }

    public State state() {
        return state;
    }

    public Lease lease() {
        return lease;
    }

    public long discovers() {
        return discovers;
    }

    public long requests() {
        return requests;
    }

    public long acks() {
        return acks;
    }

    public long naks() {
        return naks;
    }

    public long declines() {
        return declines;
    }

    public long renewals() {
        return renewals;
    }

    public long rebinds() {
        return rebinds;
    }

    public long expiries() {
        return expiries;
    }

    /** Datagrams on port 68 that were not an answer to the current transaction. */
    public long ignored() {
        return ignored;
    }
}
