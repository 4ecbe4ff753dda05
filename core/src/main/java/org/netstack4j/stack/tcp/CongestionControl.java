package org.netstack4j.stack.tcp;

/**
 * What a connection's sender asks of congestion control, in bytes: how much may be in flight,
 * and what to do on acknowledgments, duplicate acknowledgments and timeouts. NewReno
 * ({@link NewReno}) is the first; CUBIC stands behind the same interface.
 */
public interface CongestionControl {

    /** The congestion window: bytes that may be unacknowledged at once. */
    long cwnd();

    /** The slow-start threshold. */
    long ssthresh();

    /** True while recovering from a loss (fast recovery), until the recovery point is acknowledged. */
    boolean inRecovery();

    /**
     * New data acknowledged: {@code ackedBytes} more, the cumulative ACK now at {@code ackSeq};
     * {@code flightBefore} bytes were outstanding before this ACK.
     */
    void onAck(long ackedBytes, int ackSeq, long flightBefore);

    /**
     * A duplicate acknowledgment (RFC 5681's definition); {@code flight} bytes outstanding,
     * {@code highestSent} the next sequence number the sender would send. Returns true when the
     * first unacknowledged segment should be retransmitted now (fast retransmit).
     */
    boolean onDuplicateAck(long flight, int highestSent);

    /** The retransmission timer expired with {@code flight} bytes outstanding. */
    void onTimeout(long flight);
}
