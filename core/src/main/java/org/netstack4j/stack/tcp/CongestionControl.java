package org.netstack4j.stack.tcp;

/**
 * What a connection's sender asks of congestion control, in bytes: how much may be in flight,
 * and what to do on acknowledgments, duplicate acknowledgments and timeouts. {@link Cubic}
 * (RFC 9438, the default, as in Linux) and {@link NewReno} (RFC 5681 and 6582) stand behind it;
 * a connection takes the one its {@link TcpConfig} names. Time comes from the caller, so an
 * algorithm is plain state that a test drives with crafted events.
 */
public interface CongestionControl {

    /** The algorithms a connection can be set up with ({@link TcpConfig#congestionControl()}). */
    enum Kind {
        /** RFC 5681 and 6582: halve on a loss, one segment more per window acknowledged. */
        NEW_RENO,
        /** RFC 9438: back off to 0.7, grow along a cubic curve in time around the window of the last loss. */
        CUBIC;

        /** A fresh instance for a sender of segments of {@code smss} bytes. */
        public CongestionControl create(int smss) {
            return switch (this) {
                case NEW_RENO -> new NewReno(smss);
                case CUBIC -> new Cubic(smss);
            };
        }
    }

    /** Which algorithm this is. */
    Kind kind();

    /** The congestion window: bytes that may be unacknowledged at once. */
    long cwnd();

    /** The slow-start threshold. */
    long ssthresh();

    /** True while recovering from a loss (fast recovery), until the recovery point is acknowledged. */
    boolean inRecovery();

    /**
     * New data acknowledged: {@code ackedBytes} more, the cumulative ACK now at {@code ackSeq};
     * {@code flightBefore} bytes were outstanding before this ACK. {@code nowNanos} is the
     * host's clock and {@code srttNanos} the smoothed round-trip time (-1 before any sample):
     * CUBIC grows the window as a function of time.
     */
    void onAck(long ackedBytes, int ackSeq, long flightBefore, long nowNanos, long srttNanos);

    /**
     * A duplicate acknowledgment (RFC 5681's definition); {@code flight} bytes outstanding,
     * {@code highestSent} the next sequence number the sender would send. Returns true when the
     * first unacknowledged segment should be retransmitted now (fast retransmit).
     */
    boolean onDuplicateAck(long flight, int highestSent);

    /**
     * Loss found another way than by duplicate ACKs: the peer SACKed at least three segments'
     * worth above the first unacknowledged byte (RFC 6675's IsLost), which ACKs carrying data
     * tell as well as pure ones. Enters recovery as the third duplicate ACK would; returns true
     * when the first unacknowledged segment should be retransmitted now (false in recovery).
     */
    boolean onSackedLoss(long flight, int highestSent);

    /**
     * A recovery driven by SACK ended (RFC 6675): the window is ssthresh. (After NewReno's
     * recovery without SACK the window is deflated to the flight plus a segment instead, RFC 6582:
     * there the inflated window says nothing of what is in the network; with SACK the pipe did.)
     */
    void onSackRecoveryEnd();

    /** The retransmission timer expired with {@code flight} bytes outstanding. */
    void onTimeout(long flight);

    /**
     * The last reduction was for nothing (D-SACK reported every retransmission a duplicate):
     * the window and threshold go back to at least what they were before it, and any recovery ends.
     */
    void undo(long priorCwnd, long priorSsthresh);
}
