package org.netstack4j.wire;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.netstack4j.buffer.PacketBuffer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UdpDatagramTest {
    private static final int A = 0x0A00020F; // 10.0.2.15
    private static final int B = 0x0A000202; // 10.0.2.2
    private final Packets packets = new Packets();

    @AfterEach
    void close() {
        packets.close();
    }

    private PacketBuffer udpOf(String frame) {
        PacketBuffer b = packets.of(frame);
        b.trimFront(EthernetFrame.HEADER_LENGTH);
        b.truncate(Ipv4Packet.totalLength(b));
        b.trimFront(Ipv4Packet.headerLength(b));
        return b;
    }

    @Test
    void readsAndVerifiesLinuxDatagrams() {
        PacketBuffer b = udpOf(Captures.LINUX_UDP);
        assertThat(UdpDatagram.check(b, A, B)).isEqualTo(UdpDatagram.Verdict.OK);
        assertThat(UdpDatagram.sourcePort(b)).isEqualTo(46827);
        assertThat(UdpDatagram.destinationPort(b)).isEqualTo(9);
        assertThat(UdpDatagram.length(b)).isEqualTo(25);
        assertThat(UdpDatagram.checksum(b)).isEqualTo(0xbcc9);
        b.trimFront(UdpDatagram.HEADER_LENGTH);
        assertThat(new String(b.toByteArray(), StandardCharsets.US_ASCII)).isEqualTo("hello, netstack4j");

        assertThat(UdpDatagram.check(udpOf(Captures.LINUX_DNS_QUERY), A, B)).isEqualTo(UdpDatagram.Verdict.OK);
        assertThat(UdpDatagram.check(udpOf(Captures.LINUX_DNS_RESPONSE), B, A)).isEqualTo(UdpDatagram.Verdict.OK);
        assertThat(UdpDatagram.check(udpOf(Captures.LINUX_DNS_CNAME_RESPONSE), B, A)).isEqualTo(UdpDatagram.Verdict.OK);
        assertThat(UdpDatagram.check(udpOf(Captures.LINUX_DNS_NXDOMAIN), B, A)).isEqualTo(UdpDatagram.Verdict.OK);
    }

    @Test
    void thePseudoHeaderIsCovered() {
        PacketBuffer b = udpOf(Captures.LINUX_UDP);
        assertThat(UdpDatagram.check(b, A, B + 1)).isEqualTo(UdpDatagram.Verdict.BAD_CHECKSUM);
        // Swapping the addresses leaves the one's complement sum unchanged: addition commutes.
        assertThat(UdpDatagram.check(b, B, A)).isEqualTo(UdpDatagram.Verdict.OK);
    }

    @Test
    void writingReproducesTheLinuxDatagram() {
        byte[] expected = udpOf(Captures.LINUX_UDP).toByteArray();
        PacketBuffer b = packets.of("hello, netstack4j".getBytes(StandardCharsets.US_ASCII));
        b.prepend(UdpDatagram.HEADER_LENGTH);
        UdpDatagram.write(b, 46827, 9, A, B);
        assertThat(b.toByteArray()).isEqualTo(expected);
    }

    @Test
    void aComputedZeroChecksumIsSentAsAllOnes() {
        PacketBuffer b = packets.of(new byte[] {1, 2, 3, 4, 0, 0});
        b.prepend(UdpDatagram.HEADER_LENGTH);
        UdpDatagram.write(b, 1234, 53, A, B);
        // Make the last payload word the checksum just computed: the sum becomes -0, the checksum 0.
        b.setU16(12, UdpDatagram.checksum(b));
        UdpDatagram.write(b, 1234, 53, A, B);
        assertThat(UdpDatagram.checksum(b)).isEqualTo(0xFFFF);
        assertThat(UdpDatagram.check(b, A, B)).isEqualTo(UdpDatagram.Verdict.OK);
    }

    @Test
    void verdicts() {
        byte[] good = udpOf(Captures.LINUX_UDP).toByteArray();
        assertThat(check(good)).isEqualTo(UdpDatagram.Verdict.OK);
        assertThat(check(Arrays.copyOf(good, 7))).isEqualTo(UdpDatagram.Verdict.TOO_SHORT);
        assertThat(check(Arrays.copyOf(good, 24))).as("length field 25, 24 present").isEqualTo(UdpDatagram.Verdict.BAD_LENGTH);
        assertThat(check(with(good, 5, 7))).as("length field 7").isEqualTo(UdpDatagram.Verdict.BAD_LENGTH);
        assertThat(check(with(good, 4, 1))).as("length field 281").isEqualTo(UdpDatagram.Verdict.BAD_LENGTH);
        assertThat(check(with(good, 20, 'j'))).isEqualTo(UdpDatagram.Verdict.BAD_CHECKSUM);
        byte[] unchecked = with(with(with(good, 6, 0), 7, 0), 20, 'j');
        assertThat(check(unchecked)).as("checksum 0: none sent").isEqualTo(UdpDatagram.Verdict.OK);
        byte[] allOnes = with(with(good, 6, 0xFF), 7, 0xFF);
        assertThat(check(allOnes)).as("checksum 0xFFFF is a checksum like any other (only a computed 0 is sent so)")
                .isEqualTo(UdpDatagram.Verdict.BAD_CHECKSUM);
        byte[] padded = Arrays.copyOf(good, good.length + 5);
        padded[good.length] = 0x55;
        assertThat(check(padded)).as("bytes after the length field are not summed").isEqualTo(UdpDatagram.Verdict.OK);
        for (int bit = 0; bit < good.length * 8; bit++) {
            if (bit / 8 == 4 || bit / 8 == 5) {
                continue; // the length field: BAD_LENGTH or a shorter sum, tested above
            }
            byte[] bad = good.clone();
            bad[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
            UdpDatagram.Verdict v = check(bad);
            boolean zeroed = bad[6] == 0 && bad[7] == 0;
            assertThat(v).as("bit %d", bit).isEqualTo(zeroed ? UdpDatagram.Verdict.OK : UdpDatagram.Verdict.BAD_CHECKSUM);
            packets.recycle();
        }
    }

    @Test
    void writeRefusesImpossibleLengths() {
        PacketBuffer b = packets.of(new byte[7]);
        assertThatThrownBy(() -> UdpDatagram.write(b, 1, 2, A, B)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void randomDatagramsRoundTrip() {
        SplittableRandom rnd = new SplittableRandom(768);
        for (int i = 0; i < 10_000; i++) {
            byte[] payload = new byte[rnd.nextInt(0, 1400)];
            rnd.nextBytes(payload);
            int sp = rnd.nextInt(0x10000);
            int dp = rnd.nextInt(0x10000);
            int src = rnd.nextInt();
            int dst = rnd.nextInt();
            PacketBuffer b = packets.of(payload);
            b.prepend(UdpDatagram.HEADER_LENGTH);
            UdpDatagram.write(b, sp, dp, src, dst);
            assertThat(UdpDatagram.check(b, src, dst)).isEqualTo(UdpDatagram.Verdict.OK);
            assertThat(UdpDatagram.checksum(b)).isNotZero();
            assertThat(UdpDatagram.sourcePort(b)).isEqualTo(sp);
            assertThat(UdpDatagram.destinationPort(b)).isEqualTo(dp);
            assertThat(UdpDatagram.length(b)).isEqualTo(payload.length + 8);
            assertThat(Arrays.copyOfRange(b.toByteArray(), 8, b.length())).isEqualTo(payload);
            packets.recycle();
        }
    }

    private UdpDatagram.Verdict check(byte[] bytes) {
        return UdpDatagram.check(packets.of(bytes), A, B);
    }

    private static byte[] with(byte[] base, int index, int value) {
        byte[] copy = base.clone();
        copy[index] = (byte) value;
        return copy;
    }
}
