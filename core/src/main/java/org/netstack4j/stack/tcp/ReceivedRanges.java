package org.netstack4j.stack.tcp;

import org.netstack4j.wire.TcpOptions;
import org.netstack4j.wire.TcpSequence;

/**
 * The out-of-order data a receiver holds beyond RCV.NXT, as sequence ranges: merged as segments
 * arrive, trimmed as the gap before them fills, bounded in number (an attacker who sends
 * scattered single bytes gets {@link #add} refusals, never more memory), and reported as SACK
 * blocks the way RFC 2018 4 asks: the block holding the latest segment first, then the others by
 * how recently they changed. Only the ranges are kept here; the bytes live in the stream buffer.
 */
public final class ReceivedRanges {
    private final int[] left;
    private final int[] right;   // exclusive
    private final long[] touched; // when each range last grew: the order SACK blocks are reported in
    private int count;
    private long clock;

    public ReceivedRanges(int maxRanges) {
        if (maxRanges < 1) {
            throw new IllegalArgumentException("need room for at least one range: " + maxRanges);
        }
        left = new int[maxRanges];
        right = new int[maxRanges];
        touched = new long[maxRanges];
    }

    public int count() {
        return count;
    }

    public int left(int i) {
        return left[i];
    }

    public int right(int i) {
        return right[i];
    }

    /** True if {@code [from, to)} lies wholly inside one range: all of it was received already. */
    public boolean covers(int from, int to) {
        for (int i = 0; i < count; i++) {
            if (TcpSequence.le(left[i], from) && TcpSequence.le(to, right[i])) {
                return true;
            }
        }
        return false;
    }

    /** True if {@link #add} of {@code [from, to)} would succeed: it joins a range, or a slot is free. */
    public boolean hasRoomFor(int from, int to) {
        if (count < left.length || !TcpSequence.lt(from, to)) {
            return true;
        }
        int i = 0;
        while (i < count && TcpSequence.lt(right[i], from)) {
            i++;
        }
        return i < count && !TcpSequence.lt(to, left[i]);
    }

    /**
     * Records {@code [from, to)} received (RCV.NXT lies before {@code from}). Returns false if it
     * would need a new range and every slot is in use: the caller drops the segment and counts it.
     */
    public boolean add(int from, int to) {
        if (!TcpSequence.lt(from, to)) {
            return true; // nothing to record
        }
        clock++;
        // Ranges are kept sorted and disjoint: find the first that ends at or after 'from'.
        int i = 0;
        while (i < count && TcpSequence.lt(right[i], from)) {
            i++;
        }
        if (i == count || TcpSequence.lt(to, left[i])) {
            if (count == left.length) {
                return false;
            }
            System.arraycopy(left, i, left, i + 1, count - i);
            System.arraycopy(right, i, right, i + 1, count - i);
            System.arraycopy(touched, i, touched, i + 1, count - i);
            left[i] = from;
            right[i] = to;
            touched[i] = clock;
            count++;
            return true;
        }
        // Overlaps or touches range i: widen it, then swallow the ranges it now reaches.
        left[i] = TcpSequence.min(left[i], from);
        right[i] = TcpSequence.max(right[i], to);
        touched[i] = clock;
        int j = i + 1;
        while (j < count && TcpSequence.le(left[j], right[i])) {
            right[i] = TcpSequence.max(right[i], right[j]);
            j++;
        }
        int removed = j - i - 1;
        if (removed > 0) {
            System.arraycopy(left, j, left, i + 1, count - j);
            System.arraycopy(right, j, right, i + 1, count - j);
            System.arraycopy(touched, j, touched, i + 1, count - j);
            count -= removed;
        }
        return true;
    }

    /**
     * RCV.NXT has advanced to {@code rcvNxt}: forgets what lies before it. Returns the new
     * RCV.NXT, past the first range if the gap before it is now filled (its data can be read).
     */
    public int advance(int rcvNxt) {
        int next = rcvNxt;
        int drop = 0;
        while (drop < count && TcpSequence.le(left[drop], next)) {
            next = TcpSequence.max(next, right[drop]);
            drop++;
        }
        if (drop > 0) {
            System.arraycopy(left, drop, left, 0, count - drop);
            System.arraycopy(right, drop, right, 0, count - drop);
            System.arraycopy(touched, drop, touched, 0, count - drop);
            count -= drop;
        }
        return next;
    }

    /** Forgets the highest range (its data was given up): it is no longer reported. */
    public void dropHighest() {
        if (count > 0) {
            count--;
        }
    }

    /**
     * Adds SACK blocks to {@code options} until it holds {@code max}, most recently changed first
     * (RFC 2018 4); a D-SACK block, if any, is already in front.
     */
    public void reportTo(TcpOptions options, int max) {
        long below = Long.MAX_VALUE;
        int n = Math.min(max - options.sackBlocks, count);
        for (int k = 0; k < n; k++) {
            int best = -1;
            for (int i = 0; i < count; i++) {
                if (touched[i] < below && (best < 0 || touched[i] > touched[best])) {
                    best = i;
                }
            }
            options.addSack(left[best], right[best]);
            below = touched[best];
        }
    }

    public void clear() {
        count = 0;
    }
}
