package org.netstack4j.socket;

import org.netstack4j.exec.Applications;
import org.netstack4j.stack.Host;
import org.netstack4j.stack.NetInterface;
import org.netstack4j.stack.SocketClosedException;
import org.netstack4j.wire.DhcpMessage;
import org.netstack4j.wire.Ipv4Address;

import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A DHCP client (RFC 2131) for one interface: DISCOVER, OFFER, REQUEST, ACK; an ARP probe of
 * the offered address (DECLINE if someone has it); the lease configured on the host (address,
 * mask, router, DNS servers); renewal by unicast at T1, rebinding by broadcast at T2, and at
 * expiry the address is dropped and the search starts again; RELEASE on close.
 *
 * <p>{@link #acquire} gets the first lease; {@link #maintain} keeps it (run it on an application
 * thread); {@link #close} releases it and makes {@code maintain} return.
 *
 * <p>What a server says is checked before it is used: an offer or ACK of an address no host can
 * have (0.0.0.0/8, 127/8, multicast, 240/4, 255.255.255.255, or the subnet's own network or
 * broadcast address) is counted in {@link #rejected} and ignored, and the client keeps looking;
 * a lease shorter than {@link #MIN_LEASE_SECONDS} is stretched to it, and T1 and T2 are
 * corrected so that T1 &lt; T2 &lt; lease (RFC 2131 4.4.5's 0.5 and 0.875 of the lease where the
 * server's do not fit), counted in {@link #adjustedTimes}.
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

    /** Shortest lease taken (dhcpcd's minimum): a shorter one would have the client renew without pause. */
    public static final long MIN_LEASE_SECONDS = 20;
    /** The prefix taken when a server gives no (or no contiguous) subnet mask. */
    private static final int DEFAULT_PREFIX = 24;

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
    /** The thread in {@link #maintain}, woken by {@link #close} from its wait for T1. */
    private volatile Thread maintainer;
    /**
     * Held while the lease is configured or dropped (bind, unbind, close), so that an ACK handled
     * while the client closes cannot configure an address after the RELEASE. Taken with tryLock
     * and a wait through {@link Applications}, never by parking on it: a holder may block on the
     * host (a configure call), and in simulated time only one application thread runs at a time.
     */
    private final ReentrantLock leaseLock = new ReentrantLock();
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
    private volatile long rejected;
    private volatile long adjustedTimes;
    private volatile String lastRejected;

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
        throw new SocketClosedException("DHCP client closed");
    }

    /**
     * Keeps the lease: renews at T1 (unicast to the server), rebinds at T2 (broadcast), and after
     * expiry drops the address and looks for a new lease. Returns when the client is closed.
     */
    public void maintain() {
        maintainer = Thread.currentThread();
        if (closing) {
            return;
        }
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
                    return r;
                }
                String why = unusable(r.yourAddress(), r.prefix() >= 0 ? r.prefix() : DEFAULT_PREFIX);
                if (why != null) {
                    // A server that hands out such an address is wrong: keep looking (another
                    // server may answer; the next retry may get a better offer).
                    rejected++;
                    lastRejected = "server " + Ipv4Address.format(r.serverId()) + " gave "
                            + Ipv4Address.format(r.yourAddress()) + ": " + why;
                    continue;
                }
                return r;
            }
            ignored++;
        }
    }

    /**
     * Why {@code address} cannot be a host's own address on a subnet of {@code prefix} bits, or
     * null if it can.
     */
    static String unusable(int address, int prefix) {
        if ((address >>> 24) == 0) {
            return "in 0.0.0.0/8 (\"this network\", never a host's address)";
        }
        if (Ipv4Address.isBroadcast(address)) {
            return "the limited broadcast address";
        }
        if (Ipv4Address.isLoopback(address)) {
            return "a loopback address (127.0.0.0/8)";
        }
        if (Ipv4Address.isMulticast(address)) {
            return "a multicast address (224.0.0.0/4)";
        }
        if ((address >>> 28) == 0xF) {
            return "a reserved address (240.0.0.0/4)";
        }
        if (prefix >= 1 && prefix <= 30) {
            int hostPart = address & ~Ipv4Address.mask(prefix);
            if (hostPart == 0) {
                return "the network address of its /" + prefix + " subnet";
            }
            if (hostPart == ~Ipv4Address.mask(prefix)) {
                return "the broadcast address of its /" + prefix + " subnet";
            }
        }
        return null;
    }

    /** True if some other station answers ARP for {@code address}. */
    private boolean conflict(int address) throws SocketException {
        if (options.probe().isZero()) {
            return false;
        }
        long mac = host.resolve(address, options.probe().toNanos());
        return mac != -1 && mac != nic.mac();
    }

    /** Configures the lease an ACK gives, unless the client is closing (then it throws). */
    private void bind(DhcpMessage.Reply ack) throws SocketException {
        lockLease();
        try {
            if (closing) {
                throw new SocketClosedException("DHCP client closed: the ACK for " + Ipv4Address.format(ack.yourAddress())
                        + " came too late");
            }
            acks++;
            long now = apps.clock().nanos();
            LeaseTimes t = leaseTimes(ack.leaseSeconds(), ack.t1Seconds(), ack.t2Seconds());
            if (t.adjusted()) {
                adjustedTimes++;
            }
            int prefix = ack.prefix() >= 0 ? ack.prefix() : DEFAULT_PREFIX;
            int router = ack.routers().isEmpty() ? 0 : ack.routers().getFirst();
            Lease old = lease;
            if (old == null || old.address() != ack.yourAddress() || old.prefix() != prefix || old.router() != router) {
                host.configure(nic, ack.yourAddress(), prefix, router);
            }
            host.setDnsServers(ack.dnsServers());
            lease = new Lease(ack.yourAddress(), prefix, router, ack.dnsServers(), ack.serverId(), t.leaseSeconds(),
                    now, now + t.t1Nanos(), now + t.t2Nanos(), now + t.leaseSeconds() * 1_000_000_000L);
            state = State.BOUND;
        } finally {
            leaseLock.unlock();
        }
    }

    /** A lease's length and renewal times as used: whole seconds of lease, T1 and T2 in nanoseconds. */
    record LeaseTimes(long leaseSeconds, long t1Nanos, long t2Nanos, boolean adjusted) {
    }

    /**
     * The times to use for a lease of {@code leaseSeconds} (-1: absent, one hour) with the server's
     * T1 and T2 (-1: absent): at least {@link #MIN_LEASE_SECONDS}, and 0 &lt; T1 &lt; T2 &lt; lease.
     * A T2 outside that range becomes 0.875 of the lease and a T1 outside it 0.5 (RFC 2131
     * 4.4.5), or, if the server's T2 is below half the lease, 4/7 of T2 (the same proportion).
     */
    static LeaseTimes leaseTimes(long leaseSeconds, long t1Seconds, long t2Seconds) {
        boolean adjusted = false;
        long lease = leaseSeconds < 0 ? 3600 : leaseSeconds;
        if (lease < MIN_LEASE_SECONDS) {
            lease = MIN_LEASE_SECONDS;
            adjusted = true;
        }
        long leaseNanos = lease * 1_000_000_000L;
        long t2 = t2Seconds * 1_000_000_000L;
        if (t2Seconds <= 0 || t2 >= leaseNanos) {
            adjusted |= t2Seconds >= 0;
            t2 = leaseNanos / 8 * 7;
        }
        long t1 = t1Seconds * 1_000_000_000L;
        if (t1Seconds <= 0 || t1 >= t2) {
            adjusted |= t1Seconds >= 0;
            t1 = leaseNanos / 2 < t2 ? leaseNanos / 2 : t2 / 7 * 4;
        }
        return new LeaseTimes(lease, t1, t2, adjusted);
    }

    private void unbind() throws SocketException {
        lockLease();
        try {
            unbindLocked();
        } finally {
            leaseLock.unlock();
        }
    }

    private void unbindLocked() throws SocketException {
        lease = null;
        state = closing ? State.RELEASED : State.INIT;
        host.configure(nic, 0, 0, 0);
        host.setDnsServers(List.of());
    }

    /**
     * Takes {@link #leaseLock}. Its holder may be blocked on the host, so a thread that finds it
     * held waits through {@link Applications} (1 ms at a time) rather than parking on the lock.
     */
    private void lockLease() {
        while (!leaseLock.tryLock()) {
            apps.block(apps.clock().nanos() + 1_000_000L);
        }
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
        lockLease();
        try {
            if (closing) {
                return;
            }
            closing = true; // under the lock: no bind can follow
            Lease l = lease;
            if (l != null) {
                send(DhcpMessage.clientMessage(DhcpMessage.RELEASE, random.nextInt(), nic.mac(), 0, l.address(), 0,
                        l.server(), null, false), l.server());
                unbindLocked();
            }
        } catch (IOException e) {
            // the host is going away: nothing more to tell the server
        } finally {
            state = State.RELEASED;
            leaseLock.unlock();
            socket.close();
            Thread m = maintainer;
            if (m != null) {
                apps.wake(m); // it may be waiting for T1, hours away
            }
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

    /** Offers and ACKs ignored because the address they gave cannot be a host's (see the class comment). */
    public long rejected() {
        return rejected;
    }

    /** Why the last rejected offer or ACK was rejected, or null if none was. */
    public String lastRejected() {
        return lastRejected;
    }

    /** ACKs whose lease, T1 or T2 had to be corrected before use. */
    public long adjustedTimes() {
        return adjustedTimes;
    }
}
