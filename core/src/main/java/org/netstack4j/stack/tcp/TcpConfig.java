package org.netstack4j.stack.tcp;

import java.util.Objects;

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
 * @param keepAlive         probe an idle connection (SO_KEEPALIVE; off by default, as everywhere)
 * @param keepAliveIdleNanos   silence before the first probe (Linux: 2 hours)
 * @param keepAliveIntervalNanos between unanswered probes (Linux: 75 s)
 * @param keepAliveProbes   unanswered probes before the connection is given up (Linux: 9)
 * @param userTimeoutNanos  how long sent data may stay unacknowledged, or a zero window unopened,
 *                          before the connection is given up (RFC 5482, TCP_USER_TIMEOUT); 0: no limit
 *                          but {@code maxRetransmits}
 * @param congestionControl the algorithm each connection's sender runs (CUBIC by default, as Linux)
 */
public record TcpConfig(int mss, int receiveBuffer, int sendBuffer, boolean windowScaling, boolean timestamps,
                        boolean sack, boolean noDelay, long minRtoNanos, long maxRtoNanos, long delayedAckNanos,
                        long timeWaitNanos, int maxRetransmits, int outOfOrderRanges, boolean keepAlive,
                        long keepAliveIdleNanos, long keepAliveIntervalNanos, int keepAliveProbes,
                        long userTimeoutNanos, CongestionControl.Kind congestionControl) {

    public static final TcpConfig DEFAULT = new TcpConfig(1460, 256 * 1024, 256 * 1024, true, true, true, false,
            RttEstimator.DEFAULT_MIN_RTO_NANOS, RttEstimator.DEFAULT_MAX_RTO_NANOS, 40_000_000L, 60_000_000_000L,
            15, 32, false, 7_200_000_000_000L, 75_000_000_000L, 9, 0, CongestionControl.Kind.CUBIC);

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
        if (keepAliveIdleNanos < 1_000_000 || keepAliveIntervalNanos < 1_000_000 || keepAliveProbes < 1
                || userTimeoutNanos < 0) {
            throw new IllegalArgumentException("keepalive times must be at least 1 ms, probes at least 1, the user timeout not negative");
        }
        Objects.requireNonNull(congestionControl, "congestionControl");
    }

    /** The window shift that lets {@link #receiveBuffer} be offered whole (0 without scaling). */
    public int windowShift() {
        if (!windowScaling) {
            return 0;
        }
        int shift = 0;
        while (shift < 14 && (receiveBuffer >> shift) > 0xFFFF) {
            shift++;
        }
        return shift;
    }

    public static Builder builder() {
        return new Builder(DEFAULT);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public TcpConfig withNoDelay(boolean on) {
        return toBuilder().noDelay(on).build();
    }

    public TcpConfig withBuffers(int receive, int send) {
        return toBuilder().buffers(receive, send).build();
    }

    public TcpConfig withOptions(boolean scaling, boolean stamps, boolean selective) {
        return toBuilder().options(scaling, stamps, selective).build();
    }

    /** Keepalive on, after {@code idleNanos} of silence, a probe each {@code intervalNanos}, {@code probes} unanswered end it. */
    public TcpConfig withKeepAlive(long idleNanos, long intervalNanos, int probes) {
        return toBuilder().keepAlive(idleNanos, intervalNanos, probes).build();
    }

    public TcpConfig withUserTimeout(long nanos) {
        return toBuilder().userTimeout(nanos).build();
    }

    public TcpConfig withTimeWait(long nanos) {
        return toBuilder().timeWait(nanos).build();
    }

    public TcpConfig withCongestionControl(CongestionControl.Kind kind) {
        return toBuilder().congestionControl(kind).build();
    }

    /** Names what differs from a configuration it starts from. */
    public static final class Builder {
        private int mss;
        private int receiveBuffer;
        private int sendBuffer;
        private boolean windowScaling;
        private boolean timestamps;
        private boolean sack;
        private boolean noDelay;
        private long minRtoNanos;
        private long maxRtoNanos;
        private long delayedAckNanos;
        private long timeWaitNanos;
        private int maxRetransmits;
        private int outOfOrderRanges;
        private boolean keepAlive;
        private long keepAliveIdleNanos;
        private long keepAliveIntervalNanos;
        private int keepAliveProbes;
        private long userTimeoutNanos;
        private CongestionControl.Kind congestionControl;

        private Builder(TcpConfig c) {
            mss = c.mss;
            receiveBuffer = c.receiveBuffer;
            sendBuffer = c.sendBuffer;
            windowScaling = c.windowScaling;
            timestamps = c.timestamps;
            sack = c.sack;
            noDelay = c.noDelay;
            minRtoNanos = c.minRtoNanos;
            maxRtoNanos = c.maxRtoNanos;
            delayedAckNanos = c.delayedAckNanos;
            timeWaitNanos = c.timeWaitNanos;
            maxRetransmits = c.maxRetransmits;
            outOfOrderRanges = c.outOfOrderRanges;
            keepAlive = c.keepAlive;
            keepAliveIdleNanos = c.keepAliveIdleNanos;
            keepAliveIntervalNanos = c.keepAliveIntervalNanos;
            keepAliveProbes = c.keepAliveProbes;
            userTimeoutNanos = c.userTimeoutNanos;
            congestionControl = c.congestionControl;
        }

        public Builder mss(int bytes) {
            mss = bytes;
            return this;
        }

        public Builder buffers(int receive, int send) {
            receiveBuffer = receive;
            sendBuffer = send;
            return this;
        }

        public Builder options(boolean scaling, boolean stamps, boolean selective) {
            windowScaling = scaling;
            timestamps = stamps;
            sack = selective;
            return this;
        }

        public Builder noDelay(boolean on) {
            noDelay = on;
            return this;
        }

        public Builder rto(long minNanos, long maxNanos) {
            minRtoNanos = minNanos;
            maxRtoNanos = maxNanos;
            return this;
        }

        public Builder delayedAck(long nanos) {
            delayedAckNanos = nanos;
            return this;
        }

        public Builder timeWait(long nanos) {
            timeWaitNanos = nanos;
            return this;
        }

        public Builder maxRetransmits(int n) {
            maxRetransmits = n;
            return this;
        }

        public Builder outOfOrderRanges(int n) {
            outOfOrderRanges = n;
            return this;
        }

        public Builder keepAlive(long idleNanos, long intervalNanos, int probes) {
            keepAlive = true;
            keepAliveIdleNanos = idleNanos;
            keepAliveIntervalNanos = intervalNanos;
            keepAliveProbes = probes;
            return this;
        }

        public Builder userTimeout(long nanos) {
            userTimeoutNanos = nanos;
            return this;
        }

        public Builder congestionControl(CongestionControl.Kind kind) {
            congestionControl = kind;
            return this;
        }

        public TcpConfig build() {
            return new TcpConfig(mss, receiveBuffer, sendBuffer, windowScaling, timestamps, sack, noDelay,
                    minRtoNanos, maxRtoNanos, delayedAckNanos, timeWaitNanos, maxRetransmits, outOfOrderRanges,
                    keepAlive, keepAliveIdleNanos, keepAliveIntervalNanos, keepAliveProbes, userTimeoutNanos,
                    congestionControl);
        }
    }
}
