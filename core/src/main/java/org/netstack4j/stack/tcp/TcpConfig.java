package org.netstack4j.stack.tcp;

/**
 * What a connection is set up with. Times are nanoseconds on the host's clock.
 *
 * @param mss               the largest segment this end receives (its MTU less 40)
 * @param receiveBuffer     bytes of receive buffer (the most the window offers)
 * @param sendBuffer        bytes the application may have written and not yet seen acknowledged
 * @param windowScaling     offer RFC 7323 window scaling
 * @param timestamps        offer RFC 7323 timestamps
 * @param sack              offer SACK (RFC 2018)
 * @param noDelay           Nagle's algorithm off: small segments go out at once
 * @param minRtoNanos       the floor of the retransmission timeout
 * @param maxRtoNanos       its ceiling
 * @param delayedAckNanos   how long an ACK may wait for a second segment or data to ride on
 * @param timeWaitNanos     2 x MSL
 * @param maxRetransmits    retransmissions of one segment before the connection is given up
 * @param outOfOrderRanges  separate out-of-order ranges kept at most (beyond, segments are dropped)
 */
public record TcpConfig(int mss, int receiveBuffer, int sendBuffer, boolean windowScaling, boolean timestamps,
                        boolean sack, boolean noDelay, long minRtoNanos, long maxRtoNanos, long delayedAckNanos,
                        long timeWaitNanos, int maxRetransmits, int outOfOrderRanges) {

    public static final TcpConfig DEFAULT = new TcpConfig(1460, 256 * 1024, 256 * 1024, true, true, true, false,
            RttEstimator.DEFAULT_MIN_RTO_NANOS, RttEstimator.DEFAULT_MAX_RTO_NANOS, 40_000_000L, 60_000_000_000L,
            15, 32);

    public TcpConfig {
        if (mss < 64 || mss > 65_495) {
            throw new IllegalArgumentException("MSS must be 64..65495: " + mss);
        }
        if (receiveBuffer < mss || sendBuffer < 1) {
            throw new IllegalArgumentException("the receive buffer must hold a segment, the send buffer a byte");
        }
        if (receiveBuffer > (1 << 30)) {
            throw new IllegalArgumentException("a window scales to 1 GB at most: " + receiveBuffer);
        }
        if (maxRetransmits < 1 || outOfOrderRanges < 1 || delayedAckNanos < 0 || timeWaitNanos < 0) {
            throw new IllegalArgumentException("retransmits and out-of-order ranges must be positive, times not negative");
        }
    }

    /** The window shift that lets {@link #receiveBuffer} be offered whole (0 without scaling). */
    int windowShift() {
        if (!windowScaling) {
            return 0;
        }
        int shift = 0;
        while (shift < 14 && (receiveBuffer >> shift) > 0xFFFF) {
            shift++;
        }
        return shift;
    }

    public TcpConfig withNoDelay(boolean on) {
        return new TcpConfig(mss, receiveBuffer, sendBuffer, windowScaling, timestamps, sack, on, minRtoNanos,
                maxRtoNanos, delayedAckNanos, timeWaitNanos, maxRetransmits, outOfOrderRanges);
    }

    public TcpConfig withBuffers(int receive, int send) {
        return new TcpConfig(mss, receive, send, windowScaling, timestamps, sack, noDelay, minRtoNanos, maxRtoNanos,
                delayedAckNanos, timeWaitNanos, maxRetransmits, outOfOrderRanges);
    }

    public TcpConfig withOptions(boolean scaling, boolean stamps, boolean selective) {
        return new TcpConfig(mss, receiveBuffer, sendBuffer, scaling, stamps, selective, noDelay, minRtoNanos,
                maxRtoNanos, delayedAckNanos, timeWaitNanos, maxRetransmits, outOfOrderRanges);
    }
}
