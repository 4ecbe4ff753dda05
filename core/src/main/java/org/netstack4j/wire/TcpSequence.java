package org.netstack4j.wire;

/**
 * TCP sequence numbers: 32-bit counters that wrap, compared modulo 2^32 (RFC 9293 3.4). Two
 * numbers are ordered by the sign of their difference, which is right while they are less than
 * 2^31 apart, as every window is. Sequence numbers are carried in an {@code int}.
 */
public final class TcpSequence {
    private TcpSequence() {
    }

    /** {@code a < b} modulo 2^32. */
    public static boolean lt(int a, int b) {
        return a - b < 0;
    }

    /** {@code a <= b} modulo 2^32. */
    public static boolean le(int a, int b) {
        return a - b <= 0;
    }

    /** {@code a > b} modulo 2^32. */
    public static boolean gt(int a, int b) {
        return a - b > 0;
    }

    /** {@code a >= b} modulo 2^32. */
    public static boolean ge(int a, int b) {
        return a - b >= 0;
    }

    /** {@code low <= x < high} modulo 2^32: x lies in the window that starts at low and ends before high. */
    public static boolean inWindow(int x, int low, int high) {
        return le(low, x) && lt(x, high);
    }

    /** How far {@code to} lies after {@code from} (negative if before). */
    public static int distance(int from, int to) {
        return to - from;
    }

    /** The later of two sequence numbers. */
    public static int max(int a, int b) {
        return gt(a, b) ? a : b;
    }

    /** The earlier of two sequence numbers. */
    public static int min(int a, int b) {
        return lt(a, b) ? a : b;
    }
}
