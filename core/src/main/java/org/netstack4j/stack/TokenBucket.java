package org.netstack4j.stack;

/** A rate limit on the host's clock: {@code perSecond} tokens a second, bursts of up to one second's worth. */
final class TokenBucket {
    private final long perSecond;
    private long tokensMilli;
    private long lastNanos;

    TokenBucket(int perSecond, long nowNanos) {
        this.perSecond = perSecond;
        this.tokensMilli = perSecond * 1000L;
        this.lastNanos = nowNanos;
    }

    /** Takes a token if one is left. */
    boolean take(long nowNanos) {
        long elapsed = nowNanos - lastNanos;
        if (elapsed > 0) {
            // milli-tokens earned: perSecond * elapsed / 1e6, capped at a second's worth
            long earned = elapsed >= 1_000_000_000L ? perSecond * 1000L : perSecond * elapsed / 1_000_000L;
            tokensMilli = Math.min(perSecond * 1000L, tokensMilli + earned);
            lastNanos = nowNanos;
        }
        if (tokensMilli >= 1000) {
            tokensMilli -= 1000;
            return true;
        }
        return false;
    }
}
