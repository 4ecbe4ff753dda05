package org.netstack4j.stack.tcp;

/**
 * The retransmission timeout of one connection, as RFC 6298 computes it: SRTT and RTTVAR from
 * round-trip samples (alpha 1/8, beta 1/4, K = 4), RTO = SRTT + max(G, 4 * RTTVAR) kept between
 * a minimum and a maximum, 1 s before the first sample, doubled on each timeout (exponential
 * back-off) until a new sample arrives. Karn's rule, that a retransmitted segment gives no
 * sample, is the caller's: it only calls {@link #sample} for segments sent once (or with
 * timestamps, which name the transmission they echo). Times are nanoseconds.
 */
public final class RttEstimator {
    /** RFC 6298 2.1: before any sample, RTO is 1 s. */
    public static final long INITIAL_RTO_NANOS = 1_000_000_000L;
    /** Linux's TCP_RTO_MIN: 200 ms (RFC 6298 asks 1 s; both are used in practice). */
    public static final long DEFAULT_MIN_RTO_NANOS = 200_000_000L;
    /** RFC 6298 2.5: at least 60 s; Linux's TCP_RTO_MAX is 120 s. */
    public static final long DEFAULT_MAX_RTO_NANOS = 120_000_000_000L;

    private final long minRto;
    private final long maxRto;
    private final long granularity;
    private long srtt = -1;
    private long rttvar;
    private long rto = INITIAL_RTO_NANOS;
    private int backoffs;

    /**
     * @param minRtoNanos the floor under the computed RTO
     * @param maxRtoNanos the ceiling, for back-off too
     * @param clockGranularityNanos G of RFC 6298: the clock's tick
     */
    public RttEstimator(long minRtoNanos, long maxRtoNanos, long clockGranularityNanos) {
        if (minRtoNanos <= 0 || maxRtoNanos < minRtoNanos || clockGranularityNanos < 0) {
            throw new IllegalArgumentException("need 0 < min RTO <= max RTO and a granularity >= 0");
        }
        this.minRto = minRtoNanos;
        this.maxRto = maxRtoNanos;
        this.granularity = clockGranularityNanos;
        this.rto = clamp(INITIAL_RTO_NANOS);
    }

    public RttEstimator() {
        this(DEFAULT_MIN_RTO_NANOS, DEFAULT_MAX_RTO_NANOS, 1_000_000L);
    }

    /** A round-trip measurement of a segment that was sent only once. Ends any back-off. */
    public void sample(long rttNanos) {
        long r = Math.max(rttNanos, 0);
        if (srtt < 0) {
            srtt = r;           // 2.2: the first measurement
            rttvar = r / 2;
        } else {
            rttvar = rttvar - (rttvar >> 2) + (Math.abs(srtt - r) >> 2); // (1 - 1/4) RTTVAR + 1/4 |SRTT - R'|
            srtt = srtt - (srtt >> 3) + (r >> 3);                         // (1 - 1/8) SRTT + 1/8 R'
        }
        backoffs = 0;
        rto = clamp(srtt + Math.max(granularity, 4 * rttvar));
    }

    /** The retransmission timer expired (5.5): the next RTO is twice this one, up to the maximum. */
    public void backOff() {
        backoffs++;
        rto = Math.min(maxRto, rto * 2);
    }

    private long clamp(long value) {
        return Math.max(minRto, Math.min(maxRto, value));
    }

    /** The timeout to arm now. */
    public long rtoNanos() {
        return rto;
    }

    /** Smoothed round-trip time, or -1 before the first sample. */
    public long srttNanos() {
        return srtt;
    }

    public long rttvarNanos() {
        return rttvar;
    }

    /** Timeouts since the last sample. */
    public int backoffs() {
        return backoffs;
    }
}
