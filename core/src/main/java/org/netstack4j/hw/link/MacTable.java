package org.netstack4j.hw.link;

import java.util.Arrays;

/**
 * A learning switch's address table: MAC (48 bits in a long) to port, with a last-seen time for
 * ageing. Open addressing with linear probing and backward-shift deletion over arrays sized once
 * at construction, so learning and looking up allocate nothing and box nothing.
 *
 * <p>The table holds at most {@code maxEntries} addresses. When it is full, expired entries are
 * swept out (only when one can have expired, so a MAC flood does not make every frame scan the
 * table); if it is still full the new address is not learned and {@code refused} counts it, and
 * frames to that address are flooded, as a real switch does under a MAC flood.
 *
 * <p>Not thread-safe: {@link EthernetSwitch} guards it with its lock.
 */
final class MacTable {
    private static final int EMPTY = -1;

    private final long[] macs;
    private final int[] ports;
    private final long[] seen;
    private final int mask;
    private final int maxEntries;
    private final long ageingNanos;
    private int size;
    /** A lower bound on every entry's last-seen time, valid once a sweep has computed it. */
    private long oldest;
    private boolean oldestKnown;

    long learned;
    long moves;
    long aged;
    long refused;
    long flushed;

    MacTable(int maxEntries, long ageingNanos) {
        if (maxEntries <= 0 || maxEntries > (1 << 28)) {
            throw new IllegalArgumentException("MAC table size must be in 1.." + (1 << 28) + ": " + maxEntries);
        }
        if (ageingNanos <= 0) {
            throw new IllegalArgumentException("ageing time must be positive: " + ageingNanos);
        }
        int capacity = Integer.highestOneBit(maxEntries * 2 - 1) << 1; // a power of two, at least twice maxEntries
        this.macs = new long[capacity];
        this.ports = new int[capacity];
        this.seen = new long[capacity];
        this.mask = capacity - 1;
        this.maxEntries = maxEntries;
        this.ageingNanos = ageingNanos;
        Arrays.fill(ports, EMPTY);
    }

    private int home(long mac) {
        long h = mac * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    /** The slot holding {@code mac}, or {@code ~slot} of the empty slot where it would go. */
    private int find(long mac) {
        int i = home(mac);
        while (ports[i] != EMPTY) {
            if (macs[i] == mac) {
                return i;
            }
            i = (i + 1) & mask;
        }
        return ~i;
    }

    private boolean expired(int slot, long now) {
        return now - seen[slot] >= ageingNanos;
    }

    /** The port {@code mac} was last seen on, or -1 if unknown or aged out (an aged entry is removed). */
    int lookup(long mac, long now) {
        int i = find(mac);
        if (i < 0) {
            return -1;
        }
        if (expired(i, now)) {
            removeAt(i);
            aged++;
            return -1;
        }
        return ports[i];
    }

    /** Records that {@code mac} was seen on {@code port} at {@code now}. */
    void learn(long mac, int port, long now) {
        int i = find(mac);
        if (i >= 0) {
            if (ports[i] != port) {
                ports[i] = port;
                moves++;
            }
            seen[i] = now;
            return;
        }
        if (size >= maxEntries) {
            if (!oldestKnown || now - oldest >= ageingNanos) {
                sweep(now);
            }
            if (size >= maxEntries) {
                refused++;
                return;
            }
            i = find(mac); // the sweep may have moved entries
        }
        i = ~i;
        macs[i] = mac;
        ports[i] = port;
        seen[i] = now;
        size++;
        learned++;
    }

    /** Removes every expired entry and recomputes the lower bound on last-seen times. */
    private void sweep(long now) {
        long min = now;
        for (int i = 0; i <= mask; ) {
            if (ports[i] != EMPTY && expired(i, now)) {
                removeAt(i);
                aged++;
                continue; // slot i now holds a shifted entry (or is empty): look at it again
            }
            if (ports[i] != EMPTY && seen[i] < min) {
                min = seen[i];
            }
            i++;
        }
        oldest = min;
        oldestKnown = true;
    }

    /** Forgets every address on {@code port} (its link went down). */
    void removePort(int port) {
        for (int i = 0; i <= mask; ) {
            if (ports[i] == port) {
                removeAt(i);
                flushed++;
                continue;
            }
            i++;
        }
    }

    /** Forgets everything. */
    void clear() {
        flushed += size;
        Arrays.fill(ports, EMPTY);
        size = 0;
    }

    /** Backward-shift deletion: later entries of the same probe run move up, so no tombstones are needed. */
    private void removeAt(int slot) {
        int hole = slot;
        int j = slot;
        while (true) {
            j = (j + 1) & mask;
            if (ports[j] == EMPTY) {
                break;
            }
            int k = home(macs[j]);
            boolean stays = hole <= j ? (hole < k && k <= j) : (hole < k || k <= j);
            if (stays) {
                continue;
            }
            macs[hole] = macs[j];
            ports[hole] = ports[j];
            seen[hole] = seen[j];
            hole = j;
        }
        ports[hole] = EMPTY;
        size--;
    }

    /** Entries currently held (some may have expired and not yet been swept). */
    int size() {
        return size;
    }

    int maxEntries() {
        return maxEntries;
    }

    long ageingNanos() {
        return ageingNanos;
    }
}
