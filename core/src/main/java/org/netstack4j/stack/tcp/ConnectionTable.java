package org.netstack4j.stack.tcp;

/**
 * A host's connections by 4-tuple: open addressing with linear probing, hashed with a keyed
 * SipHash so that nobody who does not know the key can make connections collide, and grown by
 * doubling up to a fixed maximum. Lookups and updates take O(1) and allocate nothing; removal
 * shifts the following entries back (no tombstones to pile up).
 */
public final class ConnectionTable {
    private final SipHash hash;
    private final int maxEntries;
    private TcpConnection[] slots;
    private int size;

    public ConnectionTable(long k0, long k1, int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("a table holds at least one connection: " + maxEntries);
        }
        this.hash = new SipHash(k0, k1);
        this.maxEntries = maxEntries;
        this.slots = new TcpConnection[16];
    }

    public int size() {
        return size;
    }

    public boolean isFull() {
        return size >= maxEntries;
    }

    private int home(int localAddress, int localPort, int remoteAddress, int remotePort, int mask) {
        return (int) hash.hash(localAddress, localPort, remoteAddress, remotePort, 0) & mask;
    }

    private static boolean matches(TcpConnection c, int localAddress, int localPort, int remoteAddress, int remotePort) {
        return c.localPort() == localPort && c.remotePort() == remotePort && c.remoteAddress() == remoteAddress
                && c.localAddress() == localAddress;
    }

    /** The connection of this 4-tuple, or null. */
    public TcpConnection find(int localAddress, int localPort, int remoteAddress, int remotePort) {
        int mask = slots.length - 1;
        for (int i = home(localAddress, localPort, remoteAddress, remotePort, mask); ; i = (i + 1) & mask) {
            TcpConnection c = slots[i];
            if (c == null) {
                return null;
            }
            if (matches(c, localAddress, localPort, remoteAddress, remotePort)) {
                return c;
            }
        }
    }

    /** Adds {@code c}; false if the table is full or its 4-tuple is taken. */
    public boolean add(TcpConnection c) {
        if (size >= maxEntries || find(c.localAddress(), c.localPort(), c.remoteAddress(), c.remotePort()) != null) {
            return false;
        }
        if ((size + 1) * 2 > slots.length) {
            grow();
        }
        insert(slots, c);
        size++;
        return true;
    }

    private void insert(TcpConnection[] table, TcpConnection c) {
        int mask = table.length - 1;
        int i = home(c.localAddress(), c.localPort(), c.remoteAddress(), c.remotePort(), mask);
        while (table[i] != null) {
            i = (i + 1) & mask;
        }
        table[i] = c;
    }

    private void grow() {
        TcpConnection[] bigger = new TcpConnection[slots.length * 2];
        for (TcpConnection c : slots) {
            if (c != null) {
                insert(bigger, c);
            }
        }
        slots = bigger;
    }

    /** Removes {@code c} (this very object); false if it is not here. */
    public boolean remove(TcpConnection c) {
        int mask = slots.length - 1;
        int i = home(c.localAddress(), c.localPort(), c.remoteAddress(), c.remotePort(), mask);
        while (slots[i] != c) {
            if (slots[i] == null) {
                return false;
            }
            i = (i + 1) & mask;
        }
        slots[i] = null;
        size--;
        // Backward shift: move each following entry of the run into the hole if its home allows.
        for (int j = (i + 1) & mask; slots[j] != null; j = (j + 1) & mask) {
            TcpConnection e = slots[j];
            int h = home(e.localAddress(), e.localPort(), e.remoteAddress(), e.remotePort(), mask);
            boolean movable = i <= j ? (h <= i || h > j) : (h <= i && h > j);
            if (movable) {
                slots[i] = e;
                slots[j] = null;
                i = j;
            }
        }
        return true;
    }

    /** The slots, for a walk over every connection (timers); entries may be null. Do not modify. */
    public TcpConnection[] slots() {
        return slots;
    }
}
