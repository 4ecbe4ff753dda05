package org.netstack4j.stack.tcp;

/**
 * CUBIC congestion control (RFC 9438), Linux's default and this stack's. After a loss the window
 * falls to beta = 0.7 of the flight, and in congestion avoidance it follows a cubic function of
 * the time since avoidance began, W_cubic(t) = C * (t - K)^3 + W_max with C = 0.4 and
 * K = cbrt((W_max - cwnd_epoch) / C) in segments and seconds: fast while far below the window of
 * the last loss (concave), flat around it, then probing faster and faster beyond it (convex). So
 * growth depends on time, not on the round-trip time, and a long fat path refills in seconds
 * where NewReno takes minutes. Where a Reno flow would grow faster (short RTTs, small windows),
 * CUBIC grows as an estimate of it, W_est, does (the Reno-friendly region, alpha = 3 * (1 - beta)
 * / (1 + beta) segments per window, then one once past the window of the last loss), so it takes
 * no more than its share from NewReno there.
 *
 * <p>Fast convergence: a loss below the last W_max remembers only 0.85 of the window, giving
 * way to newer flows. After a timeout the next avoidance starts at the curve's plateau (K = 0,
 * W_max the window it starts with, RFC 9438 4.8), as after a first slow start without loss; so
 * does any avoidance that starts at or above W_max (as Linux). Slow start, fast retransmit and
 * fast recovery are NewReno's ({@link LossBasedControl}), as RFC 9438 asks. Not done: HyStart++,
 * undoing spurious reductions (4.9), and leaving application-limited time out of t.
 *
 * <p>The window is kept in bytes and the curve evaluated per ACK in long arithmetic (time in
 * 1/1024 s, as Linux), allocating nothing; the cube root is taken once per loss.
 */
public final class Cubic extends LossBasedControl {
    /** C: 0.4 segments per second cubed. */
    static final double C = 0.4;
    /** beta_cubic: the window kept on a loss, 7/10. */
    static final double BETA = 0.7;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** |t - K| is clamped to 1024 s, so that its cube in 1/1024 s units stays within a long. */
    private static final long MAX_OFFSET_NANOS = 1024 * NANOS_PER_SECOND;
    /** Windows stay below 2 GB: above any TCP window (1 GB), and their products fit a long. */
    static final long MAX_WINDOW = 1L << 31;

    /** The window at the last loss (after fast convergence); 0 until one, and after a timeout. */
    private long wMax;
    /** The window when ssthresh was last set: W_est grows at Reno's rate once past it. */
    private long cwndPrior;
    /** True once congestion avoidance has begun since the last loss: the fields below hold. */
    private boolean inEpoch;
    private long epochStart;
    private long kNanos;
    private long wEst;
    private long estRemainder;
    private long growRemainder;

    public Cubic(int smss) {
        super(smss);
    }

    @Override
    public Kind kind() {
        return Kind.CUBIC;
    }

    @Override
    long reduce(long flight, boolean timeout) {
        if (timeout) {
            wMax = 0; // 4.8: the next avoidance starts at its plateau
        } else if (cwnd < wMax) {
            wMax = cwnd * 17 / 20; // fast convergence (4.7): W_max = cwnd * (1 + beta) / 2
        } else {
            wMax = cwnd;
        }
        cwndPrior = cwnd;
        inEpoch = false;
        return flight * 7 / 10; // 4.6: ssthresh = flight_size * beta_cubic
    }

    @Override
    void avoid(long ackedBytes, long nowNanos, long srttNanos) {
        if (!inEpoch) {
            startEpoch(nowNanos);
        }
        long t = nowNanos - epochStart;
        long acked = Math.min(ackedBytes, MAX_WINDOW);
        // W_est += alpha * segments_acked / cwnd (4.3), alpha 9/17 until W_est reaches cwnd_prior, then 1.
        long divisor = 17 * cwnd;
        estRemainder += (wEst >= cwndPrior ? 17 : 9) * acked * smss;
        wEst = Math.min(MAX_WINDOW, wEst + estRemainder / divisor);
        estRemainder %= divisor;
        if (window(t) < wEst) {
            cwnd = Math.max(cwnd, wEst); // the Reno-friendly region
            return;
        }
        // Concave or convex (4.4, 4.5): (target - cwnd) / cwnd per segment acknowledged, the target
        // W_cubic one RTT ahead, at least cwnd and at most 1.5 cwnd (4.2).
        long target = Math.clamp(window(t + Math.max(0, srttNanos)), cwnd, cwnd + cwnd / 2);
        long before = cwnd;
        growRemainder += (target - before) * acked;
        cwnd = Math.min(MAX_WINDOW, before + growRemainder / before);
        growRemainder %= before;
    }

    /** Congestion avoidance begins: t_epoch, cwnd_epoch, K and W_est (4.2, 4.3). */
    private void startEpoch(long nowNanos) {
        inEpoch = true;
        epochStart = nowNanos;
        if (wMax <= cwnd) {
            kNanos = 0;
            wMax = cwnd;
        } else {
            kNanos = Math.round(Math.cbrt((double) (wMax - cwnd) / smss / C) * NANOS_PER_SECOND);
        }
        wEst = cwnd;
        estRemainder = 0;
        growRemainder = 0;
    }

    /** W_cubic(t) in bytes, {@code tNanos} after the epoch began: C * (t - K)^3 segments from W_max. */
    long window(long tNanos) {
        long offset = Math.clamp(tNanos - kNanos, -MAX_OFFSET_NANOS, MAX_OFFSET_NANOS);
        long units = (offset << 10) / NANOS_PER_SECOND;      // 1/1024 s, |units| <= 2^20
        long cube = units * units * units / (1L << 20);      // 1/1024 s^3, |cube| <= 2^40
        long delta = cube * 2 * smss / (5 * 1024L);          // C = 2/5 segments per s^3
        return Math.clamp(wMax + delta, 0, MAX_WINDOW);
    }

    /** W_max in bytes (0 before the first loss and after a timeout, until avoidance begins). */
    long wMax() {
        return wMax;
    }

    /** K in nanoseconds, for the avoidance under way. */
    long kNanos() {
        return kNanos;
    }

    /** The Reno-friendly estimate W_est in bytes. */
    long wEst() {
        return wEst;
    }
}
