package org.netstack4j.stack.tcp;

import org.netstack4j.wire.TcpSequence;

/**
 * What NewReno and CUBIC share, kept in one place: slow start below ssthresh (RFC 5681 3.1),
 * fast retransmit on the third duplicate ACK, and fast recovery that stays in recovery across
 * partial acknowledgments until everything outstanding at the loss is acknowledged (RFC 6582);
 * on a timeout, the loss window of one segment. RFC 9438 leaves fast retransmit and recovery as
 * they are, so the two differ only where a subclass says: how far ssthresh falls on a loss
 * ({@link #reduce}) and how the window grows in congestion avoidance ({@link #avoid}).
 *
 * <p>The initial window is RFC 6928's ten segments (as Linux), bounded by 14,600 bytes.
 */
abstract sealed class LossBasedControl implements CongestionControl permits NewReno, Cubic {
    static final int DUPACK_THRESHOLD = 3;

    final int smss;
    long cwnd;
    long ssthresh = Long.MAX_VALUE;
    private int duplicateAcks;
    private boolean inRecovery;
    private int recover;          // RFC 6582: the highest sequence number sent when recovery began

    LossBasedControl(int smss) {
        if (smss < 1) {
            throw new IllegalArgumentException("SMSS must be positive: " + smss);
        }
        this.smss = smss;
        this.cwnd = initialWindow(smss);
    }

    /** RFC 6928: min(10 * SMSS, max(2 * SMSS, 14600)). */
    static long initialWindow(int smss) {
        return Math.min(10L * smss, Math.max(2L * smss, 14_600));
    }

    /**
     * A congestion event, before the window falls: the new ssthresh (before the floor of two
     * segments), {@code flight} bytes outstanding, {@link #cwnd} still the window at the loss.
     * {@code timeout} tells a retransmission timeout from a fast retransmit.
     */
    abstract long reduce(long flight, boolean timeout);

    /** Congestion avoidance (cwnd at or above ssthresh, not in recovery): grow {@link #cwnd}. */
    abstract void avoid(long ackedBytes, long nowNanos, long srttNanos);

    @Override
    public final long cwnd() {
        return cwnd;
    }

    @Override
    public final long ssthresh() {
        return ssthresh;
    }

    @Override
    public final boolean inRecovery() {
        return inRecovery;
    }

    /** Duplicate ACKs in a row outside recovery. */
    public final int duplicateAcks() {
        return duplicateAcks;
    }

    @Override
    public final void onAck(long ackedBytes, int ackSeq, long flightBefore, long nowNanos, long srttNanos) {
        duplicateAcks = 0;
        if (inRecovery) {
            if (TcpSequence.gt(ackSeq, recover)) {
                // Full acknowledgment (RFC 6582 3.2 step 3): deflate to min(ssthresh, flight + SMSS).
                long flightAfter = Math.max(0, flightBefore - ackedBytes);
                cwnd = Math.min(ssthresh, Math.max(flightAfter, smss) + smss);
                inRecovery = false;
            } else {
                // Partial acknowledgment: deflate by what was acked, add back one SMSS if that was a
                // full segment's worth; the sender retransmits the next hole.
                cwnd = Math.max(smss, cwnd - ackedBytes + (ackedBytes >= smss ? smss : 0));
            }
            return;
        }
        if (cwnd < ssthresh) {
            cwnd += Math.min(ackedBytes, smss); // slow start (RFC 5681 eq. 2, with appropriate byte counting L = 1)
        } else {
            avoid(ackedBytes, nowNanos, srttNanos);
        }
    }

    @Override
    public final boolean onDuplicateAck(long flight, int highestSent) {
        if (inRecovery) {
            cwnd += smss; // each further duplicate: a segment has left the network
            return false;
        }
        duplicateAcks++;
        if (duplicateAcks != DUPACK_THRESHOLD) {
            return false;
        }
        enterRecovery(flight, highestSent);
        return true;
    }

    @Override
    public final boolean onSackedLoss(long flight, int highestSent) {
        if (inRecovery) {
            return false;
        }
        enterRecovery(flight, highestSent);
        return true;
    }

    /**
     * RFC 6582 3.2 step 2 (the "careful" variant would check the recover point; the first loss
     * of a window is always recovered).
     */
    private void enterRecovery(long flight, int highestSent) {
        duplicateAcks = 0;
        ssthresh = Math.max(reduce(flight, false), 2L * smss);
        cwnd = ssthresh + 3L * smss;
        recover = highestSent - 1;
        inRecovery = true;
    }

    @Override
    public final void onSackRecoveryEnd() {
        if (!inRecovery) {
            cwnd = ssthresh;
        }
    }

    @Override
    public final void onTimeout(long flight) {
        ssthresh = Math.max(reduce(flight, true), 2L * smss); // RFC 5681 eq. 4, with the algorithm's factor
        cwnd = smss;                                           // loss window: one segment
        duplicateAcks = 0;
        inRecovery = false;
    }

    @Override
    public final void undo(long priorCwnd, long priorSsthresh) {
        cwnd = Math.max(cwnd, priorCwnd);
        ssthresh = Math.max(ssthresh, priorSsthresh);
        duplicateAcks = 0;
        inRecovery = false;
    }
}
