package org.netstack4j.wire;

import org.netstack4j.buffer.PacketBuffer;

/**
 * IPv4 options (RFC 791 3.1), read from a header that passed {@link Ipv4Packet#check}: whether
 * they are well formed (the offset of the first bad byte, for ICMP's parameter problem), whether
 * they ask for source routing, and the Record Route and Timestamp options an echo reply must
 * carry back updated (RFC 1122 3.2.2.6). Other options are skipped by their length.
 */
public final class Ipv4Options {
    public static final int END = 0;
    public static final int NOP = 1;
    public static final int RECORD_ROUTE = 7;
    public static final int TIMESTAMP = 68;
    public static final int LOOSE_SOURCE_ROUTE = 131;
    public static final int STRICT_SOURCE_ROUTE = 137;
    /** Options take at most 40 bytes. */
    public static final int MAX_LENGTH = 40;

    private Ipv4Options() {
    }

    /**
     * The offset from the start of the header of the first byte that makes the options malformed
     * (a length below its minimum or past the header, a pointer out of range), or -1 if they are
     * well formed. The offset is what ICMP's parameter problem points at.
     */
    public static int firstError(PacketBuffer b) {
        int end = Ipv4Packet.headerLength(b);
        int i = Ipv4Packet.MIN_HEADER;
        while (i < end) {
            int type = b.getByte(i) & 0xFF;
            if (type == END) {
                return -1;
            }
            if (type == NOP) {
                i++;
                continue;
            }
            if (i + 1 >= end) {
                return i;
            }
            int len = b.getByte(i + 1) & 0xFF;
            if (len < 2 || i + len > end) {
                return i + 1;
            }
            switch (type) {
                case RECORD_ROUTE, LOOSE_SOURCE_ROUTE, STRICT_SOURCE_ROUTE -> {
                    if (len < 3) {
                        return i + 1;
                    }
                    int pointer = b.getByte(i + 2) & 0xFF;
                    if (pointer < 4) {
                        return i + 2;
                    }
                }
                case TIMESTAMP -> {
                    if (len < 4) {
                        return i + 1;
                    }
                    int pointer = b.getByte(i + 2) & 0xFF;
                    int flag = b.getByte(i + 3) & 0x0F;
                    if (pointer < 5) {
                        return i + 2;
                    }
                    if (flag != 0 && flag != 1 && flag != 3) {
                        return i + 3;
                    }
                }
                default -> { }
            }
            i += len;
        }
        return -1;
    }

    /** True if the (well-formed) options ask for loose or strict source routing. */
    public static boolean hasSourceRoute(PacketBuffer b) {
        return find(b, LOOSE_SOURCE_ROUTE) >= 0 || find(b, STRICT_SOURCE_ROUTE) >= 0;
    }

    /** Offset of the first option of {@code type} in the header, or -1. */
    private static int find(PacketBuffer b, int type) {
        int end = Ipv4Packet.headerLength(b);
        int i = Ipv4Packet.MIN_HEADER;
        while (i < end) {
            int t = b.getByte(i) & 0xFF;
            if (t == END) {
                return -1;
            }
            if (t == NOP) {
                i++;
                continue;
            }
            if (t == type) {
                return i;
            }
            i += Math.max(2, b.getByte(i + 1) & 0xFF);
        }
        return -1;
    }

    /**
     * The options an echo reply carries (RFC 1122 3.2.2.6): the request's Record Route and
     * Timestamp options, copied into {@code out} and updated with {@code address} (and the
     * timestamp {@code timestamp}) where they have room, a full Timestamp option counting its
     * overflow; NOP-padded to a multiple of 4. Returns the length written (0 if there are none).
     */
    public static int reflect(PacketBuffer request, byte[] out, int address, int timestamp) {
        int n = reflectOne(request, RECORD_ROUTE, out, 0, address, timestamp);
        n = reflectOne(request, TIMESTAMP, out, n, address, timestamp);
        while ((n & 3) != 0) {
            out[n++] = (byte) NOP;
        }
        return n;
    }

    /** Copies the option of {@code type} (if present) to {@code out} at {@code n}, updated; returns the new end. */
    private static int reflectOne(PacketBuffer request, int type, byte[] out, int n, int address, int timestamp) {
        int at = find(request, type);
        if (at < 0) {
            return n;
        }
        int len = request.getByte(at + 1) & 0xFF;
        request.copyTo(at, out, n, len);
        int pointer = out[n + 2] & 0xFF;
        if (type == RECORD_ROUTE) {
            if (pointer + 3 <= len) {
                putInt(out, n + pointer - 1, address);
                out[n + 2] = (byte) (pointer + 4);
            }
            return n + len;
        }
        int flag = out[n + 3] & 0x0F;
        int entry = flag == 0 ? 4 : 8;
        if (pointer + entry - 1 > len) {
            int overflow = (out[n + 3] & 0xF0) >>> 4; // no room: count it (saturating at 15)
            out[n + 3] = (byte) (Math.min(15, overflow + 1) << 4 | flag);
        } else if (flag == 0) {
            putInt(out, n + pointer - 1, timestamp);
            out[n + 2] = (byte) (pointer + 4);
        } else if (flag == 1 || getInt(out, n + pointer - 1) == address) {
            putInt(out, n + pointer - 1, address);
            putInt(out, n + pointer + 3, timestamp);
            out[n + 2] = (byte) (pointer + 8);
        }
        return n + len;
    }

    private static void putInt(byte[] a, int at, int v) {
        a[at] = (byte) (v >>> 24);
        a[at + 1] = (byte) (v >>> 16);
        a[at + 2] = (byte) (v >>> 8);
        a[at + 3] = (byte) v;
    }

    private static int getInt(byte[] a, int at) {
        return (a[at] & 0xFF) << 24 | (a[at + 1] & 0xFF) << 16 | (a[at + 2] & 0xFF) << 8 | (a[at + 3] & 0xFF);
    }
}
