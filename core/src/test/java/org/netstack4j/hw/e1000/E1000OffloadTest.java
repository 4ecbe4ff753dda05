package org.netstack4j.hw.e1000;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.hw.e1000.E1000Bench.MAC;
import static org.netstack4j.hw.e1000.E1000Bench.PEER;
import static org.netstack4j.hw.e1000.E1000Registers.*;

/**
 * The card's offloads through registers and crafted descriptors only: checksum insertion and TCP
 * segmentation (context and extended data descriptors, manual 3.3 and 3.5), receive checksum
 * offload (RXCSUM, the descriptor's IPCS/TCPCS and IPE/TCPE). Checksums are checked with this
 * test's own adder, not the card's.
 */
class E1000OffloadTest {
    private static final int SRC_IP = 0x0A00_020F;  // 10.0.2.15
    private static final int DST_IP = 0x0A00_0202;  // 10.0.2.2
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int IP = 14;               // IPv4 header start
    private static final int L4 = 34;               // TCP/UDP header start (no IP options)
    private static final int SEQ = 0x7FFF_FF00;     // wraps during a segmentation
    private static final int IP_ID = 0xFFFE;        // wraps too

    private final E1000Bench bench = new E1000Bench();

    @AfterEach
    void close() {
        bench.close();
    }

    // ---- Frames and the test's own checksum

    /** Ethernet + IPv4 (no options) + TCP with {@code tcpOptions} bytes of options (NOPs) + payload, all checksums right. */
    static byte[] tcpFrame(long dst, int tcpOptions, byte[] payload, int flags) {
        int tcpHeader = 20 + tcpOptions;
        byte[] f = new byte[L4 + tcpHeader + payload.length];
        ByteBuffer b = ByteBuffer.wrap(f);
        ethernet(f, dst);
        ipv4(b, f.length - IP, TCP);
        b.putShort(L4, (short) 40000).putShort(L4 + 2, (short) 9).putInt(L4 + 4, SEQ).putInt(L4 + 8, 12345);
        b.putShort(L4 + 12, (short) ((tcpHeader / 4) << 12 | flags)).putShort(L4 + 14, (short) 65535);
        Arrays.fill(f, L4 + 20, L4 + tcpHeader, (byte) 1); // NOP options
        System.arraycopy(payload, 0, f, L4 + tcpHeader, payload.length);
        b.putShort(L4 + 16, (short) l4Checksum(f, TCP));
        return f;
    }

    static byte[] udpFrame(long dst, byte[] payload, boolean withChecksum) {
        byte[] f = new byte[L4 + 8 + payload.length];
        ByteBuffer b = ByteBuffer.wrap(f);
        ethernet(f, dst);
        ipv4(b, f.length - IP, UDP);
        b.putShort(L4, (short) 5353).putShort(L4 + 2, (short) 53).putShort(L4 + 4, (short) (8 + payload.length));
        System.arraycopy(payload, 0, f, L4 + 8, payload.length);
        if (withChecksum) {
            int c = l4Checksum(f, UDP);
            b.putShort(L4 + 6, (short) (c == 0 ? 0xFFFF : c));
        }
        return f;
    }

    private static void ethernet(byte[] f, long dst) {
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) (dst >>> (40 - 8 * i));
            f[6 + i] = (byte) (PEER >>> (40 - 8 * i));
        }
        f[12] = 0x08;
    }

    private static void ipv4(ByteBuffer b, int totalLength, int protocol) {
        b.put(IP, (byte) 0x45).putShort(IP + 2, (short) totalLength).putShort(IP + 4, (short) IP_ID);
        b.putShort(IP + 6, (short) 0x4000).put(IP + 8, (byte) 64).put(IP + 9, (byte) protocol);
        b.putInt(IP + 12, SRC_IP).putInt(IP + 16, DST_IP);
        b.putShort(IP + 10, (short) checksum(b.array(), IP, 20, 0));
    }

    /** RFC 1071 over {@code length} bytes from {@code from}, plus {@code initial}: the checksum field's value. */
    static int checksum(byte[] f, int from, int length, long initial) {
        long s = initial;
        for (int i = 0; i < length; i += 2) {
            s += ((f[from + i] & 0xFF) << 8) | (i + 1 < length ? f[from + i + 1] & 0xFF : 0);
        }
        while (s >> 16 != 0) {
            s = (s & 0xFFFF) + (s >> 16);
        }
        return (int) ~s & 0xFFFF;
    }

    /** The TCP or UDP checksum of frame {@code f} (field zeroed for the sum), over its pseudo-header. */
    static int l4Checksum(byte[] f, int protocol) {
        int field = L4 + (protocol == TCP ? 16 : 6);
        byte[] copy = f.clone();
        copy[field] = 0;
        copy[field + 1] = 0;
        int length = u16(f, IP + 2) - 20;
        return checksum(copy, L4, length, pseudo(protocol, length));
    }

    static long pseudo(int protocol, int length) {
        return (SRC_IP >>> 16) + (SRC_IP & 0xFFFF) + (DST_IP >>> 16) + (DST_IP & 0xFFFF) + protocol + length;
    }

    /** The folded (not complemented) pseudo-header sum the software leaves in the field. */
    static int seed(int protocol, int length) {
        return ~checksum(new byte[0], 0, 0, pseudo(protocol, length)) & 0xFFFF;
    }

    static int u16(byte[] f, int at) {
        return (f[at] & 0xFF) << 8 | (f[at + 1] & 0xFF);
    }

    static int u32(byte[] f, int at) {
        return u16(f, at) << 16 | u16(f, at + 2);
    }

    private static byte[] payload(int n) {
        byte[] p = new byte[n];
        for (int i = 0; i < n; i++) {
            p[i] = (byte) (i * 31 + i / 251);
        }
        return p;
    }

    // ---- Descriptors by hand

    /** A context descriptor in slot {@code i}: IPv4 at 14, TCP or UDP at 34. */
    private void context(E1000Bench.TxRing tx, int i, int tucmd, int paylen, int hdrlen, int mss, int tcpChecksumField) {
        long d = tx.desc(i);
        bench.dma.writeU8(d + TXC_IPCSS, IP);
        bench.dma.writeU8(d + TXC_IPCSO, IP + 10);
        bench.dma.writeU16(d + TXC_IPCSE, L4 - 1);
        bench.dma.writeU8(d + TXC_TUCSS, L4);
        bench.dma.writeU8(d + TXC_TUCSO, L4 + tcpChecksumField);
        bench.dma.writeU16(d + TXC_TUCSE, 0);
        bench.dma.writeU32(d + TXC_CMD_AND_LENGTH,
                paylen | TXD_DTYP_CONTEXT << 20 | (tucmd | TXD_CMD_DEXT | TXD_CMD_RS) << 24);
        bench.dma.writeU8(d + TXC_STATUS, 0);
        bench.dma.writeU8(d + TXC_HDRLEN, hdrlen);
        bench.dma.writeU16(d + TXC_MSS, mss);
    }

    /** An extended data descriptor in slot {@code i} over {@code bytes} of {@code data} from {@code from}. */
    private void data(E1000Bench.TxRing tx, int i, byte[] data, int from, int bytes, int dcmd, int popts) {
        long buffer = bench.dma.allocate(Math.max(bytes, 1), 64);
        MemorySegment.copy(data, from, bench.dma.segment(), ValueLayout.JAVA_BYTE, bench.dma.offsetOf(buffer, bytes),
                bytes);
        long d = tx.desc(i);
        bench.dma.writeU64(d + DESC_ADDR, buffer);
        bench.dma.writeU32(d + DESC_LENGTH, bytes | TXD_DTYP_DATA << 20 | (dcmd | TXD_CMD_DEXT | TXD_CMD_RS) << 24);
        bench.dma.writeU8(d + TXD_STATUS, 0);
        bench.dma.writeU8(d + TXD_POPTS, popts);
        bench.dma.writeU16(d + TXD_SPECIAL, 0);
    }

    private static final int LAST = TXD_CMD_EOP | TXD_CMD_IFCS;

    // ---- Transmit checksum offload

    @Test
    void tcpAndIpChecksumsAreInsertedOverTheSeededPseudoHeader() {
        var tx = bench.transmitting(8);
        byte[] good = tcpFrame(PEER, 12, payload(700), 0x18);
        byte[] asSent = good.clone();
        asSent[IP + 10] = asSent[IP + 11] = 0;                         // IP checksum left to the card (IXSM)
        ByteBuffer.wrap(asSent).putShort(L4 + 16, (short) seed(TCP, good.length - L4)); // pseudo-header only
        context(tx, 0, TXC_CMD_IP | TXC_CMD_TCP, 0, 0, 0, 16);
        data(tx, 1, asSent, 0, asSent.length, LAST, TXD_POPTS_IXSM | TXD_POPTS_TXSM);
        bench.write(TDT, 2);
        assertThat(bench.sent()).hasSize(1);
        assertThat(bench.sent().getFirst()).as("both checksums as software would have written them").isEqualTo(good);
        assertThat(tx.status(0) & TXD_STAT_DD).as("the context descriptor reports done too").isNotZero();
        assertThat(bench.diag("tx_bad_offloads")).isZero();
    }

    @Test
    void aUdpChecksumIsInsertedAndTheContextStaysForTheNextPacket() {
        var tx = bench.transmitting(8);
        byte[] good = udpFrame(PEER, payload(301), true);
        byte[] asSent = good.clone();
        ByteBuffer.wrap(asSent).putShort(L4 + 6, (short) seed(UDP, good.length - L4));
        context(tx, 0, TXC_CMD_IP, 0, 0, 0, 6);
        data(tx, 1, asSent, 0, 100, TXD_CMD_IFCS, TXD_POPTS_TXSM);     // one packet in two descriptors
        data(tx, 2, asSent, 100, asSent.length - 100, LAST, 0);
        data(tx, 3, asSent, 0, asSent.length, LAST, TXD_POPTS_TXSM);    // no new context: the last one holds
        bench.write(TDT, 4);
        assertThat(bench.sent()).hasSize(2).allSatisfy(f -> assertThat(f).isEqualTo(good));
    }

    // ---- TCP segmentation

    /** The frames of one segmentation, checked against the manual's fix-ups; returns the payload they carry. */
    private static byte[] checkSegments(List<byte[]> frames, byte[] prototype, int tcpHeader, int mss, int paylen) {
        int hdrlen = L4 + tcpHeader;
        int count = (paylen + mss - 1) / mss;
        assertThat(frames).hasSize(count);
        byte[] carried = new byte[paylen];
        for (int k = 0; k < count; k++) {
            byte[] f = frames.get(k);
            boolean last = k == count - 1;
            int payload = last ? paylen - mss * (count - 1) : mss;
            assertThat(f).as("frame %d length", k).hasSize(hdrlen + payload);
            assertThat(Arrays.copyOfRange(f, 0, IP + 2)).as("Ethernet header and IP version/TOS replicated")
                    .isEqualTo(Arrays.copyOfRange(prototype, 0, IP + 2));
            assertThat(u16(f, IP + 2)).as("frame %d IP total length", k).isEqualTo(hdrlen - IP + payload);
            assertThat(u16(f, IP + 4)).as("frame %d IP identification", k).isEqualTo((IP_ID + k) & 0xFFFF);
            assertThat(checksum(f, IP, 20, 0)).as("frame %d IP checksum", k).isZero();
            assertThat(u32(f, L4 + 4)).as("frame %d sequence number", k).isEqualTo(SEQ + k * mss);
            int flags = f[L4 + 13] & 0xFF;
            assertThat(flags & 0x09).as("frame %d FIN and PSH", k).isEqualTo(last ? prototype[L4 + 13] & 0x09 : 0);
            assertThat(flags & 0x10).as("ACK on every frame").isNotZero();
            assertThat(checksum(f, L4, f.length - L4, pseudo(TCP, f.length - L4))).as("frame %d TCP checksum", k).isZero();
            assertThat(Arrays.copyOfRange(f, L4 + 20, hdrlen)).as("options replicated")
                    .isEqualTo(Arrays.copyOfRange(prototype, L4 + 20, hdrlen));
            System.arraycopy(f, hdrlen, carried, k * mss, payload);
        }
        return carried;
    }

    /** The prototype a driver hands over: IP total length and checksum as any, TCP checksum the length-less seed. */
    private static byte[] tsoPrototype(byte[] whole) {
        byte[] p = whole.clone();
        p[IP + 10] = p[IP + 11] = 0;
        ByteBuffer.wrap(p).putShort(L4 + 16, (short) seed(TCP, 0));
        return p;
    }

    @Test
    void aSegmentIsCutIntoMssFramesWithHeadersFixedUpAndARemainderLast() {
        var tx = bench.transmitting(16);
        byte[] payload = payload(10_000);
        int tcpHeader = 32;
        byte[] whole = tcpFrame(PEER, 12, payload, 0x19); // FIN|PSH|ACK
        byte[] proto = tsoPrototype(whole);
        int hdrlen = L4 + tcpHeader;
        int mss = 1448;
        context(tx, 0, TXC_CMD_TSE | TXC_CMD_IP | TXC_CMD_TCP, payload.length, hdrlen, mss, 16);
        data(tx, 1, proto, 0, proto.length, LAST | TXD_CMD_TSE, TXD_POPTS_IXSM | TXD_POPTS_TXSM);
        bench.write(TDT, 2);
        assertThat(checkSegments(bench.sent(), whole, tcpHeader, mss, payload.length)).isEqualTo(payload);
        assertThat(bench.card.read(TSCTC)).as("one segmentation context done").isEqualTo(1);
        assertThat(bench.card.read(GPTC)).as("every frame counted as sent").isEqualTo(7);
        assertThat(bench.diag("tx_bad_offloads")).isZero();
    }

    @Test
    void payloadSpanningDescriptorsAtAnyBoundaryIsSegmentedTheSame() {
        var tx = bench.transmitting(16);
        byte[] payload = payload(4000);
        byte[] whole = tcpFrame(PEER, 0, payload, 0x18); // PSH|ACK
        byte[] proto = tsoPrototype(whole);
        int hdrlen = L4 + 20;
        int mss = 1000; // exactly four frames: the last is full-sized and still the last
        context(tx, 0, TXC_CMD_TSE | TXC_CMD_IP | TXC_CMD_TCP, payload.length, hdrlen, mss, 16);
        // Pieces cut inside the header, on a frame boundary and inside frames.
        int[] cuts = {0, 20, hdrlen + 1000, hdrlen + 1777, hdrlen + 3999, proto.length};
        int slot = 1;
        for (int c = 0; c + 1 < cuts.length; c++) {
            int dcmd = TXD_CMD_TSE | TXD_CMD_IFCS | (c + 2 == cuts.length ? TXD_CMD_EOP : 0);
            data(tx, slot++, proto, cuts[c], cuts[c + 1] - cuts[c], dcmd, c == 0 ? TXD_POPTS_IXSM | TXD_POPTS_TXSM : 0);
        }
        bench.write(TDT, slot);
        List<byte[]> frames = bench.sent();
        assertThat(checkSegments(frames, whole, 20, mss, payload.length)).isEqualTo(payload);
        assertThat(frames.getLast()[L4 + 13] & 0x08).as("PSH on the last only").isNotZero();
    }

    @Test
    void aSegmentationTheContextCannotDriveIsCountedNotSentAndTheRingGoesOn() {
        var tx = bench.transmitting(16);
        byte[] whole = tcpFrame(PEER, 0, payload(3000), 0x10);
        byte[] proto = tsoPrototype(whole);
        // MSS and header larger than the card can build in one frame.
        context(tx, 0, TXC_CMD_TSE | TXC_CMD_IP | TXC_CMD_TCP, 3000, L4 + 20, 20_000, 16);
        data(tx, 1, proto, 0, proto.length, LAST | TXD_CMD_TSE, TXD_POPTS_IXSM | TXD_POPTS_TXSM);
        // A context whose TCP header would lie outside HDRLEN.
        context(tx, 2, TXC_CMD_TSE | TXC_CMD_IP | TXC_CMD_TCP, 3000, L4 + 4, 1000, 16);
        data(tx, 3, proto, 0, proto.length, LAST | TXD_CMD_TSE, TXD_POPTS_IXSM | TXD_POPTS_TXSM);
        // PAYLEN shorter than the data: the frames within it go, the rest is counted.
        context(tx, 4, TXC_CMD_TSE | TXC_CMD_IP | TXC_CMD_TCP, 2000, L4 + 20, 1000, 16);
        data(tx, 5, proto, 0, proto.length, LAST | TXD_CMD_TSE, TXD_POPTS_IXSM | TXD_POPTS_TXSM);
        // An ordinary frame after all that still goes out.
        tx.put(6, E1000Bench.frame(PEER, 100, 42), TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS);
        bench.write(TDT, 7);
        List<byte[]> sent = bench.sent();
        assertThat(sent).hasSize(3);
        assertThat(E1000Bench.seqOf(sent.getLast())).isEqualTo(42);
        assertThat(bench.diag("tx_bad_offloads")).isEqualTo(3);
        assertThat(bench.card.read(TSCTFC)).as("three failed segmentation contexts").isEqualTo(3);
        assertThat(bench.card.read(TSCTC)).isZero();
        for (int i = 0; i < 7; i++) {
            assertThat(tx.status(i) & TXD_STAT_DD).as("descriptor %d reported done", i).isNotZero();
        }
    }

    @Test
    void checksumsAskedForWithoutAContextOrOutsideTheFrameAreCountedAndTheFrameSentAsItIs() {
        var tx = bench.transmitting(8);
        byte[] frame = tcpFrame(PEER, 0, payload(100), 0x10);
        data(tx, 0, frame, 0, frame.length, LAST, TXD_POPTS_TXSM);     // no context loaded since reset
        context(tx, 1, TXC_CMD_IP | TXC_CMD_TCP, 0, 0, 0, 200);          // TUCSO beyond the frame
        data(tx, 2, frame, 0, frame.length, LAST, TXD_POPTS_TXSM);
        data(tx, 3, frame, 0, frame.length, TXD_CMD_IFCS, 0);             // a context inside a packet: ignored
        context(tx, 4, TXC_CMD_IP | TXC_CMD_TCP, 0, 0, 0, 16);
        data(tx, 5, new byte[0], 0, 0, LAST, 0);
        bench.write(TDT, 6);
        assertThat(bench.sent()).hasSize(3).allSatisfy(f -> assertThat(f).isEqualTo(frame));
        assertThat(bench.diag("tx_bad_offloads")).isEqualTo(3);
    }

    @Test
    void aReservedDescriptorTypeIsUnsupportedAndCounted() {
        var tx = bench.transmitting(8);
        byte[] frame = tcpFrame(PEER, 0, payload(100), 0x10);
        data(tx, 0, frame, 0, frame.length, LAST, 0);
        bench.dma.writeU8(tx.desc(0) + TXD_CSO, 0x20); // DTYP 2
        data(tx, 1, frame, 0, frame.length, LAST, 0);
        bench.write(TDT, 2);
        assertThat(bench.diag("tx_unsupported_descriptors")).isEqualTo(1);
        assertThat(bench.sent()).hasSize(1);
    }

    // ---- Receive checksum offload

    private E1000Bench.RxRing receivingWithChecksums(int rxcsum) {
        bench.write(RXCSUM, rxcsum);
        return bench.receiving(64, RCTL_SECRC);
    }

    @Test
    void goodTcpAndUdpFramesAreMarkedCheckedWithoutErrors() {
        var rx = receivingWithChecksums(RXCSUM_IPOFLD | RXCSUM_TUOFLD | IP);
        bench.deliver(tcpFrame(MAC, 12, payload(999), 0x18));
        bench.deliver(udpFrame(MAC, payload(33), true));
        bench.deliver(udpFrame(MAC, payload(33), false)); // no UDP checksum to check
        int done = RXD_STAT_DD | RXD_STAT_EOP;
        assertThat(rx.status(0)).isEqualTo(done | RXD_STAT_IPCS | RXD_STAT_TCPCS);
        assertThat(rx.status(1)).isEqualTo(done | RXD_STAT_IPCS | RXD_STAT_TCPCS);
        assertThat(rx.status(2)).isEqualTo(done | RXD_STAT_IPCS);
        for (int i = 0; i < 3; i++) {
            assertThat(rx.errors(i)).isZero();
        }
    }

    @Test
    void everySingleBitFlipInTheIpHeaderOrTheSegmentIsFound() {
        var rx = receivingWithChecksums(RXCSUM_IPOFLD | RXCSUM_TUOFLD | IP);
        byte[] good = tcpFrame(MAC, 0, payload(37), 0x18);
        int slot = 0;
        for (int bit = IP * 8; bit < good.length * 8; bit++) {
            byte[] bad = good.clone();
            bad[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
            int rdh = bench.read(RDH);
            bench.deliver(bad);
            if (bench.read(RDH) == rdh) {
                continue; // a flip the card drops before checksums (none here), or ring full
            }
            int status = rx.status(slot);
            int errors = rx.errors(slot);
            if (bit < L4 * 8) {
                // A version or header length the card cannot parse gets no verdict (software checks it);
                // any other flip in the header is an IP checksum error.
                boolean checked = (status & RXD_STAT_IPCS) != 0;
                assertThat(checked ? errors & RXD_ERR_IPE : bit < (IP + 1) * 8 ? 1 : 0)
                        .as("IP header bit %d", bit - IP * 8).isNotZero();
            } else {
                assertThat(status & RXD_STAT_TCPCS).as("segment bit %d checked", bit - L4 * 8).isNotZero();
                assertThat(errors & RXD_ERR_TCPE).as("segment bit %d", bit - L4 * 8).isNotZero();
            }
            rx.clear(slot);
            rx.advance(1);
            slot = (slot + 1) % 64;
        }
        assertThat(slot).as("frames were checked").isPositive();
    }

    @Test
    void withoutRxcsumNoChecksumIsLookedAt() {
        var rx = receivingWithChecksums(0);
        byte[] bad = tcpFrame(MAC, 0, payload(10), 0x10);
        bad[L4 + 16] ^= 1;
        bench.deliver(bad);
        assertThat(rx.status(0)).isEqualTo(RXD_STAT_DD | RXD_STAT_EOP);
        assertThat(rx.errors(0)).isZero();
    }

    @Test
    void fragmentsGetOnlyTheIpHeaderChecked() {
        var rx = receivingWithChecksums(RXCSUM_IPOFLD | RXCSUM_TUOFLD | IP);
        byte[] f = udpFrame(MAC, payload(100), true);
        ByteBuffer b = ByteBuffer.wrap(f);
        b.putShort(IP + 6, (short) 0x2000); // MF: the first fragment of a larger datagram
        b.putShort(IP + 10, (short) 0);
        b.putShort(IP + 10, (short) checksum(f, IP, 20, 0));
        bench.deliver(f);
        assertThat(rx.status(0)).isEqualTo(RXD_STAT_DD | RXD_STAT_EOP | RXD_STAT_IPCS);
        assertThat(rx.errors(0)).isZero();
    }
}
