package org.netstack4j.stack;

/**
 * A rate limit on the host's clock: {@code perSecond} tokens a second, bursts of up to one second's worth.
 *
 * <p>Time is converted into tokens exactly: the part of the elapsed time too small to make a
 * whole milli-token is carried to the next call, so callers that come faster than one
 * milli-token's worth of time apart (10 us at 100/s) still earn the full rate.
 */
final class TokenBucket {
    private static final long UNITS_PER_MILLI_TOKEN = 1_000_000L; // units are perSecond * nanoseconds
    private final long perSecond;
    private final long capacityMilli;
    private long tokensMilli;
    /** Earned but not yet converted: perSecond * nanoseconds, always below one milli-token (1e6). */
    private long remainder;
    private long lastNanos;

    TokenBucket(int perSecond, long nowNanos) {
        if (perSecond < 1) {
            throw new IllegalArgumentException("rate must be positive: " + perSecond);
        }
        this.perSecond = perSecond;
        this.capacityMilli = perSecond * 1000L;
        this.tokensMilli = capacityMilli;
        this.lastNanos = nowNanos;
    }

    /** Takes a token if one is left. */
    boolean take(long nowNanos) {
        long elapsed = nowNanos - lastNanos;
        if (elapsed > 0) {
            lastNanos = nowNanos;
            if (elapsed >= 1_000_000_000L) {
                tokensMilli = capacityMilli; // a second or more: a full bucket
                remainder = 0;
            } else {
                // milli-tokens earned: perSecond * elapsed / 1e6 (no overflow: elapsed < 1e9, perSecond < 2^31)
                long units = perSecond * elapsed + remainder;
                tokensMilli += units / UNITS_PER_MILLI_TOKEN;
                remainder = units % UNITS_PER_MILLI_TOKEN;
                if (tokensMilli >= capacityMilli) {
                    tokensMilli = capacityMilli; // a full bucket saves nothing more
                    remainder = 0;
                }
            }
        }
        if (tokensMilli >= 1000) {
            tokensMilli -= 1000;
            return true;
        }
        return false;
    }
}
