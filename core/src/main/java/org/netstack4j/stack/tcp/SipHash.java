package org.netstack4j.stack.tcp;

/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012) of a connection's 4-tuple under a secret 128-bit
 * key: the keyed function RFC 6528 asks for initial sequence numbers and RFC 6056 for ephemeral
 * ports, and what a table keyed by 4-tuples hashes with so that nobody who does not know the key
 * can make entries collide. Allocation-free; the key is fixed at construction.
 */
public final class SipHash {
    private final long k0;
    private final long k1;

    public SipHash(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
    }

    /** The hash of the 4-tuple and {@code extra} (three 64-bit words of input). */
    public long hash(int localAddress, int localPort, int remoteAddress, int remotePort, long extra) {
        long m0 = (long) localAddress << 32 | Integer.toUnsignedLong(remoteAddress);
        long m1 = (long) (localPort & 0xFFFF) << 16 | (remotePort & 0xFFFF);
        return hash(m0, m1, extra);
    }

    /** SipHash-2-4 of three 64-bit little-endian words (24 bytes of input). */
    long hash(long m0, long m1, long m2) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        // Four blocks (the three words, then the length block: 24 in the top byte), two rounds
        // each; then the finalisation, four rounds.
        for (int block = 0; block < 5; block++) {
            long m = block == 0 ? m0 : block == 1 ? m1 : block == 2 ? m2 : 24L << 56;
            int rounds = 2;
            if (block < 4) {
                v3 ^= m;
            } else {
                v2 ^= 0xFF;
                rounds = 4;
            }
            for (int r = 0; r < rounds; r++) {
                v0 += v1;
                v1 = Long.rotateLeft(v1, 13);
                v1 ^= v0;
                v0 = Long.rotateLeft(v0, 32);
                v2 += v3;
                v3 = Long.rotateLeft(v3, 16);
                v3 ^= v2;
                v0 += v3;
                v3 = Long.rotateLeft(v3, 21);
                v3 ^= v0;
                v2 += v1;
                v1 = Long.rotateLeft(v1, 17);
                v1 ^= v2;
                v2 = Long.rotateLeft(v2, 32);
            }
            if (block < 4) {
                v0 ^= m;
            }
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
