package org.netstack4j.wire;

import org.netstack4j.buffer.PacketBuffer;

/**
 * The TCP options netstack4j reads and writes (RFC 9293 3.2, RFC 7323, RFC 2018): MSS, window
 * scale, SACK-permitted, SACK blocks and timestamps. One instance is reused for every segment
 * (the packet path allocates nothing): {@link #parse} fills it, {@link #write} emits what is set.
 *
 * <p>Reading is lenient as Linux's is: an option of a known kind with the wrong length is
 * ignored, an unknown kind is skipped by its length, and a length that runs past the header or
 * is below 2 ends the parse with {@link Verdict#MALFORMED}, keeping what was read before it.
 */
public final class TcpOptions {
    public static final int KIND_END = 0;
    public static final int KIND_NOP = 1;
    public static final int KIND_MSS = 2;
    public static final int KIND_WINDOW_SCALE = 3;
    public static final int KIND_SACK_PERMITTED = 4;
    public static final int KIND_SACK = 5;
    public static final int KIND_TIMESTAMPS = 8;
    /** The largest shift RFC 7323 allows; a larger one is taken as 14. */
    public static final int MAX_WINDOW_SCALE = 14;
    /** At most four SACK blocks fit 40 bytes of options (three beside timestamps). */
    public static final int MAX_SACK_BLOCKS = 4;
    /** Options take at most 40 bytes: the data offset field counts at most 15 words. */
    public static final int MAX_LENGTH = 40;

    public enum Verdict { OK, MALFORMED }

    /** The peer's maximum segment size, or -1 if not sent. */
    public int mss = -1;
    /** The peer's window shift, 0..14, or -1 if not sent. */
    public int windowScale = -1;
    public boolean sackPermitted;
    public boolean hasTimestamps;
    public int tsVal;
    public int tsEcr;
    /** SACK blocks in use: {@code sackLeft[i]..sackRight[i]} (right edge exclusive) for i below this. */
    public int sackBlocks;
    public final int[] sackLeft = new int[MAX_SACK_BLOCKS];
    public final int[] sackRight = new int[MAX_SACK_BLOCKS];

    /** Forgets every option. */
    public TcpOptions clear() {
        mss = -1;
        windowScale = -1;
        sackPermitted = false;
        hasTimestamps = false;
        tsVal = 0;
        tsEcr = 0;
        sackBlocks = 0;
        return this;
    }

    /** Adds a SACK block (right edge exclusive); false if four are already set. */
    public boolean addSack(int left, int right) {
        if (sackBlocks == MAX_SACK_BLOCKS) {
            return false;
        }
        sackLeft[sackBlocks] = left;
        sackRight[sackBlocks] = right;
        sackBlocks++;
        return true;
    }

    public TcpOptions timestamps(int value, int echo) {
        hasTimestamps = true;
        tsVal = value;
        tsEcr = echo;
        return this;
    }

    /** Reads the options of the segment whose header starts {@code b} (normally checked by {@link TcpSegment#check} first). */
    public Verdict parse(PacketBuffer b) {
        clear();
        if (b.length() < TcpSegment.HEADER_LENGTH) {
            return Verdict.MALFORMED;
        }
        int end = Math.min(TcpSegment.headerLength(b), b.length()); // safe on unchecked bytes too
        int i = TcpSegment.HEADER_LENGTH;
        while (i < end) {
            int kind = b.getByte(i) & 0xFF;
            if (kind == KIND_END) {
                return Verdict.OK;
            }
            if (kind == KIND_NOP) {
                i++;
                continue;
            }
            if (i + 1 >= end) {
                return Verdict.MALFORMED;
            }
            int len = b.getByte(i + 1) & 0xFF;
            if (len < 2 || i + len > end) {
                return Verdict.MALFORMED;
            }
            switch (kind) {
                case KIND_MSS -> {
                    if (len == 4) {
                        mss = b.getU16(i + 2);
                    }
                }
                case KIND_WINDOW_SCALE -> {
                    if (len == 3) {
                        windowScale = Math.min(b.getByte(i + 2) & 0xFF, MAX_WINDOW_SCALE);
                    }
                }
                case KIND_SACK_PERMITTED -> {
                    if (len == 2) {
                        sackPermitted = true;
                    }
                }
                case KIND_SACK -> {
                    if (len >= 10 && (len - 2) % 8 == 0) {
                        sackBlocks = 0;
                        for (int at = i + 2; at < i + len && sackBlocks < MAX_SACK_BLOCKS; at += 8) {
                            addSack(b.getInt(at), b.getInt(at + 4));
                        }
                    }
                }
                case KIND_TIMESTAMPS -> {
                    if (len == 10) {
                        timestamps(b.getInt(i + 2), b.getInt(i + 6));
                    }
                }
                default -> {
                    // unknown kind: skipped by its length
                }
            }
            i += len;
        }
        return Verdict.OK;
    }

    /** Bytes {@link #write} emits for what is set now: a multiple of 4, at most 40 (SACK blocks are cut to fit). */
    public int length() {
        int n = unpaddedLength(sacksThatFit());
        return (n + 3) & ~3;
    }

    private int unpaddedLength(int sacks) {
        int n = 0;
        if (mss >= 0) {
            n += 4;
        }
        if (windowScale >= 0) {
            n += 4; // NOP + 3, as Linux aligns it
        }
        if (hasTimestamps) {
            n += 12; // SACK-permitted (or NOP NOP) + 10: the timestamps aligned, as Linux sends them
        } else if (sackPermitted) {
            n += 4; // NOP NOP + 2
        }
        if (sacks > 0) {
            n += 2 + 2 + 8 * sacks; // NOP NOP + kind, length + blocks
        }
        return n;
    }

    private int sacksThatFit() {
        int sacks = sackBlocks;
        while (sacks > 0 && ((unpaddedLength(sacks) + 3) & ~3) > MAX_LENGTH) {
            sacks--;
        }
        return sacks;
    }

    /**
     * Writes the options that are set at {@code offset} of {@code b} in Linux's order and
     * alignment (MSS, SACK-permitted with timestamps, window scale, SACK blocks), NOP-padded to a
     * multiple of 4; returns the bytes written, {@link #length()}.
     */
    public int write(PacketBuffer b, int offset) {
        int at = offset;
        if (mss >= 0) {
            b.setInt(at, KIND_MSS << 24 | 4 << 16 | (mss & 0xFFFF));
            at += 4;
        }
        if (hasTimestamps) {
            if (sackPermitted) {
                b.setU16(at, KIND_SACK_PERMITTED << 8 | 2);
                at += 2;
            } else {
                b.setU16(at, KIND_NOP << 8 | KIND_NOP);
                at += 2;
            }
            b.setU16(at, KIND_TIMESTAMPS << 8 | 10);
            b.setInt(at + 2, tsVal);
            b.setInt(at + 6, tsEcr);
            at += 10;
        } else if (sackPermitted) {
            b.setInt(at, KIND_NOP << 24 | KIND_NOP << 16 | KIND_SACK_PERMITTED << 8 | 2);
            at += 4;
        }
        if (windowScale >= 0) {
            b.setInt(at, KIND_NOP << 24 | KIND_WINDOW_SCALE << 16 | 3 << 8 | Math.min(windowScale, MAX_WINDOW_SCALE));
            at += 4;
        }
        int sacks = sacksThatFit();
        if (sacks > 0) {
            b.setInt(at, KIND_NOP << 24 | KIND_NOP << 16 | KIND_SACK << 8 | (2 + 8 * sacks));
            at += 4;
            for (int k = 0; k < sacks; k++) {
                b.setInt(at, sackLeft[k]);
                b.setInt(at + 4, sackRight[k]);
                at += 8;
            }
        }
        while (((at - offset) & 3) != 0) {
            b.setByte(at++, KIND_NOP);
        }
        return at - offset;
    }
}
