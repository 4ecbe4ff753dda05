package org.netstack4j.stack.tcp;

/**
 * NewReno congestion control (RFC 5681 and 6582): ssthresh falls to half the flight on a loss,
 * and congestion avoidance adds one SMSS per window acknowledged. Slow start and fast recovery
 * are {@link LossBasedControl}'s, shared with {@link Cubic}.
 */
public final class NewReno extends LossBasedControl {
    private long bytesAcked;      // congestion avoidance: bytes acknowledged since cwnd last grew

    public NewReno(int smss) {
        super(smss);
    }

    @Override
    public Kind kind() {
        return Kind.NEW_RENO;
    }

    @Override
    long reduce(long flight, boolean timeout) {
        if (timeout) {
            bytesAcked = 0;
        }
        return flight / 2; // RFC 5681 eq. 4
    }

    @Override
    void avoid(long ackedBytes, long nowNanos, long srttNanos) {
        bytesAcked += ackedBytes; // one SMSS per window acknowledged
        if (bytesAcked >= cwnd) {
            bytesAcked -= cwnd;
            cwnd += smss;
        }
    }
}
