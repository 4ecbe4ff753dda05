package org.netstack4j.stack.tcp;

import org.netstack4j.buffer.ChunkPool;
import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.wire.IcmpPacket;
import org.netstack4j.wire.TcpOptions;
import org.netstack4j.wire.TcpSegment;
import org.netstack4j.wire.TcpSequence;

import static org.netstack4j.wire.TcpSegment.ACK;
import static org.netstack4j.wire.TcpSegment.FIN;
import static org.netstack4j.wire.TcpSegment.PSH;
import static org.netstack4j.wire.TcpSegment.RST;
import static org.netstack4j.wire.TcpSegment.SYN;
import static org.netstack4j.wire.TcpSequence.ge;
import static org.netstack4j.wire.TcpSequence.gt;
import static org.netstack4j.wire.TcpSequence.le;
import static org.netstack4j.wire.TcpSequence.lt;

/**
 * One TCP connection (a TCB, RFC 9293 3.3.1): its state machine, both directions of its byte
 * stream and its timers, driven by three kinds of call, all on the owning host's loop: a segment
 * arrives ({@link #input}), the application reads, writes or closes, and time passes ({@link
 * #onTimer} when {@link #nextDeadline} comes). Segments go out through an {@link Output}. Nothing
 * here knows about hosts, sockets or threads, so a connection can be driven by crafted segments
 * in a test.
 *
 * <p>Sending: data the application wrote waits in a ring until acknowledged; the sender sends
 * what the peer's window and the congestion window allow, in segments of the peer's MSS, with
 * Nagle's rule unless no-delay is set; the retransmission timer (RFC 6298) resends from the first
 * unacknowledged byte, and three duplicate ACKs resend it at once (fast retransmit); the congestion
 * window is CUBIC's or NewReno's, as the configuration says ({@link CongestionControl}). A zero window is
 * probed on the same timer. Receiving: in-order data goes to the ring the application reads;
 * out-of-order data is kept in place in the same ring (it lies inside the window, which is the
 * ring's free space) with its ranges in {@link ReceivedRanges}, and reported by SACK. The right
 * edge of the offered window never moves left, and moves right only in steps worth announcing
 * (receiver-side silly-window avoidance).
 */
public final class TcpConnection {

    /** Where a connection's segments go: buffers to build them in, and the send itself. */
    public interface Output {
        /** An empty buffer with room in front for the IP and link headers; null if none is free now. */
        PacketBuffer take();

        /**
         * An empty buffer for a segment of {@code payload} data bytes: one beyond the MSS (a
         * segmentation request) needs a large one, which {@link #segmentationLimit} has promised.
         */
        default PacketBuffer take(int payload) {
            return take();
        }

        /**
         * The most data one segment to this connection's peer may carry now, if more than an MSS:
         * when the device on the way cuts segments into frames itself (TSO) and a buffer for one
         * is free. 0 (the default): segments of at most an MSS.
         */
        default int segmentationLimit(TcpConnection connection) {
            return 0;
        }

        /**
         * True if segments may leave their checksum to be summed further down (Linux's
         * CHECKSUM_PARTIAL): by the card, or by IPv4 when the device cannot. False (the default):
         * each segment's checksum is complete when it is handed over.
         */
        default boolean leavesChecksum() {
            return false;
        }

        /** A whole segment, header and checksum written, starting at the buffer's data. Takes the buffer. */
        void send(TcpConnection connection, PacketBuffer segment);

        /** The host's stream memory, which both directions' bytes are kept in while they wait. */
        ChunkPool memory();

        /** An empty log of segments in flight, taken when the first goes out (a host hands out pooled ones). */
        default SentSegments takeLog() {
            return new SentSegments();
        }

        /** A log no longer used: everything in it was acknowledged. */
        default void giveBack(SentSegments log) {
        }

        /** A segment dropped, or an answer sent or held back, for the host's counters (nothing by default). */
        default void count(Event event) {
        }

        /**
         * The connection offered less window than its buffer would, because the host's stream memory
         * is under pressure: once pressure ends it is owed {@link #memoryPressureEnded} (nothing by default).
         */
        default void windowClamped(TcpConnection connection) {
        }
    }

    /** What a connection tells its host's counters of, as it happens. */
    public enum Event {
        /** A segment older than the last one's timestamp (PAWS, RFC 7323 5). */
        PAWS_DROPPED,
        /** A segment outside the receive window. */
        OUT_OF_WINDOW_DROPPED,
        /** Out-of-order data needing a new range when every range is in use. */
        OUT_OF_ORDER_FULL_DROPPED,
        /** In-order data dropped because the host's stream memory was spent, even after pruning (Linux's TCPRcvQDrop). */
        RCVQ_NO_MEMORY_DROPPED,
        /** Out-of-order data dropped for want of stream memory (the hard limit reached). */
        OFO_NO_MEMORY_DROPPED,
        /** Memory was refused to received data: out-of-order data beyond it is pruned if there is some (Linux's PruneCalled). */
        PRUNE_CALLED,
        /** One out-of-order range given up to make room for data before it (Linux's OfoPruned). */
        OFO_PRUNED,
        /** A challenge ACK sent (RFC 5961). */
        CHALLENGE_ACK,
        /** An answer to an unacceptable segment held back by the 500 ms rate limit. */
        ACK_RATE_LIMITED,
        /** The retransmission timer expired with data (or a SYN) unacknowledged. */
        TIMEOUT,
        /** A tail loss probe sent (RFC 8985 7): the last segment again, well before the timer. */
        TAIL_PROBE,
        /** RACK found a retransmission lost (a segment sent after it was delivered first). */
        LOST_RETRANSMIT,
        /** A D-SACK received: the peer got a segment twice (RFC 2883). */
        DSACK_RECEIVED,
        /** A D-SACK sent: we got a segment twice. */
        DSACK_SENT,
        /** A window reduction undone: D-SACK showed every retransmission of it needless. */
        RECOVERY_UNDONE,
        /** The peer dropped data it had SACKed (RFC 2018 8: reneging), seen as an ACK that stops at it. */
        SACK_RENEGED
    }

    /** Why a connection ended other than by an orderly close. */
    public enum Failure { RESET, REFUSED, TIMED_OUT, ABORTED, UNREACHABLE }

    /** RFC 9293 3.7.1: the MSS assumed when the peer sends none. */
    public static final int DEFAULT_PEER_MSS = 536;
    /** The least segment size path MTU discovery goes down to (an MTU of 128). */
    static final int MIN_PATH_MSS = 88;
    private static final int TIMESTAMP_OPTION_BYTES = 12;
    /** The timestamp clock: milliseconds (RFC 7323 5.4 asks for 1 ms to 1 s per tick). */
    private static final long TS_TICK_NANOS = 1_000_000L;
    /** The shortest wait before a tail loss probe (RFC 8985: 2 SRTT, here at least 10 ms). */
    private static final long TAIL_PROBE_MIN_NANOS = 10_000_000L;
    /** RFC 8985's WCDelAckT: how long a peer may hold the ACK of a lone segment. */
    private static final long WORST_DELAYED_ACK_NANOS = 200_000_000L;
    static final long OUT_OF_WINDOW_ACK_INTERVAL_NANOS = 500_000_000L;
    /** How much of a flow's rate one TSO segment may carry: Linux's 1 ms (sk_pacing_shift 10). */
    private static final long TSO_BURST_NANOS = 1_000_000L;

    private final TcpConfig config;
    private final Output out;
    private final int localAddress;
    private final int localPort;
    private final int remoteAddress;
    private final int remotePort;
    private final TcpOptions scratch = new TcpOptions();
    private TcpState state = TcpState.CLOSED;
    private Object attachment;
    private Failure failure;

    // ==== Send side (RFC 9293 3.3.1's SND.*) ====
    private final int iss;
    private int sndUna;
    private int sndNxt;
    /** The highest sequence number sent so far plus one: ACKs up to it are acceptable after a go-back. */
    private int sndMax;
    private long sndWnd;
    private long maxSndWnd;
    private int sndWl1;
    private int sndWl2;
    private int sndShift;
    private int peerMss = DEFAULT_PEER_MSS;
    private final ByteRing sendRing;
    /** The sequence number of the first byte in {@link #sendRing}. */
    private int ringSeq;
    private boolean finQueued;
    private final RttEstimator rtt;
    private CongestionControl cc;
    private int timedSeq;
    private long timedAt = -1;
    private int retransmits;
    /** The timestamp of the last retransmission (Karn's rule with timestamps); -1 before any. */
    private long lastRetransmitTs = -1;
    /** What the peer has said it holds beyond SND.UNA (SACK blocks): never sent again while it holds it. */
    private final ReceivedRanges sacked;
    /** With SACK, every segment in flight, when it was sent and what became of it (null while none is). */
    private SentSegments sent;
    private final Rack rack = new Rack();
    private final RecoveryUndo undo = new RecoveryUndo();
    /** The recovery under way was entered on RACK's verdict (with SACK), not on duplicate ACKs alone. */
    private boolean lossFoundBySack;
    /** After a timeout, until what was outstanding then is acknowledged: no fast recovery meanwhile. */
    private boolean rtoRecovery;
    private int rtoRecoveryPoint;

    // ==== Receive side ====
    private int irs;
    private int rcvNxt;
    private final int rcvShift;
    private final ByteRing receiveRing;
    /** The sequence number of the first byte in {@link #receiveRing}: the next the application reads. */
    private int readSeq;
    /** The right edge of the window last offered: never moves left. */
    private int rcvRightEdge;
    private final ReceivedRanges outOfOrder;
    private boolean peerFin;
    private int peerFinSeq;
    private int segmentsUnacked;
    /** A duplicate received, to report in the next ACK's first SACK block (D-SACK, RFC 2883). */
    private boolean dsackPending;
    private int dsackLeft;
    private int dsackRight;
    /** The window offered was cut short by memory pressure, and the host has been told (windowClamped). */
    private boolean windowClamped;
    /** The application has read all there was and waits for more: the pool's reserve is for such a reader. */
    private boolean readerWaiting;

    // ==== Options negotiated ====
    private boolean timestamps;
    private boolean sackOk;
    private boolean peerScales;
    private int tsRecent;
    private int lastAckSent;

    // ==== Timers (nanoseconds; -1 when not armed) ====
    private long retransmitAt = -1;
    /** RACK's reordering timer: when a segment's time to be delivered is up. */
    private long rackTimerAt = -1;
    private long delayedAckAt = -1;
    private long timeWaitAt = -1;
    /** When the peer was last heard from (an acceptable segment): keepalive counts from here. */
    private long heardAt;
    private int keepAliveProbesSent;
    private boolean keepAlive;
    private boolean noDelay;
    private long userTimeoutNanos;
    /** Since when sent data has waited for an ACK that moves SND.UNA, or a zero window to open; -1 if nothing waits. */
    private long stalledSince = -1;
    /** The last ICMP error that did not end the connection (RFC 1122 4.2.3.9's soft errors), or null. */
    private String softError;

    // ==== Counters ====
    private long segmentsIn;
    private long segmentsOut;
    private long retransmitted;
    private long bytesAcked;
    private long bytesReceived;
    private long droppedOutOfWindow;
    private long droppedOutOfOrderFull;
    private long droppedNoBuffer;
    private long droppedNoMemory;
    private long challengeAcks;
    /** Tail loss probe (RFC 8985 7): when one is due (-1: none), and whether this flight had its probe. */
    private long tailProbeAt = -1;
    private boolean tailProbeSent;
    private long outOfWindowAcksSuppressed;
    private long lastOutOfWindowAck = -1;

    private TcpConnection(TcpConfig config, Output out, int localAddress, int localPort, int remoteAddress,
                          int remotePort, int iss) {
        this.config = config;
        this.out = out;
        this.localAddress = localAddress;
        this.localPort = localPort;
        this.remoteAddress = remoteAddress;
        this.remotePort = remotePort;
        this.iss = iss;
        this.sndUna = iss;
        this.sndNxt = iss;
        this.sndMax = iss;
        this.ringSeq = iss + 1;
        this.sendRing = new ByteRing(config.sendBuffer(), out.memory());
        this.receiveRing = new ByteRing(config.receiveBuffer(), out.memory());
        this.outOfOrder = new ReceivedRanges(config.outOfOrderRanges());
        this.sacked = new ReceivedRanges(config.outOfOrderRanges());
        this.rcvShift = config.windowShift();
        this.rtt = new RttEstimator(config.minRtoNanos(), config.maxRtoNanos(), TS_TICK_NANOS);
        this.cc = config.congestionControl().create(DEFAULT_PEER_MSS);
        this.keepAlive = config.keepAlive();
        this.noDelay = config.noDelay();
        this.userTimeoutNanos = config.userTimeoutNanos();
    }

    /** An active open: sends a SYN and waits in SYN-SENT. */
    public static TcpConnection connect(TcpConfig config, Output out, int localAddress, int localPort,
                                        int remoteAddress, int remotePort, int iss, long now) {
        TcpConnection c = new TcpConnection(config, out, localAddress, localPort, remoteAddress, remotePort, iss);
        c.heardAt = now;
        c.state = TcpState.SYN_SENT;
        c.sendSyn(now);
        return c;
    }

    /**
     * A passive open: {@code syn} (checked, its options in {@code synOptions}) arrived at a
     * listener; answers with a SYN-ACK and waits in SYN-RECEIVED.
     */
    public static TcpConnection accept(TcpConfig config, Output out, int localAddress, int remoteAddress,
                                       PacketBuffer syn, TcpOptions synOptions, int iss, long now) {
        TcpConnection c = new TcpConnection(config, out, localAddress, TcpSegment.destinationPort(syn),
                remoteAddress, TcpSegment.sourcePort(syn), iss);
        c.heardAt = now;
        c.state = TcpState.SYN_RECEIVED;
        c.learnFromSyn(syn, synOptions, now);
        c.sndWnd = TcpSegment.window(syn); // a SYN's window is never scaled
        c.maxSndWnd = c.sndWnd;
        c.sndWl1 = TcpSegment.sequence(syn);
        c.sndWl2 = iss;
        c.sendSyn(now);
        return c;
    }

    /**
     * A connection from a SYN cookie ({@link SynCookies}): the peer acknowledges a SYN-ACK that
     * was sent with sequence number {@code iss} and not kept. It starts in SYN-RECEIVED as if this
     * connection had sent that SYN-ACK, with what the cookie carried ({@code cookieOptions}) and
     * the ACK's timestamp; the caller then gives it the ACK through {@link #input}, which
     * establishes it.
     */
    public static TcpConnection fromCookie(TcpConfig config, Output out, int localAddress, int localPort,
                                           int remoteAddress, int remotePort, int peerIsn, int iss, int cookieOptions,
                                           int tsVal, long now) {
        TcpConnection c = new TcpConnection(config, out, localAddress, localPort, remoteAddress, remotePort, iss);
        c.heardAt = now;
        c.state = TcpState.SYN_RECEIVED;
        c.learn(peerIsn, SynCookies.mss(cookieOptions), SynCookies.windowScale(cookieOptions),
                SynCookies.sack(cookieOptions), SynCookies.timestamps(cookieOptions), tsVal);
        c.sndNxt = iss + 1;
        c.sndMax = iss + 1;
        c.sndWl1 = peerIsn;
        c.sndWl2 = iss;
        return c;
    }

    /**
     * RFC 6191: a SYN for this 4-tuple that finds the connection in TIME-WAIT may start a new
     * incarnation when it cannot be an old duplicate: its timestamp is newer than the last one
     * seen (timestamps in use), else its sequence number lies beyond what this one received. Then
     * TIME-WAIT ends here (CLOSED) and true is returned: the caller hands the SYN to the listener.
     * Anything else in TIME-WAIT is handled by {@link #input}.
     */
    public boolean endTimeWaitFor(int synSeq, TcpOptions synOptions) {
        if (state != TcpState.TIME_WAIT) {
            return false;
        }
        boolean newer = timestamps && synOptions.hasTimestamps ? gt(synOptions.tsVal, tsRecent) : gt(synSeq, rcvNxt);
        if (!newer) {
            return false;
        }
        timeWaitAt = -1;
        state = TcpState.CLOSED;
        return true;
    }

    // ==== Segment arrives (RFC 9293 3.10.7) ==============================================

    /**
     * A segment for this connection: {@code seg} starts at its TCP header and has passed {@link
     * TcpSegment#check}; {@code options} holds its parsed options. The caller keeps the buffer.
     */
    public void input(PacketBuffer seg, TcpOptions options, long now) {
        segmentsIn++;
        switch (state) {
            case CLOSED -> { }
            case SYN_SENT -> synSentInput(seg, options, now);
            default -> synchronizedInput(seg, options, now);
        }
        transmit(now);
    }

    private void synSentInput(PacketBuffer seg, TcpOptions options, long now) {
        int flags = TcpSegment.flags(seg);
        int ack = TcpSegment.acknowledgment(seg);
        boolean ackOk = (flags & ACK) != 0 && gt(ack, iss) && le(ack, sndMax);
        if ((flags & ACK) != 0 && !ackOk) {
            if ((flags & RST) == 0) {
                sendReset(ack, 0, false);
            }
            return;
        }
        if ((flags & RST) != 0) {
            if (ackOk) {
                fail(Failure.REFUSED);
            }
            return;
        }
        if ((flags & SYN) == 0) {
            return;
        }
        learnFromSyn(seg, options, now);
        if (ackOk) {
            sampleRtt(ack, options, now);
            acknowledge(ack, now);
            state = TcpState.ESTABLISHED;
            setWindow(seg, TcpSegment.sequence(seg), ack);
            sendAck(now);
        } else {
            state = TcpState.SYN_RECEIVED; // simultaneous open: our SYN again, now with an ACK
            sndWnd = TcpSegment.window(seg);
            sndNxt = iss;
            sendSyn(now);
        }
    }

    /** The options and sequence number a SYN (or SYN-ACK) brings. */
    private void learnFromSyn(PacketBuffer syn, TcpOptions options, long now) {
        learn(TcpSegment.sequence(syn), options.mss, options.windowScale, options.sackPermitted,
                options.hasTimestamps, options.tsVal);
    }

    /** The peer's initial sequence number and what its SYN offered ({@code windowScale} -1: no scaling). */
    private void learn(int peerIsn, int mss, int windowScale, boolean sackPermitted, boolean hasTimestamps, int tsVal) {
        irs = peerIsn;
        rcvNxt = irs + 1;
        readSeq = rcvNxt;
        rcvRightEdge = rcvNxt + Math.min(config.receiveBuffer(), 0xFFFF << rcvShift);
        if (mss > 0) {
            peerMss = Math.max(64, mss);
        }
        peerScales = config.windowScaling() && windowScale >= 0;
        sndShift = peerScales ? windowScale : 0;
        timestamps = config.timestamps() && hasTimestamps;
        if (timestamps) {
            tsRecent = tsVal;
        }
        sackOk = config.sack() && sackPermitted;
        cc = config.congestionControl().create(sendMss());
    }

    private void synchronizedInput(PacketBuffer seg, TcpOptions options, long now) {
        int flags = TcpSegment.flags(seg);
        int seq = TcpSegment.sequence(seg);
        int length = TcpSegment.sequenceLength(seg);
        if (timestamps && options.hasTimestamps && (flags & RST) == 0 && lt(options.tsVal, tsRecent)) {
            droppedOutOfWindow++; // PAWS (RFC 7323 5.3): an old duplicate
            out.count(Event.PAWS_DROPPED);
            reportDuplicateIfOld(seg, seq);
            outOfWindowAck(seg, now);
            return;
        }
        if (!acceptable(seq, length)) {
            droppedOutOfWindow++;
            out.count(Event.OUT_OF_WINDOW_DROPPED);
            reportDuplicateIfOld(seg, seq);
            if ((flags & RST) == 0) {
                outOfWindowAck(seg, now);
            }
            if (seq == rcvNxt && TcpSequence.distance(rcvNxt, rcvRightEdge) == 0 && (flags & (RST | SYN)) == 0
                    && (flags & ACK) != 0 && state != TcpState.SYN_RECEIVED) {
                // RFC 9293 3.10.7.4: our window is zero, so the data cannot be taken, but the ACK (with
                // its SACK blocks and window) is valid and is: two ends that both send and both stopped
                // reading would otherwise ignore each other's acknowledgments until a timeout.
                heardAt = now;
                processAck(seg, options, seq, TcpSegment.acknowledgment(seg), length, now);
            }
            return;
        }
        heardAt = now;
        keepAliveProbesSent = 0;
        if ((flags & RST) != 0) {
            if (seq == rcvNxt) {
                fail(Failure.RESET);
            } else {
                challengeAck(now); // RFC 5961 3: in the window but not exact, perhaps blind
            }
            return;
        }
        if ((flags & SYN) != 0) {
            challengeAck(now); // RFC 5961 4: a SYN in a synchronized state
            return;
        }
        if ((flags & ACK) == 0) {
            return;
        }
        if (timestamps && options.hasTimestamps && le(seq, lastAckSent) && ge(options.tsVal, tsRecent)) {
            tsRecent = options.tsVal; // RFC 7323 4.3
        }
        int ack = TcpSegment.acknowledgment(seg);
        if (state == TcpState.SYN_RECEIVED) {
            if (!(gt(ack, sndUna) && le(ack, sndMax))) {
                sendReset(ack, 0, false);
                return;
            }
            state = TcpState.ESTABLISHED;
            setWindow(seg, seq, ack);
        }
        if (!processAck(seg, options, seq, ack, length, now)) {
            return;
        }
        if (state.receivesData()) {
            receive(seg, seq, now);
        }
        if ((flags & FIN) != 0) {
            int finAt = seq + TcpSegment.payloadLength(seg);
            if (!peerFin || finAt == peerFinSeq) {
                peerFin = true;
                peerFinSeq = finAt;
            }
        }
        boolean wasTimeWait = state == TcpState.TIME_WAIT;
        takeFinIfDue(now);
        if (wasTimeWait && (flags & FIN) != 0) {
            timeWaitAt = now + config.timeWaitNanos(); // the peer resent its FIN: our ACK was lost
            sendAck(now);
        }
    }

    /** RFC 9293 3.10.7.4's acceptability test, against the window offered. */
    private boolean acceptable(int seq, int length) {
        int window = TcpSequence.distance(rcvNxt, rcvRightEdge);
        if (length == 0) {
            return window == 0 ? seq == rcvNxt : TcpSequence.inWindow(seq, rcvNxt, rcvRightEdge);
        }
        if (window == 0) {
            return false;
        }
        return TcpSequence.inWindow(seq, rcvNxt, rcvRightEdge)
                || TcpSequence.inWindow(seq + length - 1, rcvNxt, rcvRightEdge);
    }

    /** The ACK field: what it acknowledges, the window, duplicates. False if the segment is to be dropped. */
    private boolean processAck(PacketBuffer seg, TcpOptions options, int seq, int ack, int length, long now) {
        if (gt(ack, sndMax)) {
            outOfWindowAck(now); // acknowledges what we never sent
            return false;
        }
        if (lt(ack, sndUna - (int) Math.min(maxSndWnd, Integer.MAX_VALUE))) {
            challengeAck(now); // RFC 5961 5.2: older than any window we were offered, perhaps injected data
            return false;
        }
        if (lt(ack, sndUna)) {
            return true; // an old ACK: its data may still be new
        }
        long flightBefore = TcpSequence.distance(sndUna, sndMax);
        boolean dsack = false;
        if (sackOk) {
            for (int i = 0; i < options.sackBlocks; i++) {
                if (i == 0 && isDsack(options, ack)) {
                    dsack = true;
                    duplicateReported(options.sackLeft[0], options.sackRight[0], now);
                    continue;
                }
                int left = TcpSequence.max(options.sackLeft[i], ack);
                int right = TcpSequence.min(options.sackRight[i], sndMax);
                if (lt(left, right)) {
                    sacked.add(left, right); // when the scoreboard is full, the block is just not used
                    if (sent != null) {
                        sent.sack(left, right, rack, now);
                    }
                }
            }
        }
        if (gt(ack, sndUna)) {
            int acked = TcpSequence.distance(sndUna, ack);
            boolean recoveryBefore = cc.inRecovery();
            boolean sackRecoveryBefore = sackRecovery(); // before the ACK clears the scoreboard below it
            sampleRtt(ack, options, now);
            acknowledge(ack, now);
            cc.onAck(acked, ack, flightBefore, now, rtt.srttNanos());
            if (recoveryBefore && !cc.inRecovery()) {
                if (sackRecoveryBefore) {
                    cc.onSackRecoveryEnd();
                }
                rack.onRecoveryEnd();
                undo.recoveryEnded(sndMax);
            }
            if (cc.inRecovery() && lt(sndUna, sndMax) && !sackRecovery()) {
                retransmitFirst(now); // a partial ACK in recovery (RFC 6582): the next hole
            }
            updateWindow(seg, seq, ack);
        } else if (length == 0 && TcpSegment.window(seg) << sndShift == sndWnd && lt(sndUna, sndMax)) {
            // Duplicate ACKs count only without SACK information: with it, RACK finds the loss.
            if (sacked.count() == 0 || sent == null) {
                long cwndBefore = cc.cwnd();
                long ssthreshBefore = cc.ssthresh();
                if (cc.onDuplicateAck(flightBefore, sndMax)) {
                    lossFoundBySack = false;
                    undo.begin(sndUna, cwndBefore, ssthreshBefore);
                    fastRetransmit(now);
                }
            }
        } else {
            updateWindow(seg, seq, ack);
        }
        rack.onAck(dsack, sndUna, sndNxt);
        if (sent != null && sent.count() > 0 && sent.has(0, SentSegments.SACKED)) {
            renegingSeen(now);
        } else if (sent != null && sacked.count() > 0) {
            detectLosses(now);
        }
        ourFinAcknowledged(now);
        return true;
    }

    /**
     * The cumulative ACK stopped where SACKed data begins: the peer no longer holds what it SACKed
     * (it may, RFC 2018 8: a receiver short of memory prunes). Nothing counts as SACKed any more,
     * and the timer is brought forward to half a round trip (10 ms at least), as Linux does, so
     * the data goes again without waiting out a full timeout or two.
     */
    private void renegingSeen(long now) {
        out.count(Event.SACK_RENEGED);
        sacked.clear();
        sent.forgetSacks();
        rackTimerAt = -1;
        long srtt = rtt.srttNanos();
        long soon = now + Math.max(srtt < 0 ? 0 : srtt / 2, TAIL_PROBE_MIN_NANOS);
        if (retransmitAt < 0 || soon < retransmitAt) {
            retransmitAt = soon;
        }
    }

    /** RFC 2883 4: the first block is a D-SACK if it lies below the ACK or inside the second block. */
    private static boolean isDsack(TcpOptions options, int ack) {
        int left = options.sackLeft[0];
        int right = options.sackRight[0];
        return le(right, ack) || options.sackBlocks > 1
                && TcpSequence.ge(left, options.sackLeft[1]) && le(right, options.sackRight[1]);
    }

    /**
     * The peer got {@code left..right} twice; if that shows every retransmission of a reduction
     * needless, undo it. Within the window only a range we sent again counts (a copy the network
     * made proves nothing); below it the log is gone, and it counts, as in Linux.
     */
    private void duplicateReported(int left, int right, long now) {
        out.count(Event.DSACK_RECEIVED);
        boolean ours = le(right, sndUna) || sent != null && sent.wasRetransmitted(left, right);
        if (ours && undo.duplicateReported(right)) {
            cc.undo(undo.priorCwnd(), undo.priorSsthresh());
            out.count(Event.RECOVERY_UNDONE);
        }
    }

    /**
     * RACK's verdicts (RFC 8985 6.2): marks lost what a later delivery shows lost, enters recovery
     * on a first loss (not while a timeout's go-back resends everything anyway), and arms the
     * reordering timer for segments whose time is not yet up.
     */
    private void detectLosses(long now) {
        long lostBefore = sent.lostBytes();
        long wait = rack.detectLoss(sent, now, rtt.srttNanos(), cc.inRecovery() || rtoRecovery);
        rackTimerAt = wait > 0 ? now + wait : -1;
        for (int i = rack.takeLostRetransmits(); i > 0; i--) {
            out.count(Event.LOST_RETRANSMIT);
        }
        if (sent.lostBytes() > lostBefore && !cc.inRecovery() && !rtoRecovery) {
            long cwndBefore = cc.cwnd();
            long ssthreshBefore = cc.ssthresh();
            if (cc.onSackedLoss(TcpSequence.distance(sndUna, sndMax), sndMax)) {
                lossFoundBySack = true;
                undo.begin(sndUna, cwndBefore, ssthreshBefore);
            }
        }
    }

    private void sampleRtt(int ack, TcpOptions options, long now) {
        if (timestamps && options.hasTimestamps && options.tsEcr != 0) {
            // Karn's rule with timestamps: an echo of a transmission older than the last
            // retransmission would time the whole loss episode, not a round trip (an ACK of an old
            // duplicate echoes the last in-order segment, RFC 7323 4.3).
            if (lastRetransmitTs >= 0 && lt(options.tsEcr, (int) lastRetransmitTs)) {
                return;
            }
            long ms = timestampClock(now) - Integer.toUnsignedLong(options.tsEcr);
            if (ms >= 0 && ms < 600_000) {
                rtt.sample(ms * TS_TICK_NANOS);
            }
        } else if (timedAt >= 0 && gt(ack, timedSeq)) {
            rtt.sample(now - timedAt);
        }
        if (timedAt >= 0 && gt(ack, timedSeq)) {
            timedAt = -1;
        }
    }

    /** SND.UNA moves to {@code ack}: frees acknowledged data, restarts or stops the timer. */
    private void acknowledge(int ack, long now) {
        tailProbeAt = -1; // progress: the next probe is timed from here
        tailProbeSent = false;
        int dataStart = TcpSequence.max(sndUna, ringSeq);
        int dataAcked = Math.max(0, Math.min(TcpSequence.distance(dataStart, ack), sendRing.length()
                - TcpSequence.distance(ringSeq, dataStart)));
        if (dataAcked > 0) {
            sendRing.skip(dataAcked);
            ringSeq += dataAcked;
            bytesAcked += dataAcked;
        }
        sndUna = ack;
        if (lt(sndNxt, sndUna)) {
            sndNxt = sndUna;
        }
        sacked.advance(sndUna);
        if (sent != null) {
            sent.acknowledge(ack, rack, now);
            if (sent.isEmpty()) {
                out.giveBack(sent); // nothing in flight: an idle connection holds no log
                sent = null;
                rackTimerAt = -1;
            }
        }
        if (rtoRecovery && TcpSequence.ge(ack, rtoRecoveryPoint)) {
            rtoRecovery = false;
            rack.onRecoveryEnd();
            undo.recoveryEnded(sndMax);
        }
        undo.acknowledged(ack);
        retransmits = 0;
        sendRing.releaseIfEmpty(true);
        retransmitAt = sndUna == sndMax ? -1 : now + rtt.rtoNanos();
        stalledSince = sndUna == sndMax ? -1 : now; // progress: the user timeout counts again from here
    }

    /** The peer's window, from a segment newer than the one it was last taken from (RFC 9293 3.10.7.4). */
    private void updateWindow(PacketBuffer seg, int seq, int ack) {
        if (lt(sndWl1, seq) || (sndWl1 == seq && le(sndWl2, ack))) {
            setWindow(seg, seq, ack);
        }
    }

    /** Takes the window of {@code seg} as it is (on entering ESTABLISHED, and from newer segments). */
    private void setWindow(PacketBuffer seg, int seq, int ack) {
        int shift = (TcpSegment.flags(seg) & SYN) != 0 ? 0 : sndShift;
        sndWnd = (long) TcpSegment.window(seg) << shift;
        maxSndWnd = Math.max(maxSndWnd, sndWnd);
        sndWl1 = seq;
        sndWl2 = ack;
    }

    private void ourFinAcknowledged(long now) {
        boolean finAcked = finQueued && sndUna == sndMax && sndMax == finSeq() + 1;
        if (!finAcked) {
            return;
        }
        switch (state) {
            case FIN_WAIT_1 -> state = TcpState.FIN_WAIT_2;
            case CLOSING -> enterTimeWait(now);
            case LAST_ACK -> state = TcpState.CLOSED;
            default -> { }
        }
    }

    /** Data of an acceptable segment: in order to the ring, out of order in place and in the ranges. */
    private void receive(PacketBuffer seg, int seq, long now) {
        int header = TcpSegment.headerLength(seg);
        int length = TcpSegment.payloadLength(seg);
        if (length == 0) {
            return;
        }
        // Trim to the window: what lies before RCV.NXT was had, what lies past the right edge is not ours yet.
        int skip = Math.max(0, TcpSequence.distance(seq, rcvNxt));
        int end = TcpSequence.min(seq + length, rcvRightEdge);
        int from = seq + skip;
        int n = TcpSequence.distance(from, end);
        if (n <= 0) {
            sendAck(now); // a duplicate: tell the sender where we are
            return;
        }
        if (skip > 0) {
            reportDuplicate(seq, rcvNxt); // its front was had already
        }
        int offset = TcpSequence.distance(readSeq, from);
        if (from != rcvNxt) {
            if (outOfOrder.covers(from, end)) {
                reportDuplicate(from, end); // held out of order already: the sender resent it needlessly
                sendAck(now);
                return;
            }
            if (!outOfOrder.hasRoomFor(from, end)) {
                droppedOutOfOrderFull++;
                out.count(Event.OUT_OF_ORDER_FULL_DROPPED);
                return;
            }
            // Short of the hard limit out-of-order data takes memory (the window bounds it); at the
            // limit it may take that of out-of-order data beyond it, as data in order may (storeInOrder).
            if (!receiveRing.writeAt(offset, seg, header + skip, n, ByteRing.Take.ORDINARY)
                    && !pruneToFit(offset, seg, header + skip, n, end, false)) {
                droppedNoMemory++; // the peer sends it again
                out.count(Event.OFO_NO_MEMORY_DROPPED);
                return;
            }
            outOfOrder.add(from, end);
            sendAck(now); // out of order: a duplicate ACK at once, with SACK (RFC 5681 4.2)
            return;
        }
        if (!storeInOrder(offset, seg, header + skip, n, end)) {
            droppedNoMemory++;
            out.count(Event.RCVQ_NO_MEMORY_DROPPED);
            sendAck(now); // at once, as Linux: the sender hears where we are (its duplicate ACKs resend it)
            return;
        }
        readerWaiting = false;
        int before = rcvNxt;
        boolean gapFilled = outOfOrder.count() > 0;
        rcvNxt = outOfOrder.advance(end);
        int added = TcpSequence.distance(before, rcvNxt);
        receiveRing.extend(added);
        bytesReceived += added;
        if (gapFilled || dsackPending || ++segmentsUnacked >= 2) {
            sendAck(now); // every second full segment, and at once when a hole closes
        } else if (delayedAckAt < 0) {
            delayedAckAt = now + config.delayedAckNanos();
        }
    }

    /** A data segment wholly before RCV.NXT (refused as old): reported as a duplicate. */
    private void reportDuplicateIfOld(PacketBuffer seg, int seq) {
        int length = TcpSegment.payloadLength(seg);
        if (length > 0 && le(seq + length, rcvNxt) && gt(seq + length, rcvNxt - receiveRing.capacity())) {
            reportDuplicate(seq, seq + length);
        }
    }

    /** {@code from..to} arrived twice: the next ACK's first SACK block says so (D-SACK, RFC 2883). */
    private void reportDuplicate(int from, int to) {
        if (sackOk) {
            dsackPending = true;
            dsackLeft = from;
            dsackRight = to;
        }
    }

    /**
     * Writes in-order data ({@code n} bytes ending at {@code end}) to the ring. When the host's
     * memory refuses it, this connection's out-of-order data beyond it goes first, the highest
     * range first, until it fits (Linux's tcp_prune_ofo_queue): the peer sends it again, and SACK
     * no longer reports it (RFC 2018 8 lets a receiver renege). Failing that, a connection with
     * nothing in order buffered whose application has read all and waits for more may take the
     * segment from the pool's reserve, so a reader that drains always gets more (Linux lets each
     * socket queue one skb under pressure). An application that never reads cannot hold the
     * reserve: the reserve is finite, where Linux's forced allocation only overshoots its count.
     */
    private boolean storeInOrder(int offset, PacketBuffer seg, int at, int n, int end) {
        return receiveRing.writeAt(offset, seg, at, n, ByteRing.Take.ORDINARY) || pruneToFit(offset, seg, at, n, end, true)
                || receiveRing.length() == 0 && readerWaiting
                && receiveRing.writeAt(offset, seg, at, n, ByteRing.Take.RESERVE);
    }

    /**
     * Memory was refused to data ending at {@code end}: gives up out-of-order ranges beyond it, the
     * highest first, until the data fits. Data nearer RCV.NXT is worth more: it is read sooner (as
     * Linux's tcp_prune_ofo_queue, which stops where the new segment would be the last). For data
     * {@code inOrder} that is any range reaching past it; for out-of-order data, ranges wholly
     * past it (one it touches would only grow by it).
     */
    private boolean pruneToFit(int offset, PacketBuffer seg, int at, int n, int end, boolean inOrder) {
        out.count(Event.PRUNE_CALLED);
        while (outOfOrder.count() > 0 && gt(inOrder ? outOfOrder.right(outOfOrder.count() - 1)
                : outOfOrder.left(outOfOrder.count() - 1), end)) {
            outOfOrder.dropHighest();
            out.count(Event.OFO_PRUNED);
            int keep = outOfOrder.count() > 0 ? TcpSequence.max(end, outOfOrder.right(outOfOrder.count() - 1)) : end;
            receiveRing.giveBackBeyond(TcpSequence.distance(readSeq, keep));
            if (receiveRing.writeAt(offset, seg, at, n, ByteRing.Take.ORDINARY)) {
                return true;
            }
        }
        return false;
    }

    /** The peer's FIN counts once every byte before it has arrived. */
    private void takeFinIfDue(long now) {
        if (!peerFin || rcvNxt != peerFinSeq || !state.receivesData()) {
            return;
        }
        rcvNxt++;
        switch (state) {
            case ESTABLISHED -> state = TcpState.CLOSE_WAIT;
            case FIN_WAIT_1 -> {
                if (finQueued && sndUna == sndMax && sndMax == finSeq() + 1) {
                    enterTimeWait(now);
                } else {
                    state = TcpState.CLOSING;
                }
            }
            case FIN_WAIT_2 -> enterTimeWait(now);
            default -> { }
        }
        sendAck(now);
    }

    private void enterTimeWait(long now) {
        state = TcpState.TIME_WAIT;
        retransmitAt = -1;
        delayedAckAt = -1;
        timeWaitAt = now + config.timeWaitNanos();
        sendRing.releaseIfEmpty(true);
    }

    // ==== The application ===================================================================

    /** Queues up to {@code n} bytes for sending; returns how many the send buffer took (0 when full). */
    public int write(byte[] src, int off, int n, long now) {
        if (finQueued || !(state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT
                || state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED)) {
            throw new IllegalStateException("connection is " + state + (finQueued ? ", output shut down" : ""));
        }
        int taken = sendRing.append(src, off, n);
        transmit(now);
        return taken;
    }

    /** Takes up to {@code n} received bytes; 0 if none wait (see {@link #endOfStream}). */
    public int read(byte[] dst, int off, int n, long now) {
        int got = receiveRing.read(dst, off, n);
        readSeq += got;
        readerWaiting = receiveRing.length() == 0;
        receiveRing.releaseIfEmpty(outOfOrder.count() == 0);
        // A window update only while the peer may still send (not after its FIN): a late one
        // would reach a peer that has closed, and be answered with RST.
        if (got > 0 && state.receivesData() && windowUpdateWorthSending()) {
            sendAck(now);
        }
        return got;
    }

    /** Bytes the application can read now. */
    public int readable() {
        return receiveRing.length();
    }

    /** Room in the send buffer now. */
    public int writable() {
        return finQueued ? 0 : sendRing.writable();
    }

    /** True when the send buffer has room that only the host's spent stream memory keeps from being used. */
    public boolean waitingForMemory() {
        return !finQueued && sendRing.free() > 0 && sendRing.writable() == 0;
    }

    /** RCV.NXT: the sequence number expected next from the peer. */
    int receiveNext() {
        return rcvNxt;
    }

    /** The peer's FIN has arrived (and every byte before it): no more data will come. */
    public boolean finReceived() {
        return peerFin && rcvNxt == peerFinSeq + 1;
    }

    /** The peer sent FIN and every byte before it has been read. */
    public boolean endOfStream() {
        return peerFin && rcvNxt == peerFinSeq + 1 && receiveRing.length() == 0;
    }

    /** No more data from this end: a FIN follows what was written (half-close). */
    public void shutdownOutput(long now) {
        if (finQueued) {
            return;
        }
        switch (state) {
            case SYN_SENT -> {
                state = TcpState.CLOSED;
                return;
            }
            case SYN_RECEIVED, ESTABLISHED -> state = TcpState.FIN_WAIT_1;
            case CLOSE_WAIT -> state = TcpState.LAST_ACK;
            default -> {
                return;
            }
        }
        finQueued = true;
        transmit(now);
    }

    // ==== ICMP errors (RFC 5927, RFC 1122 4.2.3.9, RFC 1191) ===============================

    /**
     * An ICMP error quoting one of our segments ({@code quotedSeq} its sequence number). Ignored
     * (false) unless it quotes data in flight: a blind attacker would have to guess it (RFC 5927
     * 4.1). "Fragmentation needed" lowers the segment size to the path's MTU and sends again; any
     * other error ends an opening connection (as Linux does) and is kept as a soft error by an
     * open one, named if the connection later times out.
     */
    public boolean onIcmpError(int type, int code, int nextHopMtu, int quotedSeq, String what, long now) {
        if (state == TcpState.CLOSED || state == TcpState.TIME_WAIT || !(ge(quotedSeq, sndUna) && lt(quotedSeq, sndMax))) {
            return false;
        }
        if (type == IcmpPacket.DESTINATION_UNREACHABLE && code == IcmpPacket.FRAGMENTATION_NEEDED) {
            // RFC 1191: a router without the MTU field (0) gets the smallest MTU every host takes.
            int mtu = nextHopMtu >= 68 ? nextHopMtu : 576;
            int mss = Math.max(MIN_PATH_MSS, mtu - 40);
            if (mss < peerMss) {
                peerMss = mss;
                timedAt = -1;
                sndNxt = sndUna; // what was sent too big was dropped: again, in smaller segments (no congestion signal)
                transmit(now);
            }
            return true;
        }
        softError = what;
        if (state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED) {
            fail(type == IcmpPacket.DESTINATION_UNREACHABLE && (code == IcmpPacket.PORT_UNREACHABLE
                    || code == IcmpPacket.PROTOCOL_UNREACHABLE) ? Failure.REFUSED : Failure.UNREACHABLE);
        }
        return true;
    }

    /** The last ICMP error that did not end the connection, in words, or null. */
    public String softError() {
        return softError;
    }

    /** Turns keepalive on or off for this connection (SO_KEEPALIVE); its times come from the configuration. */
    public void setKeepAlive(boolean on) {
        keepAlive = on;
    }

    /** Turns Nagle's algorithm off (TCP_NODELAY: small writes go out at once) or on. */
    public void setNoDelay(boolean on) {
        noDelay = on;
    }

    /** Sets the user timeout (RFC 5482; 0: none): how long sent data may wait for an acknowledgment. */
    public void setUserTimeout(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("user timeout must not be negative: " + nanos);
        }
        userTimeoutNanos = nanos;
    }

    /** Ends the connection at once with a RST; unsent and unread data are dropped. */
    public void abort() {
        if (state.synchronized_() || state == TcpState.SYN_RECEIVED) {
            sendReset(sndNxt, 0, false);
        }
        fail(Failure.ABORTED);
        releaseMemory();
    }

    // ==== Time ===========================================================================

    /** The next moment {@link #onTimer} has work, or -1 if none. */
    public long nextDeadline() {
        return earliest(earliest(earliest(retransmitAt, delayedAckAt), earliest(timeWaitAt, tailProbeAt)),
                earliest(earliest(keepAliveAt(), userTimeoutAt()), rackTimerAt));
    }

    /** When the next keepalive probe is due: only when keepalive is on and nothing waits to be sent or acknowledged. */
    private long keepAliveAt() {
        if (!keepAlive || !(state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT)
                || sndUna != sndMax || unsentBytes() > 0) {
            return -1;
        }
        return heardAt + config.keepAliveIdleNanos() + keepAliveProbesSent * config.keepAliveIntervalNanos();
    }

    private long userTimeoutAt() {
        if (userTimeoutNanos == 0 || !state.synchronized_()) {
            return -1;
        }
        return stalledSince < 0 ? -1 : stalledSince + userTimeoutNanos;
    }

    private static long earliest(long a, long b) {
        return a < 0 ? b : b < 0 ? a : Math.min(a, b);
    }

    /** Runs whatever timers are due at {@code now}. */
    public void onTimer(long now) {
        if (timeWaitAt >= 0 && now >= timeWaitAt) {
            timeWaitAt = -1;
            state = TcpState.CLOSED;
            return;
        }
        if (delayedAckAt >= 0 && now >= delayedAckAt) {
            sendAck(now);
        }
        long giveUpAt = userTimeoutAt();
        if (giveUpAt >= 0 && now >= giveUpAt) {
            fail(Failure.TIMED_OUT); // RFC 5482: the user timeout passed with nothing acknowledged
            return;
        }
        if (retransmitAt >= 0 && now >= retransmitAt) {
            retransmitAt = -1;
            tailProbeAt = -1;
            onRetransmitTimeout(now);
        }
        if (rackTimerAt >= 0 && now >= rackTimerAt) {
            rackTimerAt = -1;
            if (sent != null) {
                detectLosses(now);
            }
        }
        if (tailProbeAt >= 0 && now >= tailProbeAt) {
            tailProbeAt = -1;
            sendTailProbe(now);
        }
        long probeAt = keepAliveAt();
        if (probeAt >= 0 && now >= probeAt) {
            if (keepAliveProbesSent >= config.keepAliveProbes()) {
                fail(Failure.TIMED_OUT); // the peer is gone: keepalive's verdict
                return;
            }
            keepAliveProbesSent++;
            // SND.UNA - 1 with no data: the peer must answer with an ACK (RFC 1122 4.2.3.6).
            emit(ACK, sndUna - 1, 0, 0, now, false);
        }
        transmit(now);
    }

    private void onRetransmitTimeout(long now) {
        if (sndUna == sndMax) {
            if (unsentBytes() > 0) {
                sendWindowProbe(now);
            }
            return;
        }
        if (++retransmits > config.maxRetransmits()) {
            fail(Failure.TIMED_OUT);
            return;
        }
        out.count(Event.TIMEOUT);
        tailProbeSent = true; // after a timeout no probe until something new is acknowledged (RFC 8985 7.3)
        rtt.backOff();
        if (retransmits > 1) {
            sacked.clear(); // timeouts in a row: perhaps the peer dropped what it SACKed (RFC 2018 8)
            if (sent != null) {
                sent.forgetSacks();
            }
        }
        if (!undo.isOpen()) {
            undo.begin(sndUna, cc.cwnd(), cc.ssthresh());
        }
        cc.onTimeout(TcpSequence.distance(sndUna, sndMax));
        rtoRecovery = true;
        rtoRecoveryPoint = sndMax;
        rackTimerAt = -1;
        timedAt = -1; // Karn: nothing sent before this timeout times a round trip
        sndNxt = sndUna; // go back: resend from the first byte not acknowledged
        if (state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED) {
            retransmitted++;
            sendSyn(now);
        }
        retransmitAt = now + rtt.rtoNanos();
    }

    // ==== Sending ==========================================================================

    private int finSeq() {
        return ringSeq + sendRing.length();
    }

    private int unsentBytes() {
        int sentInRing = Math.max(0, TcpSequence.distance(ringSeq, sndNxt));
        return Math.max(0, sendRing.length() - sentInRing);
    }

    /**
     * The payload of a full segment now: the peer's MSS less the options every segment carries
     * (timestamps) and the SACK blocks ours carry while we hold out-of-order data (as Linux's
     * current MSS). Without the last, a full segment sent while both ends lose data is larger
     * than the path's MTU and is dropped before it leaves (DF).
     */
    private int sendMss() {
        return Math.max(1, peerMss - (timestamps ? TIMESTAMP_OPTION_BYTES : 0) - sackOptionBytes());
    }

    /** What the SACK blocks our segments carry take (0 without out-of-order data): as TcpOptions lays them out. */
    private int sackOptionBytes() {
        if (!sackOk || outOfOrder.count() == 0) {
            return 0;
        }
        int room = TcpOptions.MAX_LENGTH - (timestamps ? TIMESTAMP_OPTION_BYTES : 0) - 4; // NOP NOP kind length
        int blocks = Math.min(Math.min(outOfOrder.count(), TcpOptions.MAX_SACK_BLOCKS), room / 8);
        return 4 + 8 * blocks;
    }

    /** Sends what the windows allow: new data (or data again after a go-back), then a FIN. */
    private void transmit(long now) {
        if (!(state.synchronized_()) || state == TcpState.TIME_WAIT) {
            return;
        }
        while (true) {
            // In recovery with SACK (RFC 6675): the window is ssthresh, without NewReno's inflation, and
            // what is in flight is the pipe; the holes taken as lost go again before new data.
            boolean sackRecovery = sackRecovery();
            long window = Math.min(sndWnd, sackRecovery ? cc.ssthresh() : cc.cwnd());
            long inFlight = sackRecovery ? pipe() : TcpSequence.distance(sndUna, sndNxt);
            if (sackRecovery && retransmitLost(window - inFlight, now)) {
                continue;
            }
            skipSacked();
            int unsent = unsentBytes();
            if (unsent > 0) {
                int room = (int) Math.max(0, Math.min(window - inFlight, Integer.MAX_VALUE));
                int mss = sendMss();
                int limit = segmentLimit(mss);
                int len = Math.min(Math.min(unsent, limit), room);
                if (len > mss && len < unsent) {
                    len -= len % mss; // a large segment (TSO) is whole segments, but for the end of the data
                }
                if (limit > mss && len < unsent && len < Math.min(limit, window) / 3 && inFlight >= 2L * mss
                        && sndNxt == sndMax && sacked.count() == 0 && retransmits == 0 && !cc.inRecovery()) {
                    // TSO deferral (Linux's tcp_tso_should_defer): with data in flight and no sign of
                    // loss an ACK will open more room soon; a few segments now would each cost a
                    // descriptor pair. Never while recovering: new data is what brings the dupacks.
                    break;
                }
                len = Math.min(len, untilSacked());
                if (len <= 0 || !worthSending(len, unsent, inFlight)) {
                    break;
                }
                boolean last = len == unsent;
                if (!sendData(len, last && finQueued, now)) {
                    break;
                }
                continue;
            }
            if (finQueued && sndNxt == finSeq()) {
                sendData(0, true, now);
            }
            break;
        }
        if (retransmitAt < 0 && (sndUna != sndMax || unsentBytes() > 0)) {
            // Data in flight: the retransmission timer. Data held back with nothing in flight (a
            // window too small to use): the same timer persists, and probes when it fires.
            retransmitAt = now + rtt.rtoNanos();
        }
        armTailProbe(now);
    }

    /**
     * RFC 8985 7: with data in flight and no ACK for two round trips, a tail loss probe goes out
     * long before the retransmission timer, so a loss at the end of a flight (no segments behind
     * it to be SACKed) is found by the SACK the probe brings back, not by a timeout.
     */
    private void armTailProbe(long now) {
        long srtt = rtt.srttNanos();
        if (tailProbeAt >= 0 || tailProbeSent || !sackOk || srtt <= 0 || !lt(sndUna, sndMax) || cc.inRecovery()
                || state != TcpState.ESTABLISHED && state != TcpState.CLOSE_WAIT) {
            return;
        }
        long pto = Math.max(2 * srtt, TAIL_PROBE_MIN_NANOS);
        if (TcpSequence.distance(sndUna, sndMax) <= sendMss()) {
            pto += WORST_DELAYED_ACK_NANOS; // one segment out: its ACK may be delayed (RFC 8985 7.2)
        }
        long at = now + pto;
        if (retransmitAt < 0 || at < retransmitAt) {
            tailProbeAt = at;
        }
    }

    /** The probe: new data if there is some and room for it, else the last segment sent again. */
    private void sendTailProbe(long now) {
        if (!lt(sndUna, sndMax) || cc.inRecovery() || tailProbeSent) {
            return;
        }
        tailProbeSent = true;
        out.count(Event.TAIL_PROBE);
        long window = Math.min(sndWnd, cc.cwnd());
        int unsent = unsentBytes();
        if (unsent > 0 && TcpSequence.distance(sndUna, sndNxt) + Math.min(unsent, sendMss()) <= window) {
            sendData(Math.min(unsent, sendMss()), false, now);
            return;
        }
        int last = TcpSequence.min(sndMax, finSeq()); // the FIN, if sent, lies beyond: the timer resends it
        int len = Math.min(sendMss(), TcpSequence.distance(sndUna, last));
        if (len > 0) {
            resendAt(last - len, len, false, now);
        }
    }

    /** The most data one segment may carry now: an MSS, or whole MSSs up to what the device cuts (TSO). */
    private int segmentLimit(int mss) {
        // Not when the peer's MSS is above our own (our MTU's): the card's frames must fit our link.
        long limit = peerMss <= config.mss() ? out.segmentationLimit(this) : 0;
        long srtt = rtt.srttNanos();
        if (limit > mss && srtt > 0) {
            // Autosizing (Linux's tcp_tso_autosize): about a millisecond of the flow's rate, at least
            // two segments, so a burst of frames at line rate does not overrun a slower path's queue.
            limit = Math.min(limit, Math.max(2L * mss, cc.cwnd() * TSO_BURST_NANOS / srtt));
        }
        return limit > mss ? (int) (limit - limit % mss) : mss;
    }

    /** Sending again after a go-back: steps over what the peer has SACKed. */
    private void skipSacked() {
        for (int i = 0; i < sacked.count() && lt(sndNxt, sndMax); i++) {
            if (le(sacked.left(i), sndNxt) && lt(sndNxt, sacked.right(i))) {
                sndNxt = TcpSequence.min(sacked.right(i), sndMax);
            }
        }
    }

    /** Bytes from SND.NXT to the next SACKed range (so a resent segment does not cover it). */
    private int untilSacked() {
        for (int i = 0; i < sacked.count(); i++) {
            if (lt(sndNxt, sacked.left(i))) {
                return TcpSequence.distance(sndNxt, sacked.left(i));
            }
        }
        return Integer.MAX_VALUE;
    }

    /**
     * Nagle (RFC 896) and sender-side silly-window avoidance (RFC 1122 4.2.3.4), both for new
     * data: what was sent before goes again in whatever the window takes (after a timeout into a
     * window that shrank below a segment, holding it back would wait for a window that only its
     * acknowledgment can open).
     */
    private boolean worthSending(int len, int unsent, long inFlight) {
        if (len >= sendMss() || lt(sndNxt, sndMax)) {
            return true;
        }
        if (len == unsent && (inFlight == 0 || noDelay || finQueued)) {
            return true;
        }
        return maxSndWnd > 0 && len >= maxSndWnd / 2;
    }

    /** One segment of {@code len} bytes from SND.NXT, with FIN if {@code fin}. False if no buffer was free. */
    private boolean sendData(int len, boolean fin, long now) {
        int flags = ACK | (len > 0 && fin ? FIN | PSH : len > 0 ? PSH : fin ? FIN : 0);
        int offset = TcpSequence.distance(ringSeq, sndNxt);
        if (!emit(flags, sndNxt, offset, len, now, false)) {
            return false;
        }
        boolean again = lt(sndNxt, sndMax);
        int end = sndNxt + len + (fin ? 1 : 0);
        if (sackOk && end != sndNxt) {
            if (sent == null) {
                sent = out.takeLog();
            }
            sent.sent(sndNxt, end, now);
        }
        if (again) {
            retransmitted++;
            lastRetransmitTs = timestampClock(now);
            undo.retransmitted();
        } else if (timedAt < 0 && len > 0) {
            timedSeq = sndNxt;
            timedAt = now;
        }
        if (stalledSince < 0) {
            stalledSince = now; // the first byte to wait for an ACK
        }
        sndNxt = end;
        if (gt(sndNxt, sndMax)) {
            sndMax = sndNxt;
        }
        return true;
    }

    /** Recovery by duplicate ACKs begins: the first unacknowledged segment again. */
    private void fastRetransmit(long now) {
        retransmitFirst(now);
    }

    private boolean sackRecovery() {
        return sackOk && cc.inRecovery() && sent != null && lossFoundBySack;
    }

    /**
     * RFC 6675's pipe: bytes thought to be in the network — sent and neither acknowledged,
     * SACKed nor taken as lost (by RACK) and not sent since.
     */
    private long pipe() {
        return Math.max(0, TcpSequence.distance(sndUna, sndMax) - sent.sackedBytes() - sent.lostBytes());
    }

    /**
     * NextSeg's first rule, with RACK's verdicts for IsLost: the first segment taken as lost and
     * not sent since goes again if {@code room} takes it. True if sent.
     */
    private boolean retransmitLost(long room, long now) {
        int i = sent.firstLost();
        if (i < 0) {
            return false;
        }
        int from = sent.start(i);
        int to = sent.end(i);
        int dataEnd = finSeq();
        int len = Math.min(sendMss(), Math.max(0, TcpSequence.distance(from, TcpSequence.min(to, dataEnd))));
        boolean fin = finQueued && gt(to, dataEnd) && from + len == dataEnd;
        if (len == 0 && !fin || room < Math.max(len, 1)) {
            return false;
        }
        boolean ok = resendAt(from, len, fin, now);
        if (ok) {
            timedAt = -1; // Karn
        }
        return ok;
    }

    private void retransmitFirst(long now) {
        int inRing = sendRing.length() - Math.max(0, TcpSequence.distance(ringSeq, sndUna));
        int len = Math.min(sendMss(), Math.max(0, inRing));
        boolean fin = finQueued && len == inRing;
        if (len > 0 || fin) {
            resendAt(sndUna, len, fin, now);
        }
        timedAt = -1; // Karn
    }

    /**
     * Sends {@code len} bytes from {@code seq}, below SND.NXT (and the FIN if {@code fin}), without
     * moving SND.NXT back: a retransmission or probe amid new data. False if no buffer was free.
     */
    private boolean resendAt(int seq, int len, boolean fin, long now) {
        int save = sndNxt;
        sndNxt = seq;
        boolean ok = sendData(len, fin, now);
        sndNxt = TcpSequence.max(save, sndNxt);
        return ok;
    }

    /**
     * The window kept data back with nothing in flight: into a window too small to be worth a
     * segment, send what fits anyway; past a zero window, a probe to learn when it opens (RFC
     * 9293 3.8.6.1), an acknowledgment it must answer. The persist timer backs off like the retransmission timer.
     */
    private void sendWindowProbe(long now) {
        if (stalledSince < 0) {
            stalledSince = now;
        }
        int fits = (int) Math.min(Math.min(sndWnd, unsentBytes()), sendMss());
        if (fits > 0) {
            sendData(fits, false, now);
        } else {
            // An ACK with an old sequence number (SND.UNA - 1): never accepted as data, always
            // answered with the receiver's window (Linux probes so too).
            emit(ACK, sndUna - 1, 0, 0, now, false);
        }
        rtt.backOff();
        retransmitAt = now + rtt.rtoNanos();
    }

    private void sendSyn(long now) {
        int flags = state == TcpState.SYN_SENT ? SYN : SYN | ACK;
        if (emit(flags, iss, 0, 0, now, true)) {
            if (sndMax == iss) {
                sndMax = iss + 1;
                timedSeq = iss;
                timedAt = now;
            }
            sndNxt = iss + 1;
        }
        retransmitAt = now + rtt.rtoNanos();
    }

    private void sendAck(long now) {
        emit(ACK, sndNxt, 0, 0, now, false);
    }

    private void challengeAck(long now) {
        challengeAcks++;
        out.count(Event.CHALLENGE_ACK);
        outOfWindowAck(now);
    }

    /**
     * The ACK owed to a segment that is not acceptable, at most one per {@link
     * #OUT_OF_WINDOW_ACK_INTERVAL_NANOS} (Linux's tcp_invalid_ratelimit, and RFC 5961 7): two ends
     * that disagree must not answer each other's answers for ever, and a spoofer gets little back.
     */
    private void outOfWindowAck(PacketBuffer seg, long now) {
        if (TcpSegment.payloadLength(seg) > 0 && (TcpSegment.flags(seg) & SYN) == 0) {
            // Data sent again because our ACK was lost: it needs that ACK, and data cannot be part
            // of an ACK loop, so it is answered at once (as Linux's tcp_oow_rate_limited does).
            sendAck(now);
            return;
        }
        outOfWindowAck(now);
    }

    /** An answer to an unacceptable segment, at most one per 500 ms. */
    private void outOfWindowAck(long now) {
        if (lastOutOfWindowAck >= 0 && now - lastOutOfWindowAck < OUT_OF_WINDOW_ACK_INTERVAL_NANOS) {
            outOfWindowAcksSuppressed++;
            out.count(Event.ACK_RATE_LIMITED);
            return;
        }
        lastOutOfWindowAck = now;
        sendAck(now);
    }

    /** A RST for a segment that should not have come (its ACK field as our sequence number). */
    private void sendReset(int seq, int ack, boolean withAck) {
        PacketBuffer b = out.take();
        if (b == null) {
            droppedNoBuffer++;
            return;
        }
        b.prepend(TcpSegment.HEADER_LENGTH);
        TcpSegment.write(b, localPort, remotePort, seq, ack, RST | (withAck ? ACK : 0), 0, 0, localAddress,
                remoteAddress);
        segmentsOut++;
        out.send(this, b);
    }

    /** Builds and sends one segment; every segment but a RST carries our ACK and window. */
    private boolean emit(int flags, int seq, int ringOffset, int len, long now, boolean syn) {
        PacketBuffer b = out.take(len);
        if (b == null) {
            droppedNoBuffer++;
            if (retransmitAt < 0) {
                retransmitAt = now + rtt.rtoNanos(); // try again later
            }
            return false;
        }
        if (len > 0) {
            int at = b.append(len);
            sendRing.copyOut(ringOffset, b, at, len);
        }
        TcpOptions o = scratch.clear();
        if (syn) {
            boolean answering = state != TcpState.SYN_SENT; // a SYN-ACK offers only what the SYN did
            synOptions(o, config, config.windowScaling() && (!answering || peerScales),
                    config.sack() && (!answering || sackOk), config.timestamps() && (!answering || timestamps), now,
                    answering ? tsRecent : 0);
        } else {
            if (timestamps) {
                o.timestamps((int) timestampClock(now), tsRecent);
            }
            if (dsackPending && len == 0) {
                // Only on a pure ACK: the segment size of data segments leaves no room for it.
                o.addSack(dsackLeft, dsackRight);
                dsackPending = false;
                out.count(Event.DSACK_SENT);
            }
            if (sackOk && outOfOrder.count() > 0) {
                outOfOrder.reportTo(o, TcpOptions.MAX_SACK_BLOCKS);
            }
        }
        int optionsLength = o.length();
        b.prepend(TcpSegment.HEADER_LENGTH + optionsLength);
        o.write(b, TcpSegment.HEADER_LENGTH);
        int ackField = (flags & ACK) != 0 ? rcvNxt : 0;
        int window = syn ? offeredWindowUnscaled() : advertisedWindow();
        if (out.leavesChecksum()) {
            int mss = sendMss();
            TcpSegment.writeWithChecksumLeft(b, localPort, remotePort, seq, ackField, flags, window, optionsLength,
                    localAddress, remoteAddress, len > mss ? mss : 0);
        } else {
            TcpSegment.write(b, localPort, remotePort, seq, ackField, flags, window, optionsLength, localAddress,
                    remoteAddress);
        }
        if ((flags & ACK) != 0) {
            lastAckSent = rcvNxt;
            delayedAckAt = -1;
            segmentsUnacked = 0;
        }
        segmentsOut++;
        out.send(this, b);
        return true;
    }

    /**
     * Fills {@code o} with the options of a SYN or SYN-ACK sent with {@code config}: the MSS, and
     * the window scale, SACK-permitted and timestamps (echoing {@code tsEcr}) where asked. A
     * connection's SYN-ACK and a SYN cookie's are laid out alike.
     */
    public static TcpOptions synOptions(TcpOptions o, TcpConfig config, boolean scale, boolean sack,
                                        boolean timestamps, long now, int tsEcr) {
        o.mss = config.mss();
        if (scale) {
            o.windowScale = config.windowShift();
        }
        o.sackPermitted = sack;
        if (timestamps) {
            o.timestamps((int) timestampClock(now), tsEcr);
        }
        return o;
    }

    /** The timestamp clock every connection sends (RFC 7323: 1 ms ticks), read at {@code now}. */
    public static long timestampClock(long now) {
        return (now / TS_TICK_NANOS) & 0xFFFF_FFFFL;
    }

    /** A SYN's window: unscaled, at most 65,535. */
    private int offeredWindowUnscaled() {
        return Math.min(0xFFFF, config.receiveBuffer());
    }

    /**
     * The window field: from RCV.NXT to the right edge, which moves right only by at least
     * min(buffer / 2, MSS) at a time (RFC 1122 4.2.3.3) and never left.
     */
    private int advertisedWindow() {
        rcvRightEdge = nextRightEdge(rightEdgeCandidate());
        long window = TcpSequence.distance(rcvNxt, rcvRightEdge);
        return (int) Math.min(0xFFFF, Math.max(0, window) >> rcvShift);
    }

    /** The right edge offered next for {@code candidate}: it if the step is worth announcing or the window is shut; never left. */
    private int nextRightEdge(int candidate) {
        if (TcpSequence.distance(rcvRightEdge, candidate) >= windowStep() || le(rcvRightEdge, rcvNxt)) {
            return TcpSequence.max(rcvRightEdge, candidate);
        }
        return rcvRightEdge;
    }

    /** The least the right edge moves by (RFC 1122 4.2.3.3's receiver-side silly-window avoidance). */
    private int windowStep() {
        return Math.min(receiveRing.capacity() / 2, config.mss());
    }

    /**
     * Where the right edge could go: the end of the buffer. Under memory pressure no further than
     * what the ring can take without new memory (the rest of the chunk its data ends in) or, holding
     * nothing in order, one segment (which it may always take): the window stops growing, and
     * closes as data comes and is not read (RFC 7323 2.4; as Linux's tcp_select_window under pressure).
     * An empty ring whose window is under a step may open it by one: a sender whose silly-window
     * rule holds back a sub-segment window would otherwise wait on it for ever.
     */
    private int rightEdgeCandidate() {
        int candidate = readSeq + receiveRing.capacity();
        if (out.memory().underPressure()) {
            int window = TcpSequence.distance(rcvNxt, rcvRightEdge);
            int room = receiveRing.length() > 0 ? receiveRing.tailRoom()
                    : window < windowStep() ? Math.max(0, window) + windowStep() : config.mss();
            if (lt(rcvNxt + room, candidate)) {
                candidate = rcvNxt + room;
                if (!windowClamped) {
                    windowClamped = true;
                    out.windowClamped(this); // owed an update when pressure ends
                }
            }
        }
        return candidate;
    }

    /** After a read: worth an ACK if the edge moves far, or at all while the window is under a segment (never a duplicate). */
    private boolean windowUpdateWorthSending() {
        int candidate = rightEdgeCandidate();
        return TcpSequence.distance(rcvRightEdge, candidate) >= Math.max(2 * config.mss(), receiveRing.capacity() / 2)
                || TcpSequence.distance(rcvNxt, rcvRightEdge) < config.mss() && gt(nextRightEdge(candidate), rcvRightEdge);
    }

    /**
     * The host's stream memory is no longer under pressure: a window it held back is offered at
     * once, so the peer does not wait for its persist timer to learn it (nothing if the edge would not move).
     */
    public void memoryPressureEnded(long now) {
        windowClamped = false;
        if (state.receivesData() && gt(nextRightEdge(rightEdgeCandidate()), rcvRightEdge)) {
            sendAck(now);
        }
    }

    private void fail(Failure why) {
        failure = why;
        state = TcpState.CLOSED;
        retransmitAt = -1;
        delayedAckAt = -1;
        timeWaitAt = -1;
        // Unsent data goes; what arrived before the end stays readable, as on Linux (the
        // application reads it, then learns how the connection ended).
        sendRing.skip(sendRing.length());
        sendRing.release();
        outOfOrder.clear();
        receiveRing.releaseIfEmpty(true);
    }

    /**
     * Gives back the stream memory of both directions: what was unsent and unread is dropped.
     * For a connection that has failed, or whose application has closed it.
     */
    public void releaseMemory() {
        sendRing.skip(sendRing.length());
        sendRing.release();
        receiveRing.skip(receiveRing.length());
        receiveRing.release();
        outOfOrder.clear();
    }

    // ==== What it is ==========================================================================

    public TcpState state() {
        return state;
    }

    /** Why the connection ended abnormally, or null. */
    public Failure failure() {
        return failure;
    }

    public int localPort() {
        return localPort;
    }

    public int remotePort() {
        return remotePort;
    }

    public int remoteAddress() {
        return remoteAddress;
    }

    public int localAddress() {
        return localAddress;
    }

    /** Segments sent again so far (for the host's RetransSegs). */
    public long retransmitted() {
        return retransmitted;
    }

    /** What the owner (the host's TCP layer) keeps with this connection: its waiting threads, its listener. */
    public Object attachment() {
        return attachment;
    }

    public void attach(Object owner) {
        this.attachment = owner;
    }

    /** True while either direction holds buffer memory. */
    public boolean holdsBuffers() {
        return sendRing.allocated() || receiveRing.allocated();
    }

    /** What {@code ss -ti} shows of a connection. */
    public record Info(TcpState state, long cwnd, long ssthresh, long srttNanos, long rtoNanos, long retransmits,
                       long bytesAcked, long bytesReceived, long segmentsIn, long segmentsOut, long sendWindow,
                       int peerMss, boolean timestamps, boolean sack, int sendShift, int receiveShift,
                       long droppedOutOfWindow, long droppedOutOfOrderFull, long droppedNoBuffer, long droppedNoMemory,
                       long challengeAcks,
                       long outOfWindowAcksSuppressed, CongestionControl.Kind congestionControl) {
    }

    public Info info() {
        return new Info(state, cc.cwnd(), cc.ssthresh(), rtt.srttNanos(), rtt.rtoNanos(), retransmitted, bytesAcked,
                bytesReceived, segmentsIn, segmentsOut, sndWnd, peerMss, timestamps, sackOk, sndShift, rcvShift,
                droppedOutOfWindow, droppedOutOfOrderFull, droppedNoBuffer, droppedNoMemory, challengeAcks,
                outOfWindowAcksSuppressed, cc.kind());
    }

    @Override
    public String toString() {
        return "TcpConnection[" + localPort + "->" + remotePort + " " + state + " una=" + (sndUna - iss) + " nxt="
                + (sndNxt - iss) + " max=" + (sndMax - iss) + " rcvNxt=" + (rcvNxt - irs) + " wnd=" + sndWnd + " cwnd="
                + cc.cwnd() + " unsent=" + unsentBytes() + " ringSeq=" + (ringSeq - iss) + " ring=" + sendRing.length() + "]";
    }
}
