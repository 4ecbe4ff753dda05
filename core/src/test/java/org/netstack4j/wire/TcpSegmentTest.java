package org.netstack4j.wire;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.netstack4j.buffer.PacketBuffer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The TCP header and its options, against Linux's own segments and by round trips. */
class TcpSegmentTest {
    private static final int A = 0x0A00020F; // 10.0.2.15, the client
    private static final int B = 0x0A000202; // 10.0.2.2, the server
    private final Packets packets = new Packets();
    private final TcpOptions options = new TcpOptions();

    @AfterEach
    void close() {
        packets.close();
    }

    private PacketBuffer tcpOf(String frame) {
        PacketBuffer b = packets.of(frame);
        b.trimFront(EthernetFrame.HEADER_LENGTH);
        b.truncate(Ipv4Packet.totalLength(b));
        b.trimFront(Ipv4Packet.headerLength(b));
        return b;
    }

    @Test
    void readsLinuxsSynWithEveryOption() {
        PacketBuffer b = tcpOf(Captures.LINUX_TCP_SYN);
        assertThat(TcpSegment.check(b, A, B)).isEqualTo(TcpSegment.Verdict.OK);
        assertThat(TcpSegment.sourcePort(b)).isEqualTo(40318);
        assertThat(TcpSegment.destinationPort(b)).isEqualTo(7777);
        assertThat(TcpSegment.sequence(b)).isEqualTo(0xfa9b80f4);
        assertThat(TcpSegment.acknowledgment(b)).isZero();
        assertThat(TcpSegment.headerLength(b)).isEqualTo(40);
        assertThat(TcpSegment.flags(b)).isEqualTo(TcpSegment.SYN);
        assertThat(TcpSegment.window(b)).isEqualTo(64240);
        assertThat(TcpSegment.checksum(b)).isEqualTo(0x2946);
        assertThat(TcpSegment.urgentPointer(b)).isZero();
        assertThat(TcpSegment.payloadLength(b)).isZero();
        assertThat(TcpSegment.sequenceLength(b)).as("a SYN takes one number").isEqualTo(1);

        assertThat(options.parse(b)).isEqualTo(TcpOptions.Verdict.OK);
        assertThat(options.mss).isEqualTo(1460);
        assertThat(options.windowScale).isEqualTo(10);
        assertThat(options.sackPermitted).isTrue();
        assertThat(options.hasTimestamps).isTrue();
        assertThat(options.tsVal).isEqualTo(0x6d6366e2);
        assertThat(options.tsEcr).isZero();
        assertThat(options.sackBlocks).isZero();
        assertThat(TcpSegment.describeFlags(TcpSegment.flags(b))).isEqualTo("[S]");
    }

    @Test
    void readsTheSynAckAndADataSegment() {
        PacketBuffer synAck = tcpOf(Captures.LINUX_TCP_SYN_ACK);
        assertThat(TcpSegment.check(synAck, B, A)).isEqualTo(TcpSegment.Verdict.OK);
        assertThat(TcpSegment.flags(synAck)).isEqualTo(TcpSegment.SYN | TcpSegment.ACK);
        assertThat(TcpSegment.acknowledgment(synAck)).isEqualTo(0xfa9b80f5);
        assertThat(options.parse(synAck)).isEqualTo(TcpOptions.Verdict.OK);
        assertThat(options.tsEcr).as("echoes the SYN's timestamp").isEqualTo(0x6d6366e2);
        assertThat(TcpSegment.describeFlags(TcpSegment.flags(synAck))).isEqualTo("[S.]");

        PacketBuffer data = tcpOf(Captures.LINUX_TCP_DATA);
        assertThat(TcpSegment.check(data, A, B)).isEqualTo(TcpSegment.Verdict.OK);
        assertThat(TcpSegment.flags(data)).isEqualTo(TcpSegment.PSH | TcpSegment.ACK);
        assertThat(TcpSegment.window(data)).as("unscaled: 63 << 10 bytes").isEqualTo(63);
        assertThat(TcpSegment.headerLength(data)).isEqualTo(32);
        assertThat(TcpSegment.payloadLength(data)).isEqualTo(10);
        assertThat(TcpSegment.sequenceLength(data)).isEqualTo(10);
        assertThat(options.parse(data)).isEqualTo(TcpOptions.Verdict.OK);
        assertThat(options.mss).isEqualTo(-1);
        assertThat(options.windowScale).isEqualTo(-1);
        assertThat(options.sackPermitted).isFalse();
        assertThat(options.hasTimestamps).isTrue();
        data.trimFront(TcpSegment.headerLength(data));
        assertThat(new String(data.toByteArray(), StandardCharsets.US_ASCII)).isEqualTo("hello, tcp");
    }

    /** Writes a segment of {@code payload} with {@code opts}, as the stack will. */
    private PacketBuffer write(TcpOptions opts, byte[] payload, int srcPort, int dstPort, int seq, int ack,
                               int flags, int window, int src, int dst) {
        PacketBuffer b = packets.of(payload);
        int optionsLength = opts.length();
        b.prepend(TcpSegment.HEADER_LENGTH + optionsLength);
        assertThat(opts.write(b, TcpSegment.HEADER_LENGTH)).isEqualTo(optionsLength);
        TcpSegment.write(b, srcPort, dstPort, seq, ack, flags, window, optionsLength, src, dst);
        return b;
    }

    @Test
    void writingReproducesLinuxsSegmentsByteForByte() {
        TcpOptions syn = new TcpOptions();
        syn.mss = 1460;
        syn.sackPermitted = true;
        syn.timestamps(0x6d6366e2, 0);
        syn.windowScale = 10;
        assertThat(write(syn, new byte[0], 40318, 7777, 0xfa9b80f4, 0, TcpSegment.SYN, 64240, A, B).toByteArray())
                .isEqualTo(tcpOf(Captures.LINUX_TCP_SYN).toByteArray());

        TcpOptions data = new TcpOptions().timestamps(0x6d6366e2, 0xb6b27c41);
        assertThat(write(data, "hello, tcp".getBytes(StandardCharsets.US_ASCII), 40318, 7777, 0xfa9b80f5, 0xdd0a9cce,
                TcpSegment.PSH | TcpSegment.ACK, 63, A, B).toByteArray())
                .isEqualTo(tcpOf(Captures.LINUX_TCP_DATA).toByteArray());
    }

    @Test
    void verdicts() {
        byte[] good = tcpOf(Captures.LINUX_TCP_DATA).toByteArray();
        assertThat(check(good)).isEqualTo(TcpSegment.Verdict.OK);
        assertThat(check(Arrays.copyOf(good, 19))).isEqualTo(TcpSegment.Verdict.TOO_SHORT);
        assertThat(check(with(good, 12, 0x40))).as("data offset 4 words").isEqualTo(TcpSegment.Verdict.BAD_DATA_OFFSET);
        assertThat(check(Arrays.copyOf(good, 31))).as("header of 32 bytes, 31 present")
                .isEqualTo(TcpSegment.Verdict.BAD_DATA_OFFSET);
        assertThat(check(with(good, 12, 0xF0))).as("60-byte header, 42 bytes in all")
                .isEqualTo(TcpSegment.Verdict.BAD_DATA_OFFSET);
        byte[] allOnes = with(with(good, 16, 0xFF), 17, 0xFF);
        assertThat(check(allOnes)).as("a TCP checksum is never optional").isEqualTo(TcpSegment.Verdict.BAD_CHECKSUM);
        byte[] zero = with(with(good, 16, 0), 17, 0);
        assertThat(check(zero)).isEqualTo(TcpSegment.Verdict.BAD_CHECKSUM);
        for (int bit = 0; bit < good.length * 8; bit++) {
            if (bit / 8 == 12) {
                continue; // the data offset: BAD_DATA_OFFSET or a different checksum, tested above
            }
            byte[] bad = good.clone();
            bad[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
            assertThat(check(bad)).as("bit %d", bit).isEqualTo(TcpSegment.Verdict.BAD_CHECKSUM);
            packets.recycle();
        }
        // The pseudo-header is covered: the wrong destination fails.
        PacketBuffer b = packets.of(good);
        assertThat(TcpSegment.check(b, A, B + 1)).isEqualTo(TcpSegment.Verdict.BAD_CHECKSUM);
    }

    private TcpSegment.Verdict check(byte[] segment) {
        return TcpSegment.check(packets.of(segment), A, B);
    }

    private static byte[] with(byte[] base, int index, int value) {
        byte[] copy = base.clone();
        copy[index] = (byte) value;
        return copy;
    }

    /** A 20-byte header followed by {@code optionBytes} (a multiple of 4), data offset set to match. */
    private PacketBuffer withOptions(int... optionBytes) {
        byte[] s = new byte[20 + optionBytes.length];
        s[12] = (byte) ((s.length / 4) << 4);
        for (int i = 0; i < optionBytes.length; i++) {
            s[20 + i] = (byte) optionBytes[i];
        }
        return packets.of(s);
    }

    @Test
    void optionsAreReadLenientlyAsLinuxReadsThem() {
        assertThat(options.parse(withOptions(2, 3, 5, 1, 1, 1, 1, 1))).as("MSS with length 3: ignored")
                .isEqualTo(TcpOptions.Verdict.OK);
        assertThat(options.mss).isEqualTo(-1);
        options.parse(withOptions(1, 3, 3, 15));
        assertThat(options.windowScale).as("shift 15 is taken as 14 (RFC 7323 2.3)").isEqualTo(14);
        options.parse(withOptions(0xfe, 4, 0xaa, 0xbb, 2, 4, 0x05, 0xb4));
        assertThat(options.mss).as("an unknown kind is skipped by its length").isEqualTo(1460);
        options.parse(withOptions(0, 0, 2, 4, 0x05, 0xb4, 0, 0));
        assertThat(options.mss).as("nothing after End of Option List").isEqualTo(-1);
        assertThat(options.parse(withOptions(2, 4, 0x05, 0xb4, 8, 0, 1, 1))).as("length 0")
                .isEqualTo(TcpOptions.Verdict.MALFORMED);
        assertThat(options.mss).as("what came before is kept").isEqualTo(1460);
        assertThat(options.parse(withOptions(1, 1, 8, 10))).as("runs past the header").isEqualTo(TcpOptions.Verdict.MALFORMED);
        assertThat(options.hasTimestamps).isFalse();
        assertThat(options.parse(withOptions(1, 1, 1, 8))).as("a kind with no length byte").isEqualTo(TcpOptions.Verdict.MALFORMED);
        options.parse(withOptions(1, 1, 5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4));
        assertThat(options.sackBlocks).isEqualTo(2);
        assertThat(options.sackLeft[1]).isEqualTo(3);
        assertThat(options.sackRight[1]).isEqualTo(4);
        options.parse(withOptions(1, 1, 5, 9, 0, 0, 0, 1, 0, 0, 0, 2));
        assertThat(options.sackBlocks).as("SACK of a length that is not 2 + 8n: ignored").isZero();
        assertThat(options.parse(packets.of(new byte[10]))).as("shorter than a header").isEqualTo(TcpOptions.Verdict.MALFORMED);
    }

    @Test
    void sackBlocksAreCutToWhatFitsFortyBytes() {
        TcpOptions o = new TcpOptions();
        for (int i = 0; i < 4; i++) {
            assertThat(o.addSack(i * 100, i * 100 + 50)).isTrue();
        }
        assertThat(o.addSack(1, 2)).as("a fifth").isFalse();
        assertThat(o.length()).as("four blocks alone: 4 + 32").isEqualTo(36);
        o.timestamps(1, 2);
        assertThat(o.length()).as("beside timestamps only three fit: 12 + 4 + 24").isEqualTo(40);
        PacketBuffer b = write(o, new byte[0], 1, 2, 3, 4, TcpSegment.ACK, 5, A, B);
        assertThat(TcpSegment.check(b, A, B)).isEqualTo(TcpSegment.Verdict.OK);
        assertThat(TcpSegment.headerLength(b)).isEqualTo(60);
        assertThat(options.parse(b)).isEqualTo(TcpOptions.Verdict.OK);
        assertThat(options.sackBlocks).isEqualTo(3);
        assertThat(options.sackLeft[2]).isEqualTo(200);
        assertThat(options.tsEcr).isEqualTo(2);
    }

    @Test
    void randomSegmentsRoundTrip() {
        SplittableRandom rnd = new SplittableRandom(9293);
        for (int i = 0; i < 5_000; i++) {
            TcpOptions o = new TcpOptions();
            if (rnd.nextBoolean()) {
                o.mss = rnd.nextInt(0x10000);
            }
            if (rnd.nextBoolean()) {
                o.windowScale = rnd.nextInt(15);
            }
            o.sackPermitted = rnd.nextBoolean();
            if (rnd.nextBoolean()) {
                o.timestamps(rnd.nextInt(), rnd.nextInt());
            }
            int sacks = rnd.nextInt(5);
            for (int k = 0; k < sacks; k++) {
                o.addSack(rnd.nextInt(), rnd.nextInt());
            }
            byte[] payload = new byte[rnd.nextInt(0, 1400)];
            rnd.nextBytes(payload);
            int sp = rnd.nextInt(0x10000);
            int dp = rnd.nextInt(0x10000);
            int seq = rnd.nextInt();
            int ack = rnd.nextInt();
            int flags = rnd.nextInt(0x100);
            int window = rnd.nextInt(0x10000);
            int src = rnd.nextInt();
            int dst = rnd.nextInt();
            PacketBuffer b = write(o, payload, sp, dp, seq, ack, flags, window, src, dst);
            assertThat(TcpSegment.check(b, src, dst)).isEqualTo(TcpSegment.Verdict.OK);
            assertThat(TcpSegment.sourcePort(b)).isEqualTo(sp);
            assertThat(TcpSegment.destinationPort(b)).isEqualTo(dp);
            assertThat(TcpSegment.sequence(b)).isEqualTo(seq);
            assertThat(TcpSegment.acknowledgment(b)).isEqualTo(ack);
            assertThat(TcpSegment.flags(b)).isEqualTo(flags);
            assertThat(TcpSegment.window(b)).isEqualTo(window);
            assertThat(TcpSegment.payloadLength(b)).isEqualTo(payload.length);
            assertThat(options.parse(b)).isEqualTo(TcpOptions.Verdict.OK);
            assertThat(options.mss).isEqualTo(o.mss);
            assertThat(options.windowScale).isEqualTo(o.windowScale);
            assertThat(options.sackPermitted).isEqualTo(o.sackPermitted);
            assertThat(options.hasTimestamps).isEqualTo(o.hasTimestamps);
            assertThat(options.tsVal).isEqualTo(o.tsVal);
            assertThat(options.tsEcr).isEqualTo(o.tsEcr);
            // What Linux's layout leaves of 40 bytes for SACK: each other option takes a 4-byte-aligned slot.
            int others = (o.mss >= 0 ? 4 : 0) + (o.windowScale >= 0 ? 4 : 0)
                    + (o.hasTimestamps ? 12 : o.sackPermitted ? 4 : 0);
            int expectedSacks = Math.min(o.sackBlocks, Math.max(0, (40 - others - 4) / 8));
            assertThat(options.sackBlocks).isEqualTo(expectedSacks);
            for (int k = 0; k < options.sackBlocks; k++) {
                assertThat(options.sackLeft[k]).isEqualTo(o.sackLeft[k]);
                assertThat(options.sackRight[k]).isEqualTo(o.sackRight[k]);
            }
            packets.recycle();
        }
    }

    @Test
    void anyBytesGetAVerdictNeverAnException() {
        SplittableRandom rnd = new SplittableRandom(793);
        for (int i = 0; i < 20_000; i++) {
            byte[] junk = new byte[rnd.nextInt(0, 80)];
            rnd.nextBytes(junk);
            PacketBuffer b = packets.of(junk);
            TcpSegment.check(b, A, B);
            options.parse(b);
            packets.recycle();
        }
    }

    @Test
    void writeRefusesWhatTheFieldsCannotSay() {
        PacketBuffer b = packets.of(new byte[19]);
        assertThatThrownBy(() -> TcpSegment.write(b, 1, 2, 3, 4, 0, 0, 0, A, B)).isInstanceOf(IllegalArgumentException.class);
        PacketBuffer c = packets.of(new byte[30]);
        assertThatThrownBy(() -> TcpSegment.write(c, 1, 2, 3, 4, 0, 0, 6, A, B)).as("options not a multiple of 4")
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sequenceNumbersCompareModuloTwoToThe32() {
        int nearTop = 0xFFFF_FFF0;
        int wrapped = nearTop + 0x20; // 0x10 after the wrap
        assertThat(TcpSequence.lt(nearTop, wrapped)).isTrue();
        assertThat(TcpSequence.gt(wrapped, nearTop)).isTrue();
        assertThat(TcpSequence.le(nearTop, nearTop)).isTrue();
        assertThat(TcpSequence.ge(nearTop, nearTop)).isTrue();
        assertThat(TcpSequence.lt(nearTop, nearTop)).isFalse();
        assertThat(TcpSequence.distance(nearTop, wrapped)).isEqualTo(0x20);
        assertThat(TcpSequence.distance(wrapped, nearTop)).isEqualTo(-0x20);
        assertThat(TcpSequence.inWindow(0x5, nearTop, wrapped)).as("inside, past the wrap").isTrue();
        assertThat(TcpSequence.inWindow(wrapped, nearTop, wrapped)).as("the right edge is outside").isFalse();
        assertThat(TcpSequence.inWindow(nearTop - 1, nearTop, wrapped)).isFalse();
        assertThat(TcpSequence.max(nearTop, wrapped)).isEqualTo(wrapped);
        assertThat(TcpSequence.min(nearTop, wrapped)).isEqualTo(nearTop);
        // 2^31 - 1 apart is still ordered; 2^31 apart has no order (each is "before" the other).
        assertThat(TcpSequence.lt(0, Integer.MAX_VALUE)).isTrue();
        assertThat(TcpSequence.gt(Integer.MAX_VALUE, 0)).isTrue();
        assertThat(TcpSequence.lt(0, Integer.MIN_VALUE) && TcpSequence.lt(Integer.MIN_VALUE, 0)).isTrue();
    }
}
