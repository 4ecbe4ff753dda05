package org.netstack4j.hw.e1000;

import static org.netstack4j.hw.e1000.E1000Registers.*;

/**
 * The statistics registers (0x4000–0x40FC). They count as hardware does and clear on read; the
 * 64-bit octet counters clear when their high half is read.
 *
 * <p>No lock of its own: each counter belongs to the unit that counts it, and is written and read
 * under that unit's lock — the transmit counters ({@link #isTransmitCounter}) under the
 * {@link TransmitUnit}'s, all others under the {@link ReceiveUnit}'s (which already holds it for
 * each frame it handles), so counting a frame costs no lock beyond the one the unit holds anyway.
 * {@link E1000} routes register reads accordingly; a reset holds both.
 */
final class Statistics {
    private final long[] counts = new long[(STATS_LAST - STATS_FIRST) / 4 + 1];

    /** True for the counters the transmit unit keeps (packets and octets sent, by size and kind; TCP segmentation contexts). */
    static boolean isTransmitCounter(int register) {
        return register == GPTC || register == GOTCL || register == GOTCH || register == TOTL || register == TOTH
                || (register >= TPT && register <= TSCTFC);
    }

    private static int index(int register) {
        return (register - STATS_FIRST) >>> 2;
    }

    private void add(int register, long n) {
        counts[index(register)] += n;
    }

    /** A frame received while receives are enabled, whatever becomes of it (TPR, TOR). */
    void frameSeen(int octetsWithFcs) {
        add(TPR, 1);
        add(TORL, octetsWithFcs);
    }

    /** A frame accepted and stored in host memory. */
    void frameReceived(int octetsWithFcs, boolean broadcast, boolean multicast) {
        add(GPRC, 1);
        add(GORCL, octetsWithFcs);
        if (broadcast) {
            add(BPRC, 1);
        } else if (multicast) {
            add(MPRC, 1);
        }
        add(sizeBucket(PRC64, octetsWithFcs), 1);
    }

    void frameSent(int octetsWithFcs, boolean broadcast, boolean multicast) {
        add(GPTC, 1);
        add(GOTCL, octetsWithFcs);
        add(TPT, 1);
        add(TOTL, octetsWithFcs);
        if (broadcast) {
            add(BPTC, 1);
        } else if (multicast) {
            add(MPTC, 1);
        }
        add(sizeBucket(PTC64, octetsWithFcs), 1);
    }

    /** One more event in a plain counter register (MPC, RNBC, ROC, RUC, TNCRS, ...). */
    void count(int register) {
        add(register, 1);
    }

    private static int sizeBucket(int first64, int octets) {
        if (octets <= 64) {
            return first64;
        } else if (octets <= 127) {
            return first64 + 4;
        } else if (octets <= 255) {
            return first64 + 8;
        } else if (octets <= 511) {
            return first64 + 12;
        } else if (octets <= 1023) {
            return first64 + 16;
        }
        return first64 + 20;
    }

    /** A register read: the count, cleared; low halves of 64-bit pairs wait for the high read. */
    int read(int register) {
        int i = index(register);
        return switch (register) {
            case GORCL, GOTCL, TORL, TOTL -> (int) counts[i];
            case GORCH, GOTCH, TORH, TOTH -> {
                long value = counts[i - 1];
                counts[i - 1] = 0;
                yield (int) (value >>> 32);
            }
            default -> {
                long value = counts[i];
                counts[i] = 0;
                yield (int) Math.min(value, 0xFFFF_FFFFL);
            }
        };
    }

    /** Peek without clearing (model diagnostics and tests). */
    long peek(int register) {
        return counts[index(register)];
    }

    void clear() {
        java.util.Arrays.fill(counts, 0);
    }
}
