package org.netstack4j.stack;

/**
 * A bounded map from an int key (an address, an identifier) to a value, by open addressing with
 * linear probing and a seeded hash, so that finding, adding and removing cost O(1) and allocate
 * nothing, and a peer cannot choose keys that all land in one place without knowing the seed.
 * The table holds at most {@code capacity} keys, at most half full.
 */
final class IntTable<V> {
    private final int[] keys;
    private final Object[] values;
    private final int mask;
    private final int seed;
    private int size;
    private final int capacity;

    IntTable(int capacity, long seed) {
        if (capacity < 1 || capacity > (1 << 28)) {
            throw new IllegalArgumentException("capacity must be 1..2^28: " + capacity);
        }
        int slots = Integer.highestOneBit(capacity * 2 - 1) << 1;
        this.keys = new int[slots];
        this.values = new Object[slots];
        this.mask = slots - 1;
        this.seed = (int) (seed ^ (seed >>> 32)) | 1;
        this.capacity = capacity;
    }

    private int slot(int key) {
        int h = (key ^ seed) * 0x9E3779B9; // Fibonacci hashing of the seeded key
        return (h ^ (h >>> 16)) & mask;
    }

    @SuppressWarnings("unchecked")
    V get(int key) {
        for (int i = slot(key); values[i] != null; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return (V) values[i];
            }
        }
        return null;
    }

    /** Adds or replaces; false if the key is new and the table holds {@code capacity} keys already. */
    boolean put(int key, V value) {
        int i = slot(key);
        for (; values[i] != null; i = (i + 1) & mask) {
            if (keys[i] == key) {
                values[i] = value;
                return true;
            }
        }
        if (size == capacity) {
            return false;
        }
        keys[i] = key;
        values[i] = value;
        size++;
        return true;
    }

    /** Removes {@code key}; closes the gap by moving later keys of its run back (no tombstones). */
    void remove(int key) {
        int i = slot(key);
        while (values[i] != null && keys[i] != key) {
            i = (i + 1) & mask;
        }
        if (values[i] == null) {
            return;
        }
        values[i] = null;
        size--;
        for (int j = (i + 1) & mask; values[j] != null; j = (j + 1) & mask) {
            int home = slot(keys[j]);
            // Move j back to i unless its home lies cyclically in (i, j].
            boolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!stays) {
                keys[i] = keys[j];
                values[i] = values[j];
                values[j] = null;
                i = j;
            }
        }
    }

    int size() {
        return size;
    }
}
