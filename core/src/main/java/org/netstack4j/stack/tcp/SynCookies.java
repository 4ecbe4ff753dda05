package org.netstack4j.stack.tcp;

/**
 * SYN cookies (RFC 4987 3.6): when a listener's SYN queue is full, the SYN-ACK's initial sequence
 * number carries what the connection needs, and nothing is kept; the peer's ACK returns it (its
 * acknowledgment is the cookie plus one) and the connection is made then. What a SYN negotiated
 * travels in the cookie too — the MSS (as one of eight values, rounded down), the peer's window
 * scale, SACK-permitted and timestamps — so a connection made from a cookie loses nothing a
 * queued one has.
 *
 * <p>A cookie is 32 bits: a 5-bit clock that ticks every 64 s, 9 bits of options and an 18-bit
 * MAC (SipHash of the 4-tuple, the peer's initial sequence number, the whole clock and the
 * options), all but the MAC masked by a second keyed hash of the 4-tuple, so that neither the
 * clock nor the options can be read off a cookie and the sequence numbers stay unpredictable. A
 * cookie is good for the tick it was made in and the next (64 to 128 s); a forger must guess 18
 * bits for one 4-tuple. The codec allocates nothing: options come back packed in an int.
 */
public final class SynCookies {
    /** The MSS values a cookie can carry; a peer's MSS is rounded down to one of them (Linux's table, and jumbo). */
    static final int[] MSS = {536, 1220, 1360, 1400, 1440, 1460, 4312, 8960};
    /** The clock's tick: a cookie made in tick t is good in t and t + 1. */
    public static final long TICK_NANOS = 64_000_000_000L;
    private static final int MAC_BITS = 18;
    private static final int MAC_MASK = (1 << MAC_BITS) - 1;
    private static final int NO_SCALE = 15;
    /** What {@link #check} returns for a cookie that is not one of ours, or too old. */
    public static final int INVALID = -1;

    private final SipHash mac;
    private final SipHash mask;

    /** {@code k0, k1}: the secret (from the host's seeded random, so deterministic in simulated time). */
    public SynCookies(long k0, long k1) {
        this.mac = new SipHash(k0, k1);
        this.mask = new SipHash(~k1, k0 ^ 0x5bd1e995L);
    }

    /**
     * The options a cookie carries, packed: {@code mss} (the peer's, rounded down to the table),
     * {@code windowScale} (the peer's shift, or -1 if it did not offer scaling), and whether SACK
     * and timestamps were agreed.
     */
    public static int options(int mss, int windowScale, boolean sack, boolean timestamps) {
        int index = 0;
        for (int i = MSS.length - 1; i > 0; i--) {
            if (mss >= MSS[i]) {
                index = i;
                break;
            }
        }
        int scale = windowScale < 0 ? NO_SCALE : Math.min(windowScale, 14);
        return index | scale << 3 | (sack ? 1 << 7 : 0) | (timestamps ? 1 << 8 : 0);
    }

    /** The peer's MSS as the cookie kept it. */
    public static int mss(int options) {
        return MSS[options & 7];
    }

    /** The peer's window scale, or -1 if it offered none. */
    public static int windowScale(int options) {
        int scale = options >>> 3 & 15;
        return scale == NO_SCALE ? -1 : scale;
    }

    public static boolean sack(int options) {
        return (options & 1 << 7) != 0;
    }

    public static boolean timestamps(int options) {
        return (options & 1 << 8) != 0;
    }

    /** The cookie for a SYN from {@code remote} with initial sequence number {@code peerIsn}: our ISS. */
    public int make(int localAddress, int localPort, int remoteAddress, int remotePort, int peerIsn, int options,
                    long nowNanos) {
        long tick = nowNanos / TICK_NANOS;
        int visible = (int) (tick & 31) << 27 | (options & 0x1FF) << MAC_BITS;
        return (visible ^ mask(localAddress, localPort, remoteAddress, remotePort, peerIsn))
                | mac(localAddress, localPort, remoteAddress, remotePort, peerIsn, tick, options);
    }

    /**
     * The options of {@code cookie} (an ACK's acknowledgment minus one) if it is ours for this
     * 4-tuple and peer ISN and was made in this tick or the last, else {@link #INVALID}.
     */
    public int check(int localAddress, int localPort, int remoteAddress, int remotePort, int peerIsn, int cookie,
                     long nowNanos) {
        int visible = (cookie ^ mask(localAddress, localPort, remoteAddress, remotePort, peerIsn)) & ~MAC_MASK;
        int options = visible >>> MAC_BITS & 0x1FF;
        int clock = visible >>> 27;
        long tick = nowNanos / TICK_NANOS;
        for (long t = tick; t >= tick - 1 && t >= 0; t--) {
            if ((t & 31) == clock
                    && mac(localAddress, localPort, remoteAddress, remotePort, peerIsn, t, options) == (cookie & MAC_MASK)) {
                return options;
            }
        }
        return INVALID;
    }

    private int mask(int localAddress, int localPort, int remoteAddress, int remotePort, int peerIsn) {
        return (int) mask.hash(localAddress, localPort, remoteAddress, remotePort, Integer.toUnsignedLong(peerIsn))
                & ~MAC_MASK;
    }

    private int mac(int localAddress, int localPort, int remoteAddress, int remotePort, int peerIsn, long tick,
                    int options) {
        long extra = (long) peerIsn << 32 ^ tick << 9 ^ options;
        return (int) mac.hash(localAddress, localPort, remoteAddress, remotePort, extra) & MAC_MASK;
    }
}
