package org.netstack4j.stack;

import org.netstack4j.buffer.ChunkPool;
import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.exec.Applications;
import org.netstack4j.exec.Cpu;
import org.netstack4j.exec.Job;
import org.netstack4j.exec.Timeline;
import org.netstack4j.exec.Timer;
import org.netstack4j.exec.TimerWheel;
import org.netstack4j.stack.tcp.ConnectionTable;
import org.netstack4j.stack.tcp.InitialSequenceNumbers;
import org.netstack4j.stack.tcp.SipHash;
import org.netstack4j.stack.tcp.SentSegments;
import org.netstack4j.stack.tcp.SynCookies;
import org.netstack4j.stack.tcp.TcpConfig;
import org.netstack4j.stack.tcp.TcpConnection;
import org.netstack4j.stack.tcp.TcpState;
import org.netstack4j.wire.IcmpPacket;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.Ipv4Packet;
import org.netstack4j.wire.TcpOptions;
import org.netstack4j.wire.TcpSegment;

import java.net.BindException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;

/**
 * A host's TCP: the connection table (by 4-tuple) and the listeners (by port), segments in and
 * out through IPv4, RSTs for segments nobody expects, the connections' timers, and the calls
 * applications make, each handed to the loop. Connections themselves ({@link TcpConnection})
 * know nothing of this: they get segments, calls and the time, and hand segments back.
 *
 * <p>Blocking: a call that cannot complete (no data to read, no room to write, no connection to
 * accept) records the calling thread with the connection on the loop, returns, and the thread
 * blocks through {@link Applications} until the loop wakes it after the event it waits for.
 *
 * <p>Handles: a socket holds its {@link TcpConnection} object, which is never reused for another
 * connection; a new connection on the same 4-tuple is a new object. So a handle kept across the
 * close of its connection can never reach a later one: every call on it fails.
 */
public final class TcpLayer {
    private static final int EPHEMERAL_LOW = 32_768;
    private static final int EPHEMERAL_HIGH = 60_999;

    private final Host host;
    private final StackCounters c;
    private final TcpConfig config;
    private final ConnectionTable table;
    /** Listeners by port: a short chain per port, one per local address listened on. */
    private final Listener[] listeners = new Listener[65_536];
    private final InitialSequenceNumbers isn;
    private final TcpOptions options = new TcpOptions();
    /** RFC 6056's F(): where a destination's ephemeral ports start; {@link #nextEphemeral} moves them on. */
    private final SipHash portHash;
    private long nextEphemeral;
    /** The SYN cookie codec, or null with cookies off. */
    private final SynCookies cookies;
    private final TcpOptions cookieOptions = new TcpOptions();
    private final Output output = new Output();
    private final ChunkPool memory;
    /** RSTs for segments nobody takes, per second (HostConfig.resetsPerSecond). */
    private final TokenBucket resetLimit;
    /** Logs of segments in flight, lent to connections while they have some (RACK's per-segment times). */
    private final SentSegments.Pool sentLogs = new SentSegments.Pool(1024);
    private long memoryRefusalsCounted;
    /** Connections whose writers wait for stream memory another connection holds. */
    private final ArrayDeque<TcpConnection> memoryWaiters = new ArrayDeque<>();
    /** Connections that offered less window because of memory pressure: told when it ends. */
    private final ArrayDeque<TcpConnection> clampedWindows = new ArrayDeque<>();
    /** Memory pressure as last seen (the pool's state changes inside connections' calls). */
    private boolean inPressure;
    private long pressureSince;
    private long pressureNanos;
    private long pressureMillisCounted;
    private long pressureEntriesCounted;
    /** Every connection's timer, on the loop; one timeline timer wakes the loop for the wheel's next tick. */
    private final TimerWheel wheel;
    private final Job timerJob;
    private final Timer timer;
    private long timerTick = -1;

    /**
     * One thread's wait for an event, set by the loop before it wakes the thread. Blocking is
     * re-checked against this flag, not against the wake alone: a thread's wake-ups do not add up
     * (the loop's answer to the call that registered the wait and the event's own wake may come as
     * one), so a wait that trusted the wake could sleep through its event.
     */
    private static class Wakeup {
        final Thread thread;
        volatile boolean fired;

        Wakeup(Thread thread) {
            this.thread = thread;
        }

        @Override
        public String toString() {
            return thread.getName() + (fired ? " (woken)" : "");
        }
    }

    /**
     * A blocked reader with its buffer: the loop reads the data into it as it arrives and wakes the
     * reader with the count, so the read needs no second hand-off to the loop to fetch it.
     */
    private static final class ReadWakeup extends Wakeup {
        static final int NOTHING = Integer.MIN_VALUE;
        final byte[] dst;
        final int off;
        final int len;
        /** Bytes the loop read into {@code dst}; NOTHING until it did (written before {@code fired}). */
        volatile int delivered = NOTHING;

        ReadWakeup(Thread thread, byte[] dst, int off, int len) {
            super(thread);
            this.dst = dst;
            this.off = off;
            this.len = len;
        }
    }

    /** What the layer keeps with each connection, its timer among it. */
    private final class Waiters extends TimerWheel.Entry {
        final TcpConnection connection;
        Wakeup reader;
        Wakeup writer;
        Wakeup connector;
        Listener listener;
        boolean established;
        boolean closedByApplication;
        boolean waitingForMemory;
        // The non-blocking API's: who is told, from what thresholds, what it was told, and whether it is being told now.
        TcpEvents events;
        int readThreshold = 1;
        int writeThreshold = 1;
        int signalled;
        boolean dispatching;

        Waiters(TcpConnection connection) {
            this.connection = connection;
        }

        @Override
        protected void expire(long now) {
            long before = connection.retransmitted();
            connection.onTimer(now);
            after(connection, before, now);
        }

        @Override
        public String toString() {
            return "Waiters[reader=" + reader + " writer=" + writer + " connector=" + connector + "]";
        }
    }

    /** A listening port: its bound, its half-open count, its queue of connections ready to accept. */
    public static final class Listener {
        final int address;
        final int port;
        final int backlog;
        final ArrayDeque<TcpConnection> ready = new ArrayDeque<>();
        int halfOpen;
        /** When this listener last answered a SYN with a cookie (-1: never): only then are ACKs checked for one. */
        long cookieSentAt = -1;
        /** Threads blocked in accept, one entry per thread: each is woken when a connection is ready. */
        final ArrayDeque<Wakeup> acceptors = new ArrayDeque<>();
        boolean closed;
        /** The non-blocking API's: told when the queue stops being empty. */
        TcpEvents events;
        /** The next listener on the same port (another address); exact addresses come before the wildcard. */
        Listener next;

        Listener(int address, int port, int backlog) {
            this.address = address;
            this.port = port;
            this.backlog = backlog;
        }

        public int port() {
            return port;
        }

        /** The address it listens on (0: every address of the host). */
        public int address() {
            return address;
        }
    }

    /** @param keySeed the secret for the table's hash and the ISNs (a seeded host's run is deterministic) */
    TcpLayer(Host host, Cpu cpu, Timeline timeline, HostConfig hostConfig, long keySeed) {
        this.host = host;
        this.c = host.counters();
        this.config = hostConfig.tcp();
        java.util.SplittableRandom keys = new java.util.SplittableRandom(keySeed);
        this.table = new ConnectionTable(keys.nextLong(), keys.nextLong(), hostConfig.maxConnections());
        this.isn = new InitialSequenceNumbers(keys.nextLong(), keys.nextLong());
        this.cookies = hostConfig.synCookies() ? new SynCookies(keys.nextLong(), keys.nextLong()) : null;
        this.portHash = new SipHash(keys.nextLong(), keys.nextLong());
        this.memory = new ChunkPool(host.name() + "-streams", hostConfig.streamMemoryBytes(),
                hostConfig.memoryPressurePercent(), hostConfig.memoryLowPercent());
        this.resetLimit = new TokenBucket(hostConfig.resetsPerSecond(), timeline.nanos());
        this.wheel = new TimerWheel(timeline.nanos());
        this.timerJob = cpu.newJob(host.name() + "-tcp-timers", this::onTimers);
        this.timer = timeline.newTimer(host.name() + "-tcp", timerJob::schedule);
    }

    /**
     * The configuration for a connection with {@code remote}: the segment size it offers is what
     * the route's MTU and a frame buffer hold, if that is less than the configured one.
     */
    private TcpConfig configTowards(int remote) {
        // A segment is built in a frame buffer after its headroom: TCP's header and options (60) and the data.
        int mss = Math.min(host.ip().mtuTowards(remote) - 40, host.txBufferSize() - 60);
        return mss < config.mss() ? config.toBuilder().mss(Math.max(64, mss)).build() : config;
    }

    /** Where connections' segments go: frame buffers from the host, out through IPv4. */
    private final class Output implements TcpConnection.Output {
        @Override
        public PacketBuffer take() {
            PacketBuffer b = host.takeTxBuffer();
            if (b == null) {
                c.count(Counter.TCP_OUT_NO_BUFFER);
            }
            return b;
        }

        @Override
        public PacketBuffer take(int payload) {
            if (payload <= host.txBufferSize() - TcpSegment.MAX_HEADER_LENGTH) {
                return take();
            }
            PacketBuffer b = host.takeSegmentationBuffer(); // segmentationLimit saw one free
            if (b == null) {
                c.count(Counter.TCP_OUT_NO_BUFFER);
            }
            return b;
        }

        @Override
        public int segmentationLimit(TcpConnection connection) {
            return host.segmentationLimit(connection.remoteAddress());
        }

        @Override
        public boolean leavesChecksum() {
            return host.leavesChecksums(); // the card sums it, or IPv4's send does on a route to a device that cannot
        }

        @Override
        public ChunkPool memory() {
            return memory;
        }

        @Override
        public void count(TcpConnection.Event event) {
            c.count(switch (event) {
                case PAWS_DROPPED -> Counter.TCP_PAWS_DROPPED;
                case OUT_OF_WINDOW_DROPPED -> Counter.TCP_OUT_OF_WINDOW_DROPPED;
                case OUT_OF_ORDER_FULL_DROPPED -> Counter.TCP_OFO_DROPPED;
                case RCVQ_NO_MEMORY_DROPPED -> {
                    c.count(Counter.TCP_NO_MEMORY_DROPPED);
                    yield Counter.TCP_RCVQ_DROP;
                }
                case OFO_NO_MEMORY_DROPPED -> {
                    c.count(Counter.TCP_NO_MEMORY_DROPPED);
                    yield Counter.TCP_OFO_NO_MEMORY_DROP;
                }
                case PRUNE_CALLED -> Counter.TCP_PRUNE_CALLED;
                case OFO_PRUNED -> Counter.TCP_OFO_PRUNED;
                case CHALLENGE_ACK -> Counter.TCP_CHALLENGE_ACKS;
                case ACK_RATE_LIMITED -> Counter.TCP_ACK_RATE_LIMITED;
                case TIMEOUT -> Counter.TCP_TIMEOUTS;
                case TAIL_PROBE -> Counter.TCP_TAIL_PROBES;
                case LOST_RETRANSMIT -> Counter.TCP_LOST_RETRANSMITS;
                case DSACK_RECEIVED -> Counter.TCP_DSACK_RECEIVED;
                case DSACK_SENT -> Counter.TCP_DSACK_SENT;
                case RECOVERY_UNDONE -> Counter.TCP_RECOVERY_UNDONE;
                case SACK_RENEGED -> Counter.TCP_SACK_RENEGED;
            });
        }

        @Override
        public SentSegments takeLog() {
            return sentLogs.take();
        }

        @Override
        public void giveBack(SentSegments log) {
            sentLogs.give(log);
        }

        @Override
        public void windowClamped(TcpConnection connection) {
            clampedWindows.add(connection);
        }

        @Override
        public void send(TcpConnection connection, PacketBuffer segment) {
            int perFrame = segment.segmentSize();
            if (perFrame > 0) {
                // As Linux counts a TSO segment: by the segments it becomes on the wire.
                int payload = segment.length() - segment.segmentL4HeaderLength();
                c.add(Counter.TCP_OUT_SEGS, (payload + perFrame - 1) / perFrame);
            } else {
                c.count(Counter.TCP_OUT_SEGS);
            }
            if ((TcpSegment.flags(segment) & TcpSegment.RST) != 0) {
                c.count(Counter.TCP_OUT_RSTS);
            }
            // Don't fragment: the path's MTU comes back as "fragmentation needed" (RFC 1191, as Linux).
            host.ip().output(segment, connection.localAddress(), connection.remoteAddress(), Ipv4Packet.PROTO_TCP, true);
        }
    }

    // ==== Input (the loop) ==================================================================

    /** An ICMP error quoting a TCP segment from {@code local:localPort} to {@code remote:remotePort}. */
    void icmpError(int local, int localPort, int remote, int remotePort, int quotedSeq, int type, int code,
                   int nextHopMtu, int reporter) {
        TcpConnection conn = table.find(local, localPort, remote, remotePort);
        long now = host.nanos();
        String what = IcmpPacket.describe(type, code) + " from " + Ipv4Address.format(reporter);
        if (conn == null || !conn.onIcmpError(type, code, nextHopMtu, quotedSeq, what, now)) {
            c.count(Counter.TCP_ICMP_IGNORED);
            return;
        }
        c.count(Counter.TCP_IN_ICMP_ERRORS);
        host.loop().beginBatch();
        after(conn, conn.retransmitted(), now);
        host.loop().endBatch();
    }

    /** A segment for us; the buffer starts at the IPv4 header. Takes the buffer. */
    void input(PacketBuffer b, int headerLength, int source, int destination, boolean linkBroadcast) {
        b.trimFront(headerLength);
        c.count(Counter.TCP_IN_SEGS);
        int verdicts = b.rxChecksum(); // the card's, if it checked: stands in for our sum
        boolean verified = (verdicts & PacketBuffer.RX_L4_CHECKSUM_GOOD) != 0;
        if (!verified) {
            host.cpu().chargeChecksum(b.length());
        }
        TcpSegment.Verdict v = TcpSegment.check(b, source, destination, verified);
        if (v == TcpSegment.Verdict.OK && (verdicts & PacketBuffer.RX_L4_CHECKSUM_BAD) != 0) {
            v = TcpSegment.Verdict.BAD_CHECKSUM;
        }
        if (v != TcpSegment.Verdict.OK || linkBroadcast || host.ip().isBroadcast(destination)) {
            c.count(Counter.TCP_IN_ERRS); // TCP is unicast only (RFC 1122 4.2.3.10)
            if (v == TcpSegment.Verdict.BAD_CHECKSUM) {
                c.count(Counter.TCP_IN_CSUM_ERRORS);
            }
            b.release();
            return;
        }
        options.parse(b);
        int localPort = TcpSegment.destinationPort(b);
        int remotePort = TcpSegment.sourcePort(b);
        long now = host.nanos();
        TcpConnection conn = table.find(destination, localPort, source, remotePort);
        if (conn != null && conn.state() == TcpState.TIME_WAIT
                && (TcpSegment.flags(b) & (TcpSegment.SYN | TcpSegment.ACK | TcpSegment.RST)) == TcpSegment.SYN
                && listenerFor(destination, localPort) != null && conn.endTimeWaitFor(TcpSegment.sequence(b), options)) {
            c.count(Counter.TCP_TIME_WAIT_REUSED); // a new incarnation of the 4-tuple (RFC 6191): the listener takes it
            after(conn, conn.retransmitted(), now);
            conn = null;
        }
        if (conn != null) {
            long retransmittedBefore = conn.retransmitted();
            conn.input(b, options, now);
            after(conn, retransmittedBefore, now);
        } else {
            Listener l = listenerFor(destination, localPort);
            int flags = TcpSegment.flags(b);
            int kind = flags & (TcpSegment.SYN | TcpSegment.ACK | TcpSegment.RST);
            if (l != null && kind == TcpSegment.SYN && remotePort != 0) {
                passiveOpen(l, b, source, destination, now);
            } else if (l != null && kind == TcpSegment.ACK && cookieOpen(l, b, source, destination, now)) {
                // the ACK of a SYN cookie: a connection made from it, or dropped (counted) with the accept queue full
            } else {
                c.count(Counter.TCP_IN_NO_LISTENER);
                reset(b, source, destination);
            }
        }
        b.release();
    }

    /**
     * A SYN at a listener. The backlog bounds the accept queue and the SYN queue (half-open
     * connections) together; when the accept queue alone fills it, nothing can be accepted and the
     * SYN is dropped (the peer tries again). When half-open connections fill the rest, or the
     * connection table is full, the SYN is answered statelessly with a SYN cookie (or, cookies
     * off, dropped): a flood of SYNs from addresses that never answer cannot keep a real client out.
     */
    private void passiveOpen(Listener l, PacketBuffer syn, int source, int destination, long now) {
        if (l.ready.size() >= l.backlog) {
            c.count(Counter.TCP_LISTEN_OVERFLOWS); // the peer's SYN retransmission will try again
            return;
        }
        if (l.ready.size() + l.halfOpen >= l.backlog || table.isFull()) {
            if (table.isFull()) {
                c.count(Counter.TCP_TABLE_FULL);
            }
            if (cookies != null) {
                sendCookie(l, syn, source, destination, now);
            } else {
                c.count(Counter.TCP_SYN_QUEUE_FULL_DROPS);
            }
            return;
        }
        int iss = isn.next(destination, l.port, source, TcpSegment.sourcePort(syn), now);
        TcpConnection conn = TcpConnection.accept(configTowards(source), output, destination, source, syn, options, iss, now);
        openedBy(l, conn);
        after(conn, 0, now);
    }

    /** A connection {@code l} is making: in the table, half-open until it is established (then ready to accept). */
    private void openedBy(Listener l, TcpConnection conn) {
        Waiters w = new Waiters(conn);
        w.listener = l;
        conn.attach(w);
        table.add(conn);
        l.halfOpen++;
        c.count(Counter.TCP_PASSIVE_OPENS);
    }

    /**
     * Answers {@code syn} with a SYN-ACK whose sequence number is a cookie holding what the SYN
     * negotiated, keeping nothing. The options are those a queued connection would answer with.
     */
    private void sendCookie(Listener l, PacketBuffer syn, int source, int destination, long now) {
        TcpConfig towards = configTowards(source);
        boolean scale = towards.windowScaling() && options.windowScale >= 0;
        boolean sack = towards.sack() && options.sackPermitted;
        boolean timestamps = towards.timestamps() && options.hasTimestamps;
        int remotePort = TcpSegment.sourcePort(syn);
        int peerIsn = TcpSegment.sequence(syn);
        int packed = SynCookies.options(options.mss > 0 ? options.mss : TcpConnection.DEFAULT_PEER_MSS,
                scale ? options.windowScale : -1, sack, timestamps);
        int cookie = cookies.make(destination, l.port, source, remotePort, peerIsn, packed, now);
        PacketBuffer r = host.takeTxBuffer();
        if (r == null) {
            c.count(Counter.TCP_OUT_NO_BUFFER);
            return;
        }
        TcpOptions o = TcpConnection.synOptions(cookieOptions.clear(), towards, scale, sack, timestamps, now,
                options.tsVal);
        int optionsLength = o.length();
        r.prepend(TcpSegment.HEADER_LENGTH + optionsLength);
        o.write(r, TcpSegment.HEADER_LENGTH);
        TcpSegment.write(r, l.port, remotePort, cookie, peerIsn + 1, TcpSegment.SYN | TcpSegment.ACK,
                Math.min(0xFFFF, towards.receiveBuffer()), optionsLength, destination, source);
        l.cookieSentAt = now;
        c.count(Counter.TCP_SYN_COOKIES_SENT);
        c.count(Counter.TCP_OUT_SEGS);
        host.ip().output(r, destination, source, Ipv4Packet.PROTO_TCP);
    }

    /**
     * An ACK for no connection at a listener that sent cookies lately: if its acknowledgment is a
     * good cookie, makes the connection the cookie describes and hands it the ACK (which may carry
     * data). True if the ACK was taken; false if it is to be answered with RST.
     */
    private boolean cookieOpen(Listener l, PacketBuffer ack, int source, int destination, long now) {
        if (cookies == null || l.cookieSentAt < 0 || now - l.cookieSentAt >= 2 * SynCookies.TICK_NANOS) {
            return false;
        }
        int remotePort = TcpSegment.sourcePort(ack);
        int peerIsn = TcpSegment.sequence(ack) - 1;
        int iss = TcpSegment.acknowledgment(ack) - 1;
        int packed = cookies.check(destination, l.port, source, remotePort, peerIsn, iss, now);
        if (packed == SynCookies.INVALID) {
            c.count(Counter.TCP_SYN_COOKIES_FAILED);
            return false;
        }
        c.count(Counter.TCP_SYN_COOKIES_RECEIVED);
        if (l.ready.size() >= l.backlog || table.isFull()) {
            c.count(table.isFull() ? Counter.TCP_TABLE_FULL : Counter.TCP_LISTEN_OVERFLOWS); // its data will come again
            return true;
        }
        TcpConnection conn = TcpConnection.fromCookie(configTowards(source), output, destination, l.port, source,
                remotePort, peerIsn, iss, packed, options.tsVal, now);
        openedBy(l, conn);
        conn.input(ack, options, now);
        after(conn, 0, now);
        return true;
    }

    /**
     * RFC 9293 3.10.7.1: a segment for no connection is answered with RST, unless it is one: with
     * its ACK as our sequence number, or acknowledging what it occupied.
     */
    private void reset(PacketBuffer seg, int source, int destination) {
        int flags = TcpSegment.flags(seg);
        if ((flags & TcpSegment.RST) != 0) {
            return;
        }
        if (!resetLimit.take(host.nanos())) {
            c.count(Counter.TCP_OUT_RSTS_RATE_LIMITED); // a flood to closed ports: no reflection
            return;
        }
        PacketBuffer r = host.takeTxBuffer();
        if (r == null) {
            c.count(Counter.TCP_OUT_NO_BUFFER);
            return;
        }
        r.prepend(TcpSegment.HEADER_LENGTH);
        boolean ack = (flags & TcpSegment.ACK) != 0;
        int seq = ack ? TcpSegment.acknowledgment(seg) : 0;
        int ackNumber = ack ? 0 : TcpSegment.sequence(seg) + TcpSegment.sequenceLength(seg);
        TcpSegment.write(r, TcpSegment.destinationPort(seg), TcpSegment.sourcePort(seg), seq, ackNumber,
                TcpSegment.RST | (ack ? 0 : TcpSegment.ACK), 0, 0, destination, source);
        c.count(Counter.TCP_OUT_SEGS);
        c.count(Counter.TCP_OUT_RSTS);
        host.ip().output(r, destination, source, Ipv4Packet.PROTO_TCP);
    }

    /** After anything happened to {@code conn}: counters, wake-ups, the listener's queue, removal, the timer. */
    private void after(TcpConnection conn, long retransmittedBefore, long now) {
        c.add(Counter.TCP_RETRANS_SEGS, conn.retransmitted() - retransmittedBefore);
        Waiters w = (Waiters) conn.attachment();
        TcpState s = conn.state();
        boolean established = s == TcpState.ESTABLISHED || s == TcpState.CLOSE_WAIT;
        if (established != w.established) {
            c.add(Counter.TCP_CURR_ESTAB, established ? 1 : -1);
            if (!established && conn.failure() == TcpConnection.Failure.RESET) {
                c.count(Counter.TCP_ESTAB_RESETS);
            }
            w.established = established;
        }
        if (w.listener != null && s != TcpState.SYN_RECEIVED) {
            Listener l = w.listener;
            w.listener = null;
            l.halfOpen--;
            if (s == TcpState.CLOSED) {
                c.count(Counter.TCP_ATTEMPT_FAILS); // SYN-RECEIVED to CLOSED (RFC 4022)
            } else if (s.synchronized_() && !l.closed) {
                l.ready.add(conn);
                wakeAll(l.acceptors); // each looks again; one takes the connection, the others wait on
                if (l.events != null && l.ready.size() == 1) {
                    tellAcceptable(l);
                }
            } else if (l.closed) {
                conn.abort(); // the listener went while it was being set up
                s = conn.state();
            }
        }
        if (w.closedByApplication && conn.readable() > 0 && s != TcpState.CLOSED) {
            // Data for an application that has closed: nobody will read it (RFC 9293 3.10.7.4, as Linux).
            c.count(Counter.TCP_ABORT_ON_DATA);
            conn.abort();
            s = conn.state();
        }
        if (s == TcpState.CLOSED) {
            table.remove(conn);
            if (w.closedByApplication) {
                conn.releaseMemory(); // what is left nobody will read
            }
        }
        boolean delivered = false;
        if (w.reader != null && (conn.readable() > 0 || conn.endOfStream() || s == TcpState.CLOSED)) {
            if (w.reader instanceof ReadWakeup r && conn.readable() > 0 && !w.closedByApplication) {
                r.delivered = conn.read(r.dst, r.off, r.len, now); // into the blocked reader's own buffer
                delivered = true;
            }
            wake(w.reader);
            w.reader = null;
        }
        if (w.writer != null && (conn.writable() > 0 || s == TcpState.CLOSED)) {
            wake(w.writer);
            w.writer = null;
        }
        if (w.connector != null && s != TcpState.SYN_SENT && s != TcpState.SYN_RECEIVED) {
            if (conn.failure() != null) {
                c.count(Counter.TCP_ATTEMPT_FAILS);
            }
            wake(w.connector);
            w.connector = null;
        }
        long refusals = memory.refusals();
        if (refusals != memoryRefusalsCounted) {
            c.add(Counter.TCP_MEMORY_REFUSED, refusals - memoryRefusalsCounted);
            memoryRefusalsCounted = refusals;
        }
        followMemoryPressure(now);
        if (!memoryWaiters.isEmpty() && memory.available() > 0 && !memory.underPressure()) {
            wakeMemoryWaiters(); // under pressure a buffer holding data takes no more: it waits for pressure to end
        }
        long d = conn.nextDeadline();
        if (d < 0) {
            wheel.cancel(w);
        } else {
            wakeBy(wheel.arm(w, d));
        }
        if (w.events != null && !w.dispatching) {
            tell(conn, w);
        }
        if (delivered) {
            after(conn, conn.retransmitted(), now); // what that read changed: the window, memory, timers
        }
    }

    /**
     * Counts what the stream memory's pressure did since the last look (entries, time in it), and
     * when it has ended, offers again the windows it held back: a peer facing a zero window would
     * otherwise learn of the room only by its persist timer's probes, which back off to a minute.
     */
    private void followMemoryPressure(long now) {
        long entries = memory.pressureEntries();
        if (entries != pressureEntriesCounted) {
            c.add(Counter.TCP_MEMORY_PRESSURES, entries - pressureEntriesCounted);
            pressureEntriesCounted = entries;
        }
        boolean pressure = memory.underPressure();
        if (inPressure) {
            pressureNanos += now - pressureSince;
            pressureSince = now;
            long millis = pressureNanos / 1_000_000;
            c.add(Counter.TCP_MEMORY_PRESSURES_CHRONO, millis - pressureMillisCounted);
            pressureMillisCounted = millis;
        }
        if (pressure == inPressure) {
            return;
        }
        inPressure = pressure;
        pressureSince = now;
        if (!pressure) {
            for (TcpConnection conn; (conn = clampedWindows.poll()) != null; ) {
                if (conn.state() != TcpState.CLOSED) {
                    conn.memoryPressureEnded(now);
                    after(conn, conn.retransmitted(), now);
                }
            }
        }
    }

    /** Loop: whether the host's stream memory is under pressure now. */
    public boolean underMemoryPressure() {
        return memory.underPressure();
    }

    // ==== The non-blocking API: calls on the loop, readiness as events (TcpEvents) ===================

    /** What holds now for a watched connection (TcpEvents bits). */
    private int readiness(TcpConnection conn, Waiters w) {
        TcpState s = conn.state();
        int ready = 0;
        if (s == TcpState.CLOSED) {
            ready |= TcpEvents.CLOSED | TcpEvents.READABLE;
        } else if (s != TcpState.SYN_SENT && s != TcpState.SYN_RECEIVED) {
            ready |= TcpEvents.CONNECTED;
        }
        // Under memory pressure any data is readable: a window held shut waits for the reader to drain
        // (Linux's fix for SO_RCVLOWAT hangs under pressure).
        if (conn.readable() >= w.readThreshold || (conn.finReceived() || memory.underPressure()) && conn.readable() > 0
                || conn.endOfStream()) {
            ready |= TcpEvents.READABLE;
        }
        // Under pressure a send buffer gives a chunk at a time: a writer waiting for more would wait for pressure to end.
        if ((s == TcpState.ESTABLISHED || s == TcpState.CLOSE_WAIT)
                && (conn.writable() >= w.writeThreshold || memory.underPressure() && conn.writable() > 0)) {
            ready |= TcpEvents.WRITABLE;
        }
        return ready;
    }

    /**
     * Tells the connection's handler what has newly become true, until nothing new has; what the
     * handler does meanwhile (reads, writes) is taken into account, not told back recursively.
     */
    private void tell(TcpConnection conn, Waiters w) {
        boolean failed = false;
        w.dispatching = true;
        try {
            while (w.events != null) {
                int ready = readiness(conn, w);
                int fresh = ready & ~w.signalled;
                w.signalled = ready; // a bit that stops holding is told again when it holds again
                if (fresh == 0) {
                    break;
                }
                try {
                    w.events.onReady(conn, fresh);
                } catch (RuntimeException e) {
                    c.count(Counter.TCP_HANDLER_FAILURES); // this connection's trouble only
                    w.events = null;
                    w.closedByApplication = true;
                    conn.abort();
                    failed = true;
                }
            }
        } finally {
            w.dispatching = false;
        }
        if (failed) {
            after(conn, conn.retransmitted(), host.nanos()); // counters, the table, its memory
        }
    }

    private void tellAcceptable(Listener l) {
        try {
            l.events.onAcceptable(l);
        } catch (RuntimeException e) {
            c.count(Counter.TCP_HANDLER_FAILURES);
        }
    }

    /** Runs {@code task} on the loop soon (any thread): where loop-side applications start. */
    public void execute(Runnable task) {
        host.loop().post(() -> {
            task.run();
            return null;
        });
    }

    /** Loop: listens on {@code address:port} (0: every address); {@code events} hears when connections wait. */
    public Listener listenNow(int address, int port, int backlog, TcpEvents events) throws BindException {
        Listener l = addListener(address, port, backlog);
        l.events = events;
        return l;
    }

    /** Loop: the next connection on {@code l} (null if none waits), told its readiness through {@code events}. */
    public TcpConnection acceptNow(Listener l, TcpEvents events) {
        TcpConnection conn = l.closed ? null : l.ready.poll();
        if (conn != null) {
            watch(conn, events);
        }
        return conn;
    }

    /** Loop: an active open; {@code events} hears CONNECTED (or CLOSED, with {@link TcpConnection#failure}). */
    public TcpConnection connectNow(int address, int port, TcpEvents events) throws SocketException {
        return connectNow(0, address, port, events);
    }

    /** Loop: an active open from {@code localPort} (0: an ephemeral one), as {@link #connect(int, int, int, long)} binds. */
    public TcpConnection connectNow(int localPort, int address, int port, TcpEvents events) throws SocketException {
        if (port < 1 || port > 65_535 || !host.ip().isValidDestination(address, port)) {
            throw new SocketException("cannot connect to " + Ipv4Address.format(address) + ":" + port);
        }
        if (localPort < 0 || localPort > 65_535) {
            throw new SocketException("no such local port: " + localPort);
        }
        TcpConnection conn = openActive(localPort, address, port, null);
        watch(conn, events);
        return conn;
    }

    private void watch(TcpConnection conn, TcpEvents events) {
        Waiters w = (Waiters) conn.attachment();
        w.events = events;
        w.signalled = 0;
        tell(conn, w);
    }

    /**
     * Loop: a READABLE event once at least {@code readable} bytes wait, WRITABLE once at least
     * {@code writable} bytes of room are free (both at least 1): a server that wants whole
     * requests, or room for a whole answer, is woken once for them, not per segment.
     */
    public void thresholds(TcpConnection conn, int readable, int writable) {
        Waiters w = (Waiters) conn.attachment();
        w.readThreshold = Math.max(1, readable);
        w.writeThreshold = Math.max(1, writable);
        w.signalled &= ~(TcpEvents.READABLE | TcpEvents.WRITABLE);
    }

    /**
     * Loop: what holds for {@code conn} now (TcpEvents bits), whether told already or not: a
     * selector asks this level before it waits for the events that say something changed.
     */
    public int readinessNow(TcpConnection conn) {
        return readiness(conn, (Waiters) conn.attachment());
    }

    /** Loop: whether {@link #acceptNow} would give a connection now. */
    public boolean acceptableNow(Listener l) {
        return !l.closed && !l.ready.isEmpty();
    }

    /** Loop: the error that ended {@code conn}, as a read or write would throw it; null if none did. */
    public SocketException failureNow(TcpConnection conn) {
        try {
            failIfEnded(conn);
            return null;
        } catch (SocketException e) {
            return e;
        }
    }

    /** Loop: up to {@code len} received bytes; 0 if none wait, -1 at the end of the stream. */
    public int readNow(TcpConnection conn, byte[] dst, int off, int len) throws SocketException {
        // As Linux reads (and the blocking read): what arrived first, then the end of the stream if
        // the peer's FIN came, and only then the error that ended the connection.
        int got = conn.read(dst, off, len, host.nanos());
        if (got > 0) {
            after(conn, conn.retransmitted(), host.nanos());
            return got;
        }
        if (conn.endOfStream()) {
            return -1;
        }
        failIfEnded(conn);
        return conn.state() == TcpState.CLOSED ? -1 : 0;
    }

    /** Loop: queues up to {@code len} bytes; returns how many the send buffer took (0 when full). */
    public int writeNow(TcpConnection conn, byte[] src, int off, int len) throws SocketException {
        failIfEnded(conn);
        if (conn.writable() == 0) {
            waitForMemoryIfShort(conn);
            return 0;
        }
        long before = conn.retransmitted();
        int taken;
        try {
            taken = conn.write(src, off, len, host.nanos());
        } catch (IllegalStateException shut) {
            throw new SocketException("cannot write: " + shut.getMessage());
        }
        waitForMemoryIfShort(conn);
        after(conn, before, host.nanos());
        return taken;
    }

    /** A loop-side writer short of stream memory is told WRITABLE when any connection gives memory back. */
    private void waitForMemoryIfShort(TcpConnection conn) {
        Waiters w = (Waiters) conn.attachment();
        if (conn.waitingForMemory() && !w.waitingForMemory) {
            w.waitingForMemory = true;
            memoryWaiters.add(conn);
        }
    }

    /** Loop: no more data from this end (a FIN after what was written). */
    public void shutdownOutputNow(TcpConnection conn) {
        conn.shutdownOutput(host.nanos());
        after(conn, conn.retransmitted(), host.nanos());
    }

    /** Loop: closes the connection for the application: a FIN after what was written, no more events. */
    public void closeNow(TcpConnection conn) {
        Waiters w = (Waiters) conn.attachment();
        w.events = null;
        w.closedByApplication = true;
        wakeBlockedCalls(w);
        if (conn.state() == TcpState.CLOSED) {
            conn.releaseMemory();
        }
        conn.shutdownOutput(host.nanos());
        after(conn, conn.retransmitted(), host.nanos());
    }

    /** A close from another thread: calls blocked on the connection see it and fail, as the JDK's do. */
    private void wakeBlockedCalls(Waiters w) {
        wake(w.reader);
        w.reader = null;
        wake(w.writer);
        w.writer = null;
    }

    /** Memory came back: writers that waited for it try again (each re-registers if it is still short). */
    private void wakeMemoryWaiters() {
        for (TcpConnection waiting; (waiting = memoryWaiters.poll()) != null; ) {
            Waiters w = (Waiters) waiting.attachment();
            w.waitingForMemory = false;
            wake(w.writer);
            w.writer = null;
            if (w.events != null && !w.dispatching) {
                tell(waiting, w); // a loop-side writer hears WRITABLE again
            }
        }
    }

    /**
     * Keeps the timeline timer at or before {@code tick}: an entry's own tick is enough (advancing
     * to it brings down whatever lies on the way), so a segment costs no walk over the wheel's levels.
     */
    private void wakeBy(long tick) {
        if (timerTick < 0 || tick < timerTick) {
            timerTick = tick;
            timer.arm(TimerWheel.timeOf(tick));
        }
    }

    private void wakeAll(ArrayDeque<Wakeup> waiting) {
        for (Wakeup w; (w = waiting.poll()) != null; ) {
            wake(w);
        }
    }

    private void wake(Wakeup w) {
        if (w != null) {
            w.fired = true;
            host.applications().wake(w.thread);
        }
    }

    /** Blocks until the loop fires {@code w} or the deadline passes (application threads). */
    private void await(Wakeup w, long deadline) {
        Applications apps = host.applications();
        while (!w.fired && apps.clock().nanos() < deadline) {
            apps.block(deadline);
        }
    }

    /** The timeline timer: the wheel runs every connection timer whose tick has come. */
    private Job.Result onTimers() {
        timerTick = -1;
        host.loop().beginBatch();
        wheel.advance(host.nanos());
        host.loop().endBatch();
        long next = wheel.nextTick();
        if (next >= 0) {
            wakeBy(next);
        }
        return Job.Result.DONE;
    }

    // ==== Applications (each call handed to the loop) ===========================================

    /** Listens on {@code port} (0: any address of this host) with an accept queue of {@code backlog}. */
    public Listener listen(int address, int port, int backlog) throws SocketException {
        if (port < 1 || port > 65_535 || backlog < 1) {
            throw new SocketException("listen needs a port 1..65535 and a backlog of at least 1");
        }
        return host.loop().call(() -> addListener(address, port, backlog));
    }

    /** Loop: a new listener, refused if one already listens on that address and port. */
    private Listener addListener(int address, int port, int backlog) throws BindException {
        for (Listener other = listeners[port]; other != null; other = other.next) {
            if (other.address == address) {
                throw new BindException("port " + port + " is already listening"
                        + (address == 0 ? "" : " on " + Ipv4Address.format(address)));
            }
        }
        // Exact addresses first, the wildcard last: a SYN finds the most specific listener first.
        Listener l = new Listener(address, port, backlog);
        if (address == 0) {
            Listener last = listeners[port];
            while (last != null && last.next != null) {
                last = last.next;
            }
            if (last == null) {
                listeners[port] = l;
            } else {
                last.next = l;
            }
        } else {
            l.next = listeners[port];
            listeners[port] = l;
        }
        return l;
    }

    /** The listener for a SYN to {@code address:port}: one bound to that address, else a wildcard one. */
    private Listener listenerFor(int address, int port) {
        for (Listener l = listeners[port]; l != null; l = l.next) {
            if (l.address == address || l.address == 0) {
                return l;
            }
        }
        return null;
    }

    /** The next connection on {@code l}, waiting up to {@code timeoutNanos} (0: for ever). */
    public TcpConnection accept(Listener l, long timeoutNanos) throws SocketException, SocketTimeoutException {
        Applications apps = host.applications();
        long deadline = timeoutNanos == 0 ? Long.MAX_VALUE : apps.clock().nanos() + timeoutNanos;
        while (true) {
            Wakeup me = new Wakeup(Thread.currentThread());
            TcpConnection next = host.loop().call(() -> {
                if (l.closed) {
                    throw new SocketClosedException("listener is closed");
                }
                TcpConnection ready = l.ready.poll();
                l.acceptors.removeIf(w -> w.thread == me.thread); // a wait of this thread's that timed out
                if (ready == null) {
                    l.acceptors.add(me);
                }
                return ready;
            });
            if (next != null) {
                return next;
            }
            if (apps.clock().nanos() >= deadline) {
                throw new SocketTimeoutException("no connection within the timeout");
            }
            await(me, deadline);
        }
    }

    /** Stops listening; connections not yet accepted are reset. */
    public void close(Listener l) throws SocketException {
        host.loop().call(() -> {
            if (!l.closed) {
                l.closed = true;
                if (listeners[l.port] == l) {
                    listeners[l.port] = l.next;
                } else {
                    Listener before = listeners[l.port];
                    while (before.next != l) {
                        before = before.next;
                    }
                    before.next = l.next;
                }
                for (TcpConnection conn; (conn = l.ready.poll()) != null; ) {
                    conn.abort();
                    after(conn, conn.retransmitted(), host.nanos());
                }
                wakeAll(l.acceptors);
            }
            return null;
        });
    }

    /** An active open to {@code address:port}; waits until established, refused or timed out. */
    public TcpConnection connect(int address, int port, long timeoutNanos)
            throws SocketException, SocketTimeoutException {
        return connect(0, address, port, timeoutNanos);
    }

    /**
     * An active open from {@code localPort} (0: an ephemeral port, as {@link #connect(int, int, long)}),
     * as a socket bound before connect(2); a 4-tuple still in use, TIME-WAIT included, is refused.
     */
    public TcpConnection connect(int localPort, int address, int port, long timeoutNanos)
            throws SocketException, SocketTimeoutException {
        if (port < 1 || port > 65_535 || !host.ip().isValidDestination(address, port)) {
            throw new SocketException("cannot connect to " + Ipv4Address.format(address) + ":" + port);
        }
        if (localPort < 0 || localPort > 65_535) {
            throw new SocketException("no such local port: " + localPort);
        }
        Wakeup first = new Wakeup(Thread.currentThread());
        TcpConnection conn = host.loop().call(() -> openActive(localPort, address, port, first));
        Applications apps = host.applications();
        long deadline = timeoutNanos == 0 ? Long.MAX_VALUE : apps.clock().nanos() + timeoutNanos;
        Wakeup me = first;
        while (true) {
            Wakeup waiting = me;
            TcpState s = host.loop().call(() -> {
                TcpState now = conn.state();
                if (now == TcpState.SYN_SENT || now == TcpState.SYN_RECEIVED) {
                    ((Waiters) conn.attachment()).connector = waiting;
                }
                return now;
            });
            if (s != TcpState.SYN_SENT && s != TcpState.SYN_RECEIVED) {
                if (conn.failure() == TcpConnection.Failure.REFUSED || conn.failure() == TcpConnection.Failure.RESET) {
                    throw new ConnectException("connection refused by " + Ipv4Address.format(address) + ":" + port
                            + (conn.softError() == null ? "" : " (" + conn.softError() + ")"));
                }
                if (conn.failure() == TcpConnection.Failure.UNREACHABLE) {
                    throw new java.net.NoRouteToHostException("no route to " + Ipv4Address.format(address) + ":" + port
                            + " (" + conn.softError() + ")");
                }
                if (conn.failure() != null) {
                    throw new ConnectException("connection to " + Ipv4Address.format(address) + ":" + port + " failed: "
                            + conn.failure().name().toLowerCase());
                }
                return conn;
            }
            if (apps.clock().nanos() >= deadline) {
                abort(conn);
                throw new SocketTimeoutException("connect to " + Ipv4Address.format(address) + ":" + port + " timed out");
            }
            await(me, deadline);
            me = new Wakeup(Thread.currentThread());
        }
    }

    /** Loop: a new connection to {@code address:port}, its SYN sent; {@code connector} (may be null) is woken when it opens. */
    private TcpConnection openActive(int boundPort, int address, int port, Wakeup connector) throws SocketException {
        int local = host.ip().sourceFor(address);
        if (local == 0) {
            throw new java.net.NoRouteToHostException("no route to " + Ipv4Address.format(address));
        }
        if (table.isFull()) {
            c.count(Counter.TCP_TABLE_FULL);
            throw new SocketException("too many TCP connections on " + host.name());
        }
        int localPort = boundPort == 0 ? ephemeralPort(local, address, port) : boundPort;
        if (boundPort != 0 && (listeners[boundPort] != null || table.find(local, boundPort, address, port) != null)) {
            throw new BindException("address already in use: " + Ipv4Address.format(local) + ":" + boundPort + " towards "
                    + Ipv4Address.format(address) + ":" + port);
        }
        long now = host.nanos();
        TcpConnection created = TcpConnection.connect(configTowards(address), output, local, localPort, address, port,
                isn.next(local, localPort, address, port, now), now);
        Waiters w = new Waiters(created);
        w.connector = connector;
        created.attach(w);
        table.add(created);
        c.count(Counter.TCP_ACTIVE_OPENS);
        after(created, 0, now);
        return created;
    }

    /**
     * A port no connection to {@code address:port} from {@code local} uses, and no listener holds:
     * RFC 6056's algorithm 3 (as Linux), a keyed hash of the addresses and the destination port
     * plus a counter. An off-path attacker cannot guess it, and towards one destination the ports
     * go round the whole range before one comes back, so a port returns long after its last
     * connection's TIME-WAIT at the peer began (a port drawn at random would often meet it within
     * the same timestamp tick, where the peer cannot tell the new SYN from an old one).
     */
    private int ephemeralPort(int local, int address, int port) throws BindException {
        int range = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1;
        long offset = portHash.hash(local, 0, address, port, 0) & 0x7FFF_FFFFL;
        int start = (int) ((offset + nextEphemeral++) % range);
        for (int i = 0; i < range; i++) {
            int candidate = EPHEMERAL_LOW + (start + i) % range;
            if (listeners[candidate] == null && table.find(local, candidate, address, port) == null) {
                return candidate;
            }
        }
        throw new BindException("no ephemeral port is free towards " + Ipv4Address.format(address) + ":" + port);
    }

    /**
     * Reads up to {@code len} bytes into {@code dst}: at least one, waiting for them until
     * {@code timeoutNanos} (0: for ever); -1 at the end of the stream.
     */
    public int read(TcpConnection conn, byte[] dst, int off, int len, long timeoutNanos)
            throws SocketException, SocketTimeoutException {
        Applications apps = host.applications();
        long deadline = timeoutNanos == 0 ? Long.MAX_VALUE : apps.clock().nanos() + timeoutNanos;
        while (true) {
            ReadWakeup me = new ReadWakeup(Thread.currentThread(), dst, off, len);
            int n = host.loop().call(() -> {
                Waiters w = (Waiters) conn.attachment();
                if (w.closedByApplication) {
                    throw new SocketClosedException("socket is closed");
                }
                int got = conn.read(dst, off, len, host.nanos());
                if (got > 0) {
                    after(conn, conn.retransmitted(), host.nanos());
                    return got;
                }
                if (conn.endOfStream()) {
                    return -1;
                }
                failIfEnded(conn);
                w.reader = me;
                return 0;
            });
            if (n != 0 || len == 0) {
                return n;
            }
            if (apps.clock().nanos() < deadline) {
                await(me, deadline);
            }
            if (me.delivered != ReadWakeup.NOTHING) {
                return me.delivered; // the loop read it for us as it came
            }
            if (apps.clock().nanos() >= deadline) {
                // Give up only once the loop has let go of the buffer: data read into it by then is returned.
                int late = host.loop().call(() -> {
                    Waiters w = (Waiters) conn.attachment();
                    if (w.reader == me) {
                        w.reader = null;
                    }
                    return me.delivered;
                });
                if (late != ReadWakeup.NOTHING) {
                    return late;
                }
                throw new SocketTimeoutException("no data within the timeout");
            }
        }
    }

    /** Writes all {@code len} bytes, waiting for room until {@code timeoutNanos} (0: for ever). */
    public void write(TcpConnection conn, byte[] src, int off, int len, long timeoutNanos)
            throws SocketException, SocketTimeoutException {
        Applications apps = host.applications();
        long deadline = timeoutNanos == 0 ? Long.MAX_VALUE : apps.clock().nanos() + timeoutNanos;
        int done = 0;
        while (done < len) {
            int from = off + done;
            int left = len - done;
            Wakeup me = new Wakeup(Thread.currentThread());
            int n = host.loop().call(() -> {
                Waiters w = (Waiters) conn.attachment();
                if (w.closedByApplication) {
                    throw new SocketClosedException("socket is closed");
                }
                failIfEnded(conn);
                if (conn.writable() == 0) {
                    w.writer = me;
                    if (conn.waitingForMemory() && !w.waitingForMemory) {
                        w.waitingForMemory = true; // woken when any connection gives memory back
                        memoryWaiters.add(conn);
                    }
                    return 0;
                }
                long before = conn.retransmitted();
                int taken;
                try {
                    taken = conn.write(src, from, left, host.nanos());
                } catch (IllegalStateException shut) {
                    throw new SocketException("cannot write: " + shut.getMessage());
                }
                after(conn, before, host.nanos());
                return taken;
            });
            done += n;
            if (n == 0) {
                if (apps.clock().nanos() >= deadline) {
                    throw new SocketTimeoutException("no room to write within the timeout (" + done + " of " + len + " written)");
                }
                await(me, deadline);
            }
        }
    }

    private static void failIfEnded(TcpConnection conn) throws SocketException {
        if (conn.state() == TcpState.CLOSED && conn.failure() != null) {
            throw switch (conn.failure()) {
                case RESET, REFUSED -> new SocketException("connection reset by peer");
                case TIMED_OUT -> new SocketException("connection timed out"
                        + (conn.softError() == null ? "" : " (last ICMP error: " + conn.softError() + ")"));
                case UNREACHABLE -> new java.net.NoRouteToHostException(conn.softError());
                case ABORTED -> new SocketClosedException("connection aborted");
            };
        }
    }

    /** No more data from this end: a FIN follows what was written. */
    public void shutdownOutput(TcpConnection conn) throws SocketException {
        host.loop().call(() -> {
            conn.shutdownOutput(host.nanos());
            after(conn, conn.retransmitted(), host.nanos());
            return null;
        });
    }

    /**
     * Waits until the peer has acknowledged everything written and our FIN (or the connection has
     * ended), at most {@code timeoutNanos}; true if it has. What SO_LINGER makes close wait for: a
     * program about to exit calls it so that what it wrote is not lost with its process.
     */
    public boolean awaitAcknowledged(TcpConnection conn, long timeoutNanos) throws SocketException {
        Applications apps = host.applications();
        long deadline = apps.clock().nanos() + timeoutNanos;
        while (true) {
            TcpState s = host.loop().call(conn::state);
            if (s == TcpState.FIN_WAIT_2 || s == TcpState.TIME_WAIT || s == TcpState.CLOSED) {
                return true;
            }
            long now = apps.clock().nanos();
            if (now >= deadline) {
                return false;
            }
            apps.block(Math.min(deadline, now + 1_000_000)); // look again in 1 ms
        }
    }

    /** Closes the handle: a FIN after what was written; the connection finishes on its own. */
    public void close(TcpConnection conn) throws SocketException {
        host.loop().call(() -> {
            Waiters w = (Waiters) conn.attachment();
            w.closedByApplication = true;
            wakeBlockedCalls(w);
            if (conn.state() == TcpState.CLOSED) {
                conn.releaseMemory(); // ended before the application closed it: what it kept goes back
            }
            conn.shutdownOutput(host.nanos());
            after(conn, conn.retransmitted(), host.nanos());
            return null;
        });
    }

    /** Applies a setting (a socket option) to {@code conn} on the loop; its timers follow. */
    public void configure(TcpConnection conn, java.util.function.Consumer<TcpConnection> setting) throws SocketException {
        host.loop().call(() -> {
            setting.accept(conn);
            after(conn, conn.retransmitted(), host.nanos());
            return null;
        });
    }

    /**
     * Counts a call refused because its handle was closed (any thread; counted on the loop). A
     * handle holds its connection object, never reused, so it cannot reach another connection;
     * this says how often something tried.
     */
    public void refusedClosedHandle() {
        try {
            host.loop().call(() -> {
                c.count(Counter.TCP_CLOSED_HANDLE_REFUSED);
                return null;
            });
        } catch (SocketException hostGone) {
            // a stopped host counts nothing more
        }
    }

    /** Ends the connection at once with RST. */
    public void abort(TcpConnection conn) throws SocketException {
        host.loop().call(() -> {
            conn.abort();
            after(conn, conn.retransmitted(), host.nanos());
            return null;
        });
    }

    /** One connection as {@code ss -ti} shows it: its addresses and what {@link TcpConnection#info} says. */
    public record ConnectionView(String local, String remote, TcpConnection.Info info) {
        /** snake_case keys for --json. */
        public java.util.Map<String, Object> toMap() {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("state", info.state().name().toLowerCase(java.util.Locale.ROOT));
            m.put("local", local);
            m.put("remote", remote);
            m.put("congestion_control", info.congestionControl().name().toLowerCase(java.util.Locale.ROOT));
            m.put("cwnd", info.cwnd());
            m.put("ssthresh", info.ssthresh() == Long.MAX_VALUE ? null : info.ssthresh());
            m.put("srtt_us", info.srttNanos() / 1000);
            m.put("rto_ms", info.rtoNanos() / 1_000_000);
            m.put("mss", info.peerMss());
            m.put("retransmits", info.retransmits());
            m.put("bytes_acked", info.bytesAcked());
            m.put("bytes_received", info.bytesReceived());
            m.put("segs_out", info.segmentsOut());
            m.put("segs_in", info.segmentsIn());
            m.put("snd_wnd", info.sendWindow());
            m.put("wscale", info.sendShift() + "," + info.receiveShift());
            m.put("timestamps", info.timestamps());
            m.put("sack", info.sack());
            return m;
        }
    }

    /**
     * Every connection in the table (TIME-WAIT included), as {@code ss -ti} would list it: taken on
     * the loop while the host runs, read directly once it has stopped.
     */
    public java.util.List<ConnectionView> snapshot() throws SocketException {
        return host.isStarted() ? host.loop().call(this::views) : views();
    }

    private java.util.List<ConnectionView> views() {
        java.util.List<ConnectionView> out = new java.util.ArrayList<>();
        for (TcpConnection conn : table.slots()) {
            if (conn != null) {
                out.add(new ConnectionView(Ipv4Address.format(conn.localAddress()) + ":" + conn.localPort(),
                        Ipv4Address.format(conn.remoteAddress()) + ":" + conn.remotePort(), conn.info()));
            }
        }
        return out;
    }

    /** The host's stream memory (loop; tests read it when the loop is idle). */
    public ChunkPool memory() {
        return memory;
    }

    /** The host is stopping: every connection's memory goes back. */
    void stop() {
        timer.cancel();
        for (TcpConnection conn : table.slots()) {
            if (conn != null) {
                conn.releaseMemory();
            }
        }
    }

    /** Connections in the table now (TIME-WAIT included). */
    public int connections() {
        return table.size();
    }
}
