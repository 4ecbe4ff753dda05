package org.netstack4j.stack.tcp;

import static org.netstack4j.wire.TcpSequence.ge;
import static org.netstack4j.wire.TcpSequence.gt;

/**
 * Undoing a window reduction that D-SACK shows was for nothing (RFC 2883 4.2; Linux's
 * undo_marker and undo_retrans): when a recovery or a timeout cuts the window, the window before
 * it is kept and each segment sent again is counted; each D-SACK that reports one of them a
 * duplicate counts one off. When all have been, the peer had every original — the "loss" was
 * reordering or delay — and the window comes back. The chance ends one flight after the
 * recovery, once the D-SACKs of its retransmissions have had time to arrive.
 */
final class RecoveryUndo {
    private boolean open;
    private int marker;
    private int retransmissions;
    private long priorCwnd;
    private long priorSsthresh;
    private boolean ending;
    private int closeAt;

    /** A loss episode begins at SND.UNA {@code sndUna}; the window before its reduction. */
    void begin(int sndUna, long cwnd, long ssthresh) {
        open = true;
        ending = false;
        marker = sndUna;
        retransmissions = 0;
        priorCwnd = cwnd;
        priorSsthresh = ssthresh;
    }

    boolean isOpen() {
        return open;
    }

    /** A segment sent again. */
    void retransmitted() {
        if (open) {
            retransmissions++;
        }
    }

    /** The recovery ended with SND.MAX at {@code sndMax}: D-SACKs still count until that is acknowledged. */
    void recoveryEnded(int sndMax) {
        if (open && !ending) {
            ending = true;
            closeAt = sndMax;
        }
    }

    /** The cumulative ACK reached {@code ack}. */
    void acknowledged(int ack) {
        if (open && ending && ge(ack, closeAt)) {
            open = false;
        }
    }

    /**
     * A D-SACK reported {@code ..right} received twice. True when with it every retransmission of
     * the episode has been reported a duplicate: the caller undoes the reduction (the episode ends).
     */
    boolean duplicateReported(int right) {
        if (!open || !gt(right, marker) || retransmissions == 0) {
            return false;
        }
        if (--retransmissions > 0) {
            return false;
        }
        open = false;
        return true;
    }

    long priorCwnd() {
        return priorCwnd;
    }

    long priorSsthresh() {
        return priorSsthresh;
    }
}
