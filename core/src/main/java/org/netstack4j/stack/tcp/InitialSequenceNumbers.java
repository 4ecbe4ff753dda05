package org.netstack4j.stack.tcp;

/**
 * Initial sequence numbers as RFC 6528 asks: ISN = M + F(4-tuple, secret), M a clock that ticks
 * every 4 microseconds and F a keyed hash (SipHash-2-4). Each 4-tuple's numbers grow with time,
 * so a new incarnation starts beyond the old one's (TIME_WAIT and PAWS rely on it), while an
 * off-path attacker who does not know the key cannot guess any connection's start.
 */
public final class InitialSequenceNumbers {
    private final SipHash f;

    /** {@code k0, k1}: the secret, from the host's seeded random (deterministic in simulated time). */
    public InitialSequenceNumbers(long k0, long k1) {
        this.f = new SipHash(k0, k1);
    }

    public int next(int localAddress, int localPort, int remoteAddress, int remotePort, long nowNanos) {
        int m = (int) (nowNanos / 4_000L);
        return m + (int) f.hash(localAddress, localPort, remoteAddress, remotePort, 0);
    }
}
