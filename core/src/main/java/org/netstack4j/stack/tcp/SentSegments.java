package org.netstack4j.stack.tcp;

import org.netstack4j.wire.TcpSequence;

import java.util.ArrayDeque;

import static org.netstack4j.wire.TcpSequence.le;
import static org.netstack4j.wire.TcpSequence.lt;

/**
 * The segments a sender has sent and not yet had acknowledged, in sequence order, each with when
 * it was last sent and whether it was sent again, SACKed or taken as lost: what RACK (RFC 8985)
 * reasons over and what the pipe (RFC 6675) is counted from. Entries cover SND.UNA to SND.MAX
 * without gaps; a SACK block or a retransmission that starts inside an entry splits it.
 *
 * <p>A connection holds a log only while something is in flight; idle ones give it back to their
 * host's {@link Pool}, so a hundred thousand quiet connections hold none. The log grows to
 * {@value #MAX_ENTRIES} entries; past that a new segment is merged into the last entry (which
 * then counts as sent at the later time: loss is found later, never wrongly).
 */
public final class SentSegments {
    static final int RETRANSMITTED = 1;
    static final int SACKED = 2;
    static final int LOST = 4;
    static final int MAX_ENTRIES = 8192;
    /** Logs up to this size go back to their pool; larger ones (rare: flights of hundreds of segments) do not. */
    static final int POOLED_ENTRIES = 256;
    private static final int INITIAL_ENTRIES = 16;

    private int[] start = new int[INITIAL_ENTRIES];
    private int[] end = new int[INITIAL_ENTRIES];
    private long[] sentAt = new long[INITIAL_ENTRIES];
    private byte[] flags = new byte[INITIAL_ENTRIES];
    private int head;
    private int count;
    private long sackedBytes;
    private int sackedSegments;
    private long lostBytes;
    /** The last send time given out: times are kept strictly increasing (see {@link #stamp}). */
    private long lastStamp = Long.MIN_VALUE;

    /** Where the entries i lie in the arrays (a ring whose size is a power of two). */
    private int at(int i) {
        return (head + i) & (start.length - 1);
    }

    public int count() {
        return count;
    }

    public int start(int i) {
        return start[at(i)];
    }

    public int end(int i) {
        return end[at(i)];
    }

    public long sentAt(int i) {
        return sentAt[at(i)];
    }

    boolean has(int i, int flag) {
        return (flags[at(i)] & flag) != 0;
    }

    /** Bytes in entries the peer has SACKed. */
    public long sackedBytes() {
        return sackedBytes;
    }

    /** Entries the peer has SACKed (RACK's SACKed segment count). */
    public int sackedSegments() {
        return sackedSegments;
    }

    /** Bytes taken as lost and not yet sent again. */
    public long lostBytes() {
        return lostBytes;
    }

    /**
     * A transmission of {@code from..to} at {@code now}: past the last entry, new entries; over
     * entries already there, those entries sent again (split at the edges). Returns the bytes of
     * it that were sent before.
     */
    int sent(int from, int to, long nowNanos) {
        long now = stamp(nowNanos);
        int again = 0;
        if (count > 0 && lt(from, end(count - 1))) {
            int i = indexOf(from);
            splitAt(i, from);
            i = indexOf(from);
            while (i < count && lt(start(i), to)) {
                splitAt(i, to);
                int k = at(i);
                adjust(k, -1); // neither SACKed nor lost now: it is in flight again
                flags[k] = RETRANSMITTED;
                sentAt[k] = now;
                again += length(k);
                i++;
            }
            from = TcpSequence.max(from, end(count - 1));
        }
        if (lt(from, to)) {
            append(from, to, now);
        }
        return again;
    }

    /**
     * {@code now}, or a nanosecond after the last time given if that is not earlier: RACK orders
     * transmissions by time, and in simulated time a burst (new data, then holes sent again) all
     * leaves at one instant; its order must still show.
     */
    private long stamp(long now) {
        lastStamp = Math.max(now, lastStamp + 1);
        return lastStamp;
    }

    private void append(int from, int to, long now) {
        if (count == start.length && !grow()) {
            int k = at(count - 1);
            if (end[k] == from) {
                adjust(k, -1);
                end[k] = to;
                flags[k] = 0;
                sentAt[k] = now;
                return;
            }
        }
        int k = at(count);
        start[k] = from;
        end[k] = to;
        sentAt[k] = now;
        flags[k] = 0;
        count++;
    }

    /** The SACKed and lost totals, less (sign -1) or plus (+1) entry k's part in them. */
    private void adjust(int k, int sign) {
        if ((flags[k] & SACKED) != 0) {
            sackedBytes += sign * length(k);
            sackedSegments += sign;
        }
        if ((flags[k] & LOST) != 0) {
            lostBytes += sign * length(k);
        }
    }

    private int length(int k) {
        return TcpSequence.distance(start[k], end[k]);
    }

    private boolean grow() {
        if (start.length >= MAX_ENTRIES) {
            return false;
        }
        int n = start.length * 2;
        int[] s = new int[n];
        int[] e = new int[n];
        long[] t = new long[n];
        byte[] f = new byte[n];
        for (int i = 0; i < count; i++) {
            int k = at(i);
            s[i] = start[k];
            e[i] = end[k];
            t[i] = sentAt[k];
            f[i] = flags[k];
        }
        start = s;
        end = e;
        sentAt = t;
        flags = f;
        head = 0;
        return true;
    }

    /** The index of the entry holding {@code seq}, or {@code count} if it lies past the last one (binary search). */
    private int indexOf(int seq) {
        int lo = 0;
        int hi = count;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (le(end(mid), seq)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Cuts entry i in two at {@code seq} if {@code seq} lies strictly inside it; both halves keep its time and flags. */
    private void splitAt(int i, int seq) {
        if (i >= count || !lt(start(i), seq) || !lt(seq, end(i))) {
            return;
        }
        if (count == start.length && !grow()) {
            return; // full at the largest size: the entry stays whole (it is then resent or SACKed whole)
        }
        for (int j = count; j > i + 1; j--) {
            int to = at(j);
            int from = at(j - 1);
            start[to] = start[from];
            end[to] = end[from];
            sentAt[to] = sentAt[from];
            flags[to] = flags[from];
        }
        int k = at(i);
        int n = at(i + 1);
        if ((flags[k] & SACKED) != 0) {
            sackedSegments++; // one SACKed segment is two now; the bytes stay
        }
        start[n] = seq;
        end[n] = end[k];
        sentAt[n] = sentAt[k];
        flags[n] = flags[k];
        end[k] = seq;
        count++;
    }

    /**
     * The cumulative ACK reached {@code ack}: entries below it leave the log, each that had not
     * been SACKed telling {@code rack} it was delivered.
     */
    void acknowledge(int ack, Rack rack, long now) {
        while (count > 0 && le(end(0), ack)) {
            int k = at(0);
            if ((flags[k] & SACKED) == 0) {
                rack.delivered(end[k], sentAt[k], (flags[k] & RETRANSMITTED) != 0, now);
            }
            adjust(k, -1);
            head = (head + 1) & (start.length - 1);
            count--;
        }
        if (count > 0 && lt(start(0), ack)) {
            int k = at(0);
            adjust(k, -1);
            start[k] = ack; // a partial ACK of the first entry
            adjust(k, +1);
        }
    }

    /** The peer SACKed {@code left..right}: entries inside it are marked, each newly SACKed one told to {@code rack}. */
    void sack(int left, int right, Rack rack, long now) {
        int i = indexOf(left);
        splitAt(i, left);
        i = indexOf(left);
        while (i < count && lt(start(i), right)) {
            splitAt(i, right);
            int k = at(i);
            if (TcpSequence.ge(start[k], left) && le(end[k], right) && (flags[k] & SACKED) == 0) {
                if ((flags[k] & LOST) != 0) {
                    lostBytes -= length(k);
                    flags[k] &= ~LOST;
                }
                flags[k] |= SACKED;
                sackedBytes += length(k);
                sackedSegments++;
                rack.delivered(end[k], sentAt[k], (flags[k] & RETRANSMITTED) != 0, now);
            }
            i++;
        }
    }

    /** True if any entry overlapping {@code left..right} was sent more than once. */
    boolean wasRetransmitted(int left, int right) {
        for (int i = indexOf(left); i < count && lt(start(i), right); i++) {
            if (has(i, RETRANSMITTED)) {
                return true;
            }
        }
        return false;
    }

    /** Marks entry i lost (RACK's verdict); returns its bytes, 0 if it was lost or SACKed already. */
    int markLost(int i) {
        int k = at(i);
        if ((flags[k] & (LOST | SACKED)) != 0) {
            return 0;
        }
        flags[k] |= LOST;
        lostBytes += length(k);
        return length(k);
    }

    /** The first entry taken as lost and not sent since, or -1. */
    int firstLost() {
        if (lostBytes == 0) {
            return -1;
        }
        for (int i = 0; i < count; i++) {
            if (has(i, LOST)) {
                return i;
            }
        }
        return -1;
    }

    /** The peer may have dropped what it SACKed (RFC 2018 8, after timeouts in a row): nothing counts as held. */
    void forgetSacks() {
        for (int i = 0; i < count; i++) {
            flags[at(i)] &= ~SACKED;
        }
        sackedBytes = 0;
        sackedSegments = 0;
    }

    boolean isEmpty() {
        return count == 0;
    }

    void clear() {
        lastStamp = Long.MIN_VALUE;
        head = 0;
        count = 0;
        sackedBytes = 0;
        sackedSegments = 0;
        lostBytes = 0;
    }

    /**
     * A host's logs not in use, handed to connections when something goes in flight and taken
     * back when everything is acknowledged, so steady traffic makes no garbage. Keeps at most
     * {@code keep} idle logs of at most {@value #POOLED_ENTRIES} entries; others are left to the collector.
     */
    public static final class Pool {
        private final ArrayDeque<SentSegments> idle = new ArrayDeque<>();
        private final int keep;

        public Pool(int keep) {
            this.keep = keep;
        }

        public SentSegments take() {
            SentSegments log = idle.pollFirst();
            return log != null ? log : new SentSegments();
        }

        public void give(SentSegments log) {
            log.clear();
            if (idle.size() < keep && log.start.length <= POOLED_ENTRIES) {
                idle.addFirst(log); // a log grown for a large flight is left to the collector, not hoarded
            }
        }

        /** Idle logs kept. */
        public int idle() {
            return idle.size();
        }
    }
}
