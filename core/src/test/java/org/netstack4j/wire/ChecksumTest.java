package org.netstack4j.wire;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.netstack4j.buffer.PacketBuffer;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChecksumTest {
    private final Packets packets = new Packets();

    @AfterEach
    void close() {
        packets.close();
    }

    /** The textbook algorithm, 16-bit word by word with end-around carry, as the reference. */
    private static int referenceSum(byte[] d, int off, int len) {
        int s = 0;
        for (int i = 0; i < len; i += 2) {
            int word = (d[off + i] & 0xFF) << 8 | (i + 1 < len ? d[off + i + 1] & 0xFF : 0);
            s += word;
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return s;
    }

    @Test
    void rfc1071NumericalExample() {
        // RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (carries 2 folded back in).
        byte[] d = Packets.hex("00 01 f2 03 f4 f5 f6 f7");
        assertThat(Checksum.fold(Checksum.sum(d, 0, d.length, 0))).isEqualTo(0xddf2);
        assertThat(Checksum.of(d, 0, d.length)).isEqualTo(0x220d);
        PacketBuffer b = packets.of(d);
        assertThat(Checksum.fold(Checksum.sum(b, 0, b.length(), 0))).isEqualTo(0xddf2);
        assertThat(Checksum.of(b, 0, b.length())).isEqualTo(0x220d);
    }

    @Test
    void rfc1071ByteOrderIndependenceAndSplitSums() {
        // §2(A)-(C): the sum may be formed in pieces, in any grouping; the partial sums chain.
        byte[] d = Packets.hex("00 01 f2 03 f4 f5 f6 f7");
        int first = Checksum.sum(d, 0, 4, 0);
        assertThat(Checksum.fold(Checksum.sum(d, 4, 4, first))).isEqualTo(0xddf2);
    }

    @Test
    void oddLengthPadsTheLastByteWithZero() {
        byte[] d = Packets.hex("ab cd ef");
        assertThat(Checksum.fold(Checksum.sum(d, 0, 3, 0))).isEqualTo(0xabcd + 0xef00 - 0xFFFF);
        PacketBuffer b = packets.of(d);
        assertThat(Checksum.sum(b, 0, 3, 0)).isEqualTo(Checksum.sum(d, 0, 3, 0));
        assertThat(Checksum.fold(Checksum.sum(b, 1, 1, 0))).isEqualTo(0xcd00);
        assertThat(Checksum.sum(b, 0, 0, 0)).isZero();
    }

    @Test
    void bufferAndArraySumsAgreeWithTheReferenceOnRandomData() {
        SplittableRandom rnd = new SplittableRandom(1071);
        for (int round = 0; round < 5_000; round++) {
            int len = rnd.nextInt(0, 1500);
            byte[] d = new byte[len];
            rnd.nextBytes(d);
            if (rnd.nextInt(4) == 0) {
                java.util.Arrays.fill(d, (byte) 0xFF); // all-ones data: maximum carries
            }
            int off = len == 0 ? 0 : rnd.nextInt(0, len + 1);
            int n = len - off == 0 ? 0 : rnd.nextInt(0, len - off + 1);
            int expected = referenceSum(d, off, n);
            assertThat(Checksum.fold(Checksum.sum(d, off, n, 0))).as("array, len %d off %d n %d", len, off, n).isEqualTo(expected);
            PacketBuffer b = packets.of(d);
            assertThat(Checksum.fold(Checksum.sum(b, off, n, 0))).as("buffer, len %d off %d n %d", len, off, n).isEqualTo(expected);
            packets.recycle();
        }
    }

    @Test
    void initialSumIsAddedAsAnUnsigned32BitValue() {
        byte[] d = Packets.hex("ff ff ff ff");
        int initial = 0xFFFF_FFFF; // as large as a partial sum can be
        int expected = Checksum.fold(Checksum.fold(initial) + Checksum.fold(Checksum.sum(d, 0, 4, 0)));
        assertThat(Checksum.fold(Checksum.sum(d, 0, 4, initial))).isEqualTo(expected).isEqualTo(0xFFFF);
        PacketBuffer b = packets.of(d);
        assertThat(Checksum.fold(Checksum.sum(b, 0, 4, initial))).isEqualTo(0xFFFF);
    }

    @Test
    void foldAndFinish() {
        assertThat(Checksum.fold(0)).isZero();
        assertThat(Checksum.fold(0x0001_FFFF)).isEqualTo(0x0001);
        assertThat(Checksum.fold(0xFFFF_FFFF)).isEqualTo(0xFFFF);
        assertThat(Checksum.fold(0x1234_5678)).isEqualTo(0x68AC);
        assertThat(Checksum.finish(0xFFFF)).isZero();
        assertThat(Checksum.finish(0)).isEqualTo(0xFFFF);
    }

    @Test
    void pseudoHeaderSumsAddressesProtocolAndLength() {
        int src = Ipv4Address.parseBits("10.0.2.15");
        int dst = Ipv4Address.parseBits("10.0.2.2");
        byte[] ph = Packets.hex("0a00020f 0a000202 0011 0019");
        assertThat(Checksum.fold(Checksum.pseudoHeader(src, dst, 17, 25))).isEqualTo(Checksum.fold(Checksum.sum(ph, 0, 12, 0)));
        assertThat(Checksum.pseudoHeader(-1, -1, 0xFF, 0xFFFF)).isEqualTo(4 * 0xFFFF + 0xFF + 0xFFFF);
    }

    @Test
    void rfc1624IncrementalUpdateExample() {
        // RFC 1624 §4: other fields sum to 0xCD7A, a field changes from 0x5555 to 0x3285.
        // HC = ~(0xCD7A + 0x5555) = 0xDD2F; from scratch HC' = ~(0xCD7A + 0x3285) = 0x0000.
        // RFC 1141's eqn. 2 would give 0xFFFF here; eqn. 3 gives the right 0x0000.
        assertThat(Checksum.finish(0xCD7A + 0x5555)).isEqualTo(0xDD2F);
        assertThat(Checksum.update(0xDD2F, 0x5555, 0x3285)).isEqualTo(0x0000);
        // And back again.
        assertThat(Checksum.update(0x0000, 0x3285, 0x5555)).isEqualTo(0xDD2F);
    }

    @Test
    void incrementalUpdateMatchesRecomputationOnRandomHeaders() {
        SplittableRandom rnd = new SplittableRandom(1624);
        byte[] d = new byte[20];
        for (int round = 0; round < 50_000; round++) {
            rnd.nextBytes(d);
            if (rnd.nextInt(8) == 0) {
                java.util.Arrays.fill(d, (byte) (rnd.nextBoolean() ? 0xFF : 0));
                d[0] = 0x45; // a header is never all zero
            }
            d[10] = 0;
            d[11] = 0;
            int hc = Checksum.of(d, 0, 20);
            d[10] = (byte) (hc >>> 8);
            d[11] = (byte) hc;
            int at = 2 * rnd.nextInt(0, 10);
            if (at == 10) {
                continue;
            }
            int oldWord = (d[at] & 0xFF) << 8 | d[at + 1] & 0xFF;
            int newWord = rnd.nextInt(4) == 0 ? (rnd.nextBoolean() ? 0 : 0xFFFF) : rnd.nextInt(0x10000);
            d[at] = (byte) (newWord >>> 8);
            d[at + 1] = (byte) newWord;
            int incremental = Checksum.update(hc, oldWord, newWord);
            d[10] = 0;
            d[11] = 0;
            if (java.util.Arrays.equals(d, new byte[20])) {
                // The one case eqn. 3 differs: all-zero data sums to +0, not -0. No IPv4 header is all zero.
                assertThat(incremental).isZero();
                continue;
            }
            assertThat(incremental).as("round %d, word %d: %04x -> %04x", round, at, oldWord, newWord).isEqualTo(Checksum.of(d, 0, 20));
        }
    }

    @Test
    void rangesOutsideTheDataAreProgrammingErrors() {
        PacketBuffer b = packets.of(new byte[10]);
        assertThatThrownBy(() -> Checksum.sum(b, 5, 6, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Checksum.sum(b, -1, 2, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Checksum.sum(new byte[3], 2, 2, 0)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
