package org.netstack4j.hw.e1000;

import org.netstack4j.buffer.Bytes;
import org.netstack4j.buffer.DmaMemory;
import org.netstack4j.hw.link.Link;
import org.netstack4j.wire.MacAddress;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.netstack4j.hw.e1000.E1000Registers.*;

/**
 * The transmit half of the card. A TDT write runs the transmission on the writer's thread, as in
 * QEMU: descriptors [TDH, TDT) are read, their buffers gathered into frames at EOP and sent into
 * the medium, DD written back where RS asks for it. One lock (this object); the medium's receive
 * side takes its own lock, never ours, so two cards sending to each other cannot deadlock.
 *
 * <p>Three descriptor formats, as the 8254x manual defines them: legacy data descriptors; the
 * TCP/IP context descriptor (DEXT, DTYP 0), which loads the offload context the card keeps until
 * the next one (checksum start, offset and end for IP and TCP/UDP; MSS, header length and payload
 * length for TCP segmentation); and extended data descriptors (DEXT, DTYP 1), whose POPTS ask for
 * the IP (IXSM) and TCP/UDP (TXSM) checksums to be inserted and whose TSE asks for the packet to
 * be cut into MSS-sized frames, each with the header replicated and fixed up (manual 3.5.9). Frames
 * with offloads are built in the card's staging memory, never in host memory. A request the card
 * cannot honour is counted ({@code tx_bad_offloads}, TSCTFC for segmentation), never thrown.
 */
final class TransmitUnit {
    private final DmaMemory dma;
    private final Statistics stats;
    private final InterruptUnit interrupts;
    private final InterruptDelay txDelay;
    private final MemorySegment staging;
    private final E1000.Diagnostics diag;
    /** The medium, or {@link Link#NOWHERE} when unplugged; the link is up exactly when it is not NOWHERE. */
    private volatile Link output = Link.NOWHERE;

    private int tctl;
    private int tipg;
    private int tdbal;
    private int tdbah;
    private int tdlen;
    private int tdh;
    private int tdt;
    private int staged;         // bytes of the frame being gathered
    private boolean stagedBad;  // a piece of it could not be read

    // The offload context, as the last context descriptor loaded it (none since reset: not loaded).
    private boolean contextLoaded;
    private int ipcss;
    private int ipcso;
    private int ipcse;
    private int tucss;
    private int tucso;
    private int tucse;
    private int tucmd;
    private int paylen;
    private int hdrlen;
    private int mss;

    // The packet being gathered: between its first data descriptor and its EOP.
    private boolean packetOpen;
    private int popts;          // POPTS of its first extended data descriptor (0 for legacy)
    private boolean segmenting; // TSE: cut into MSS-sized frames as the payload arrives
    private boolean tsoBad;     // the segmentation was abandoned: the rest of the packet is skipped
    private final MemorySegment tsoHeader;
    private int tsoHeaderGot;   // header bytes gathered so far (of HDRLEN)
    private int tsoFill;        // payload bytes in the frame being filled
    private int tsoSent;        // payload bytes in the frames already sent
    private int tsoFrames;      // frames already sent

    TransmitUnit(DmaMemory dma, Arena arena, Statistics stats, InterruptUnit interrupts, InterruptDelay txDelay,
                 E1000.Diagnostics diag) {
        this.dma = dma;
        this.stats = stats;
        this.interrupts = interrupts;
        this.txDelay = txDelay;
        this.staging = arena.allocate(MAX_JUMBO_FRAME + 64, 64);
        this.tsoHeader = arena.allocate(256, 64); // HDRLEN is 8 bits
        this.diag = diag;
    }

    void connect(Link newOutput) {
        output = newOutput;
    }

    boolean linkUp() {
        return output != Link.NOWHERE;
    }

    synchronized int read(int register) {
        return switch (register) {
            case TCTL -> tctl;
            case TIPG -> tipg;
            case TDBAL -> tdbal;
            case TDBAH -> tdbah;
            case TDLEN -> tdlen;
            case TDH -> tdh;
            case TDT -> tdt;
            case TIDV -> txDelay.packetDelay();
            case TADV -> txDelay.absoluteDelay();
            default -> 0;
        };
    }

    synchronized void write(int register, int value) {
        switch (register) {
            case TCTL -> {
                tctl = value;
                process();
            }
            case TIPG -> tipg = value;
            case TDBAL -> tdbal = value & ~0xF;
            case TDBAH -> tdbah = value;
            case TDLEN -> tdlen = value & 0xF_FF80;
            case TDH -> tdh = clampIndex(value);
            case TDT -> {
                tdt = clampIndex(value);
                process();
            }
            case TIDV -> txDelay.setPacketDelay(value);
            case TADV -> txDelay.setAbsoluteDelay(value);
            default -> { }
        }
    }

    private int clampIndex(int value) {
        int n = tdlen / DESC_SIZE;
        int index = value & 0xFFFF;
        if (n > 0 && index >= n) {
            diag.badRingIndexWrites.incrementAndGet();
            return index % n;
        }
        return index;
    }

    /** A transmit statistics register, read (and cleared) under this unit's lock, which guards its counting. */
    synchronized int readStatistic(int register) {
        return stats.read(register);
    }

    synchronized void reset() {
        tctl = tipg = tdbal = tdbah = tdlen = tdh = tdt = 0;
        staged = 0;
        stagedBad = false;
        directAddr = -1;
        contextLoaded = false;
        ipcss = ipcso = ipcse = tucss = tucso = tucse = tucmd = paylen = hdrlen = mss = 0;
        endPacket();
        txDelay.reset();
    }

    /** Sends descriptors [TDH, TDT) if the transmitter is enabled. */
    private void process() {
        int n = tdlen / DESC_SIZE;
        if ((tctl & TCTL_EN) == 0 || n == 0 || tdh == tdt) {
            return;
        }
        long ring = (Integer.toUnsignedLong(tdbah) << 32) | Integer.toUnsignedLong(tdbal);
        if (!dma.contains(ring, (long) n * DESC_SIZE)) {
            diag.dmaErrors.incrementAndGet();
            return;
        }
        boolean reported = false;
        boolean delayed = false;
        while (tdh != tdt) {
            long desc = ring + (long) tdh * DESC_SIZE;
            int cmd = dma.readU8(desc + TXD_CMD);
            if ((cmd & TXD_CMD_DEXT) == 0) {
                legacyData(desc, cmd);
            } else {
                int type = dma.readU8(desc + TXD_CSO) >>> 4; // DTYP: bits 23:20 of the word at byte 8
                if (type == TXD_DTYP_CONTEXT) {
                    loadContext(desc);
                } else if (type == TXD_DTYP_DATA) {
                    extendedData(desc, cmd);
                } else {
                    diag.txUnsupportedDescriptors.incrementAndGet(); // a descriptor type the 8254x does not have
                    stagedBad = true;
                    tsoBad |= segmenting;
                    if ((cmd & TXD_CMD_EOP) != 0) {
                        endOfPacket(cmd); // the packet it ends is dropped (tx_bad_frames), the next starts clean
                    }
                }
            }
            if ((cmd & TXD_CMD_RS) != 0) {
                dma.writeU8Release(desc + TXD_STATUS, TXD_STAT_DD);
                reported = true;
                delayed |= (cmd & TXD_CMD_IDE) != 0;
            }
            tdh = nextIndex(tdh, n);
        }
        if (reported) {
            if (delayed) {
                txDelay.event();
            } else {
                interrupts.raise(ICR_TXDW);
            }
        }
        interrupts.raise(ICR_TXQE);
    }

    /** {@code (i + 1) mod n}, dividing only if {@code i} lies outside the ring (TDLEN shrunk under it). */
    private static int nextIndex(int i, int n) {
        int next = i + 1;
        return next < n ? next : next % n;
    }

    private void legacyData(long desc, int cmd) {
        packetOpen = true;
        int length = dma.readU16(desc + DESC_LENGTH);
        if (segmenting) {
            gatherSegmented(dma.readU64(desc + DESC_ADDR), length);
        } else if (length > 0) {
            gather(dma.readU64(desc + DESC_ADDR), length, (cmd & TXD_CMD_EOP) != 0);
        }
        if ((cmd & TXD_CMD_EOP) != 0) {
            endOfPacket(cmd);
        }
    }

    /** A TCP/IP context descriptor: the offload context for the packets after it. */
    private void loadContext(long desc) {
        if (packetOpen) {
            // Between a packet's first descriptor and its EOP the context is in use: ignored, counted.
            diag.txBadOffloads.incrementAndGet();
            return;
        }
        ipcss = dma.readU8(desc + TXC_IPCSS);
        ipcso = dma.readU8(desc + TXC_IPCSO);
        ipcse = dma.readU16(desc + TXC_IPCSE);
        tucss = dma.readU8(desc + TXC_TUCSS);
        tucso = dma.readU8(desc + TXC_TUCSO);
        tucse = dma.readU16(desc + TXC_TUCSE);
        paylen = dma.readU32(desc + TXC_CMD_AND_LENGTH) & TXD_EXT_LENGTH_MASK;
        tucmd = dma.readU8(desc + TXC_TUCMD);
        hdrlen = dma.readU8(desc + TXC_HDRLEN);
        mss = dma.readU16(desc + TXC_MSS);
        contextLoaded = true;
    }

    /** An extended data descriptor: the first of a packet says which offloads it wants. */
    private void extendedData(long desc, int cmd) {
        long addr = dma.readU64(desc + DESC_ADDR);
        int length = dma.readU32(desc + DESC_LENGTH) & TXD_EXT_LENGTH_MASK;
        if (!packetOpen) {
            packetOpen = true;
            popts = dma.readU8(desc + TXD_POPTS) & (TXD_POPTS_IXSM | TXD_POPTS_TXSM);
            if ((cmd & TXD_CMD_TSE) != 0) {
                segmenting = true;
                tsoBad = !segmentationContextUsable();
                if (tsoBad) {
                    diag.txBadOffloads.incrementAndGet();
                }
            } else if (popts != 0 && !contextLoaded) {
                diag.txBadOffloads.incrementAndGet(); // checksums asked for with no context: sent as they are
                popts = 0;
            }
        }
        if (segmenting) {
            gatherSegmented(addr, length);
        } else if (length > 0) {
            gather(addr, length, (cmd & TXD_CMD_EOP) != 0);
        }
        if ((cmd & TXD_CMD_EOP) != 0) {
            endOfPacket(cmd);
        }
    }

    /** The loaded context can drive a segmentation: its header holds what the card rewrites, a frame fits staging. */
    private boolean segmentationContextUsable() {
        boolean tcp = (tucmd & TXC_CMD_TCP) != 0;
        boolean ipv4 = (tucmd & TXC_CMD_IP) != 0;
        return contextLoaded && (tucmd & TXC_CMD_TSE) != 0 && ipv4 && mss > 0 && paylen > 0 && hdrlen > 0
                && hdrlen + mss <= staging.byteSize()
                && ipcss + 20 <= hdrlen && ipcso + 2 <= hdrlen
                && tucss + (tcp ? 20 : 8) <= hdrlen && tucso + 2 <= hdrlen && tucss >= ipcss + 20;
    }

    private void endOfPacket(int cmd) {
        if (segmenting) {
            finishSegmentation(cmd);
        } else {
            finishFrame(cmd);
        }
        endPacket();
    }

    private void endPacket() {
        packetOpen = false;
        popts = 0;
        segmenting = false;
        tsoBad = false;
        tsoHeaderGot = tsoFill = tsoSent = tsoFrames = 0;
    }

    // A frame in one descriptor is sent straight from host memory; pieces are gathered first.
    private long directAddr = -1;
    private int directLength;

    private void gather(long addr, int length, boolean endOfPacket) {
        if (!dma.contains(addr, length) || staged + length > staging.byteSize()) {
            diag.dmaErrors.incrementAndGet();
            stagedBad = true;
            return;
        }
        if (staged == 0 && endOfPacket && directAddr < 0 && popts == 0) {
            directAddr = addr;
            directLength = length;
            return;
        }
        MemorySegment.copy(dma.segment(), dma.offsetOf(addr, length), staging, staged, length);
        staged += length;
    }

    private void finishFrame(int cmd) {
        MemorySegment frame = staging;
        long offset = 0;
        int length = staged;
        if (directAddr >= 0) {
            frame = dma.segment();
            offset = dma.offsetOf(directAddr, directLength);
            length = directLength;
        }
        boolean bad = stagedBad;
        directAddr = -1;
        staged = 0;
        stagedBad = false;
        if ((cmd & TXD_CMD_IFCS) == 0) {
            // Without IFCS the software supplied the FCS; the medium carries frames without it.
            length -= FCS_LENGTH;
        }
        if (bad || length < 14) {
            diag.txBadFrames.incrementAndGet();
            return;
        }
        if ((popts & TXD_POPTS_IXSM) != 0) {
            insertChecksum(length, ipcss, ipcso, ipcse, true);
        }
        if ((popts & TXD_POPTS_TXSM) != 0) {
            insertChecksum(length, tucss, tucso, tucse, (tucmd & TXC_CMD_TCP) != 0);
        }
        send(frame, offset, length);
    }

    /**
     * Sums staging bytes {@code css} to {@code cse} (0: to the end of the frame) and stores the
     * one's complement at {@code cso}, as the manual's checksum offload does; the software has put
     * whatever partial sum (a pseudo-header's) the range should include into the field. A UDP
     * checksum that comes out 0 is sent as 0xFFFF, 0 meaning "none" there. Offsets outside the
     * frame: not inserted, counted.
     */
    private void insertChecksum(int length, int css, int cso, int cse, boolean zeroAllowed) {
        int end = cse == 0 ? length - 1 : Math.min(cse, length - 1);
        if (css > end || cso + 2 > length) {
            diag.txBadOffloads.incrementAndGet();
            return;
        }
        int sum = ~ChecksumEngine.fold(ChecksumEngine.sum(staging, css, end - css + 1, 0)) & 0xFFFF;
        ChecksumEngine.putU16(staging, cso, sum == 0 && !zeroAllowed ? 0xFFFF : sum);
    }

    // ---- TCP segmentation (manual 3.5): header first, then payload cut into MSS-sized frames

    /** Takes {@code length} bytes of a segmented packet: header bytes into the template, payload into frames. */
    private void gatherSegmented(long addr, int length) {
        if (tsoBad || length == 0) {
            return;
        }
        if (!dma.contains(addr, length)) {
            diag.dmaErrors.incrementAndGet();
            tsoBad = true;
            return;
        }
        long from = dma.offsetOf(addr, length);
        int pos = 0;
        while (pos < length) {
            if (tsoHeaderGot < hdrlen) {
                int n = Math.min(length - pos, hdrlen - tsoHeaderGot);
                MemorySegment.copy(dma.segment(), from + pos, tsoHeader, tsoHeaderGot, n);
                tsoHeaderGot += n;
                pos += n;
                continue;
            }
            if (tsoSent + tsoFill >= paylen) {
                // More payload than PAYLEN: the frames PAYLEN covers go (the last as the last), the rest not.
                diag.txBadOffloads.incrementAndGet();
                if (tsoFill > 0) {
                    sendSegment(true);
                }
                tsoBad = true;
                return;
            }
            int n = Math.min(Math.min(length - pos, mss - tsoFill), paylen - tsoSent - tsoFill);
            MemorySegment.copy(dma.segment(), from + pos, staging, hdrlen + tsoFill, n);
            tsoFill += n;
            pos += n;
            if (tsoFill == mss && tsoSent + tsoFill < paylen) {
                sendSegment(false);
            }
        }
    }

    /** EOP of a segmented packet: the last frame (the remainder) goes, and the context is counted. */
    private void finishSegmentation(int cmd) {
        if ((cmd & TXD_CMD_IFCS) == 0) {
            diag.txBadOffloads.incrementAndGet(); // segmentation builds new frames: the card must append their FCS
        }
        if (!tsoBad && tsoHeaderGot == hdrlen && tsoFill > 0) {
            sendSegment(true);
        }
        if (tsoBad || tsoSent != paylen) {
            if (!tsoBad) {
                diag.txBadOffloads.incrementAndGet(); // EOP before PAYLEN bytes came
            }
            stats.count(TSCTFC);
        } else {
            stats.count(TSCTC);
        }
    }

    /**
     * One frame of a segmentation: the header template with the manual's fix-ups (3.5.9.1-2) —
     * IPv4 total length and identification (the template's plus the frames before), TCP sequence
     * number advanced by the payload before, FIN and PSH only on the last frame (UDP: its length) —
     * then the checksums POPTS asks for, the TCP/UDP one over the pseudo-header sum the software
     * left at TUCSO (without a length, which the card adds for each frame).
     */
    private void sendSegment(boolean last) {
        int payload = tsoFill;
        int length = hdrlen + payload;
        MemorySegment.copy(tsoHeader, 0, staging, 0, hdrlen);
        ChecksumEngine.putU16(staging, ipcss + 2, length - ipcss);
        ChecksumEngine.putU16(staging, ipcss + 4, (ChecksumEngine.u16(tsoHeader, ipcss + 4) + tsoFrames) & 0xFFFF);
        int l4Length = length - tucss;
        if ((tucmd & TXC_CMD_TCP) != 0) {
            ChecksumEngine.putU32(staging, tucss + 4, ChecksumEngine.u32(tsoHeader, tucss + 4) + tsoSent);
            if (!last) {
                int flags = staging.get(java.lang.foreign.ValueLayout.JAVA_BYTE, tucss + 13);
                staging.set(java.lang.foreign.ValueLayout.JAVA_BYTE, tucss + 13, (byte) (flags & ~0x09)); // FIN, PSH
            }
        } else {
            ChecksumEngine.putU16(staging, tucss + 4, l4Length);
        }
        if ((popts & TXD_POPTS_IXSM) != 0) {
            ChecksumEngine.putU16(staging, ipcso, 0);
            insertChecksum(length, ipcss, ipcso, ipcse, true);
        }
        if ((popts & TXD_POPTS_TXSM) != 0) {
            int seeded = ChecksumEngine.fold(ChecksumEngine.u16(staging, tucso) + (long) l4Length);
            ChecksumEngine.putU16(staging, tucso, seeded);
            insertChecksum(length, tucss, tucso, 0, (tucmd & TXC_CMD_TCP) != 0);
        }
        tsoSent += payload;
        tsoFill = 0;
        tsoFrames++;
        send(staging, 0, length);
    }

    /** Pads a frame if PSP asks, then puts it on the medium and counts it. */
    private void send(MemorySegment frame, long offset, int length) {
        if (length < MIN_FRAME && (tctl & TCTL_PSP) != 0) {
            if (frame != staging) {
                MemorySegment.copy(frame, offset, staging, 0, length);
                frame = staging;
                offset = 0;
            }
            Bytes.zero(staging, length, MIN_FRAME - length);
            length = MIN_FRAME;
        }
        // One read of the medium: the frame goes where this check says it goes. (Testing a separate
        // link-up flag and then reading the medium let a concurrent detach slip in between: the
        // frame was counted as sent and went to NOWHERE.)
        Link out = output;
        if (out == Link.NOWHERE) {
            diag.txNoLink.incrementAndGet();
            return;
        }
        long dst = MacAddress.read(frame, offset);
        stats.frameSent(Math.max(length, MIN_FRAME) + FCS_LENGTH, dst == MacAddress.BROADCAST.bits(),
                (dst & 0x0100_0000_0000L) != 0);
        out.send(frame, offset, length);
    }
}
