package org.netstack4j.stack.tcp;

import org.netstack4j.wire.TcpSequence;

/**
 * NewReno congestion control: slow start and congestion avoidance (RFC 5681 3.1), fast
 * retransmit on the third duplicate ACK and fast recovery that stays in recovery across partial
 * acknowledgments until everything outstanding at the loss is acknowledged (RFC 6582). The
 * initial window is RFC 6928's ten segments (as Linux), bounded by 14,600 bytes.
 */
public final class NewReno implements CongestionControl {
    static final int DUPACK_THRESHOLD = 3;

    private final int smss;
    private long cwnd;
    private long ssthresh = Long.MAX_VALUE;
    private int duplicateAcks;
    private boolean inRecovery;
    private int recover;          // RFC 6582: the highest sequence number sent when recovery began
    private long bytesAcked;      // congestion avoidance: bytes acknowledged since cwnd last grew

    public NewReno(int smss) {
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

    @Override
    public long cwnd() {
        return cwnd;
    }

    @Override
    public long ssthresh() {
        return ssthresh;
    }

    @Override
    public boolean inRecovery() {
        return inRecovery;
    }

    public int duplicateAcks() {
        return duplicateAcks;
    }

    @Override
    public void onAck(long ackedBytes, int ackSeq, long flightBefore) {
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
            bytesAcked += ackedBytes;           // congestion avoidance: one SMSS per window acknowledged
            if (bytesAcked >= cwnd) {
                bytesAcked -= cwnd;
                cwnd += smss;
            }
        }
    }

    @Override
    public boolean onDuplicateAck(long flight, int highestSent) {
        if (inRecovery) {
            cwnd += smss; // each further duplicate: a segment has left the network
            return false;
        }
        duplicateAcks++;
        if (duplicateAcks != DUPACK_THRESHOLD) {
            return false;
        }
        // RFC 6582 3.2 step 2 (the "careful" variant would check the recover point; the first loss
        // of a window is always recovered).
        ssthresh = Math.max(flight / 2, 2L * smss);
        cwnd = ssthresh + 3L * smss;
        recover = highestSent - 1;
        inRecovery = true;
        return true;
    }

    @Override
    public void onTimeout(long flight) {
        ssthresh = Math.max(flight / 2, 2L * smss); // RFC 5681 eq. 4
        cwnd = smss;                                 // loss window: one segment
        duplicateAcks = 0;
        inRecovery = false;
        bytesAcked = 0;
    }
}
