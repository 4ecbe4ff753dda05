package org.netstack4j.stack.tcp;

import static org.netstack4j.wire.TcpSequence.ge;
import static org.netstack4j.wire.TcpSequence.gt;
import static org.netstack4j.wire.TcpSequence.lt;

/**
 * RACK, the time-based loss detection of RFC 8985 (section 6): a segment is lost once a segment
 * sent after it has been delivered (acknowledged or SACKed) and a round trip plus a reordering
 * window has passed since it was sent. Unlike counting duplicate ACKs or SACKed bytes, this finds
 * a lost retransmission (it was sent before the new data the peer SACKs), tolerates reordering
 * (the window widens once reordering is seen, and again for each round that brings a D-SACK,
 * RFC 2883), and needs no minimum number of segments behind a loss.
 *
 * <p>Plain state driven by its connection: {@link SentSegments} tells it of each delivery, and
 * {@link #detectLoss} marks the log's lost entries and says how long until the next verdict is due.
 */
final class Rack {
    /** RFC 8985's DupThresh: with this many segments SACKed and no reordering seen, no reordering window. */
    static final int DUP_THRESH = 3;
    /** Recoveries without a D-SACK before a widened window falls back (RFC 8985's 16). */
    private static final int REO_WND_PERSIST = 16;

    /** RACK.xmit_ts and RACK.end_seq: the most recently sent segment that has been delivered (-1: none yet). */
    private long xmitTs = -1;
    private int endSeq;
    /** RACK.rtt: the round trip of that segment. */
    private long rtt;
    private long minRtt = -1;
    /** RACK.fack: the highest sequence number delivered, and what it was before the ACK being processed. */
    private int fack;
    private int fackBefore;
    private boolean anyDelivered;
    private boolean fackBeforeKnown;
    private boolean reorderingSeen;
    private int reoWndMult = 1;
    private int reoWndPersist;
    private boolean dsackRoundOpen;
    private int dsackRound;
    /** Retransmissions found lost since the caller last asked. */
    private int lostRetransmits;

    /** A segment ending at {@code end}, sent last at {@code sentAt}, was delivered (6.2 steps 2 and 3). */
    void delivered(int end, long sentAt, boolean retransmitted, long now) {
        if (fackBeforeKnown && lt(end, fackBefore) && !retransmitted) {
            reorderingSeen = true; // sent once, yet delivered below what an earlier ACK delivered
        }
        if (!anyDelivered || gt(end, fack)) {
            fack = end;
            anyDelivered = true;
        }
        long sample = now - sentAt;
        if (retransmitted && minRtt >= 0 && sample < minRtt) {
            return; // quicker than any round trip: the ACK is the original transmission's, not this one's
        }
        minRtt = minRtt < 0 ? sample : Math.min(minRtt, sample);
        if (sentAfter(sentAt, end, xmitTs, endSeq)) {
            xmitTs = sentAt;
            endSeq = end;
            rtt = sample;
        }
    }

    private static boolean sentAfter(long t1, int seq1, long t2, int seq2) {
        return t1 > t2 || t1 == t2 && gt(seq1, seq2);
    }

    /**
     * An ACK was processed (6.2 step 4, the D-SACK part): the first ACK with a D-SACK in a round
     * widens the window by a quarter of the least round trip; {@code sndUna}/{@code sndNxt} the
     * sender's. A D-SACK also counts as reordering seen: a copy arrived needlessly because the
     * original was late, which is what reordering is (step 3 alone cannot tell, since the
     * original's delivery is booked to the retransmitted segment).
     */
    void onAck(boolean dsack, int sndUna, int sndNxt) {
        fackBefore = fack; // one ACK's cumulative part and SACK blocks are one delivery, whatever their order
        fackBeforeKnown = anyDelivered;
        if (dsack) {
            reorderingSeen = true;
        }
        if (dsackRoundOpen && ge(sndUna, dsackRound)) {
            dsackRoundOpen = false;
        }
        if (!dsackRoundOpen && dsack) {
            dsackRoundOpen = true;
            dsackRound = sndNxt;
            reoWndMult++;
            reoWndPersist = REO_WND_PERSIST;
        }
    }

    /** A fast or timeout recovery ended: after 16 without a D-SACK the window is its first size again. */
    void onRecoveryEnd() {
        if (--reoWndPersist <= 0) {
            reoWndMult = 1;
        }
    }

    /**
     * RACK.reo_wnd: none while no reordering has been seen and the loss is already plain (in
     * recovery, or DupThresh segments SACKed); else a quarter of the least round trip times the
     * multiplier, at most SRTT.
     */
    long reorderingWindow(int segmentsSacked, long srttNanos, boolean inRecovery) {
        if (!reorderingSeen && (inRecovery || segmentsSacked >= DUP_THRESH)) {
            return 0;
        }
        long window = reoWndMult * Math.max(minRtt, 0) / 4;
        return srttNanos >= 0 ? Math.min(window, srttNanos) : window;
    }

    /**
     * 6.2 step 5: marks lost in {@code log} every entry sent before the last delivered one whose
     * time is up. Returns the nanoseconds until the next entry's time is up (0: none waits), for
     * the reordering timer.
     */
    long detectLoss(SentSegments log, long now, long srttNanos, boolean inRecovery) {
        if (xmitTs < 0) {
            return 0;
        }
        long reoWnd = reorderingWindow(log.sackedSegments(), srttNanos, inRecovery);
        long timeout = 0;
        for (int i = 0; i < log.count(); i++) {
            if (log.has(i, SentSegments.SACKED | SentSegments.LOST)
                    || !sentAfter(xmitTs, endSeq, log.sentAt(i), log.end(i))) {
                continue;
            }
            long remaining = log.sentAt(i) + rtt + reoWnd - now;
            if (remaining <= 0) {
                if (log.markLost(i) > 0 && log.has(i, SentSegments.RETRANSMITTED)) {
                    lostRetransmits++;
                }
            } else {
                timeout = Math.max(timeout, remaining);
            }
        }
        return timeout;
    }

    /** Retransmissions found lost since the last call (and resets the count). */
    int takeLostRetransmits() {
        int n = lostRetransmits;
        lostRetransmits = 0;
        return n;
    }

    boolean reorderingSeen() {
        return reorderingSeen;
    }

    int reoWndMult() {
        return reoWndMult;
    }

    long minRttNanos() {
        return minRtt;
    }
}
