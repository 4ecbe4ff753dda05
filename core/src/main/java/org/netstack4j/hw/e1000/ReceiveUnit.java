package org.netstack4j.hw.e1000;

import org.netstack4j.buffer.Bytes;
import org.netstack4j.buffer.DmaMemory;
import org.netstack4j.wire.MacAddress;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;

import static org.netstack4j.hw.e1000.E1000Registers.*;

/**
 * The receive half of the card: address filter, size checks, the on-chip FIFO, and DMA of each
 * frame into the descriptor at RDH. Frames arrive on whatever thread the medium runs on; the
 * driver moves RDT from its own. One lock (this object) serialises both, as the card's receive
 * logic is one state machine. Descriptor status is published last, with release semantics.
 */
final class ReceiveUnit {
    private final DmaMemory dma;
    private final Statistics stats;
    private final InterruptUnit interrupts;
    private final InterruptDelay rxDelay;
    private final OnChipPacketBuffer fifo;
    private final MemorySegment staging;
    private final ByteBuffer stagingView;
    private final CRC32 crc = new CRC32();
    private final E1000.Diagnostics diag;

    private int rctl;
    private int rdbal;
    private int rdbah;
    private int rdlen;
    private int rdh;
    private int rdt;
    private int rxcsum;
    private int rsrpd;
    private final int[] ral = new int[RA_ENTRIES];
    private final int[] rah = new int[RA_ENTRIES];
    private final int[] mta = new int[MTA_WORDS];

    ReceiveUnit(DmaMemory dma, Arena arena, int fifoBytes, Statistics stats, InterruptUnit interrupts,
                InterruptDelay rxDelay, E1000.Diagnostics diag) {
        this.dma = dma;
        this.stats = stats;
        this.interrupts = interrupts;
        this.rxDelay = rxDelay;
        this.fifo = new OnChipPacketBuffer(arena, fifoBytes);
        this.staging = arena.allocate(MAX_JUMBO_FRAME + FCS_LENGTH, 64);
        this.stagingView = staging.asByteBuffer();
        this.diag = diag;
    }

    // ---- Registers

    synchronized int read(int register) {
        if (register >= MTA && register < MTA + 4 * MTA_WORDS) {
            return mta[(register - MTA) >>> 2];
        }
        if (register >= RAL0 && register < RAL0 + 8 * RA_ENTRIES) {
            int n = (register - RAL0) >>> 3;
            return (register & 4) == 0 ? ral[n] : rah[n];
        }
        return switch (register) {
            case RCTL -> rctl;
            case RDBAL -> rdbal;
            case RDBAH -> rdbah;
            case RDLEN -> rdlen;
            case RDH -> rdh;
            case RDT -> rdt;
            case RDTR -> rxDelay.packetDelay();
            case RADV -> rxDelay.absoluteDelay();
            case RXCSUM -> rxcsum;
            case RSRPD -> rsrpd;
            default -> 0;
        };
    }

    synchronized void write(int register, int value) {
        if (register >= MTA && register < MTA + 4 * MTA_WORDS) {
            mta[(register - MTA) >>> 2] = value;
            return;
        }
        if (register >= RAL0 && register < RAL0 + 8 * RA_ENTRIES) {
            int n = (register - RAL0) >>> 3;
            if ((register & 4) == 0) {
                ral[n] = value;
            } else {
                rah[n] = value & (RAH_AV | 0xFFFF);
            }
            return;
        }
        switch (register) {
            case RCTL -> {
                rctl = value;
                drainFifo();
            }
            case RDBAL -> rdbal = value & ~0xF;
            case RDBAH -> rdbah = value;
            case RDLEN -> rdlen = value & 0xF_FF80;
            case RDH -> rdh = clampIndex(value);
            case RDT -> {
                rdt = clampIndex(value);
                drainFifo();
            }
            case RDTR -> rxDelay.setPacketDelay(value);
            case RADV -> rxDelay.setAbsoluteDelay(value);
            case RXCSUM -> rxcsum = value;
            case RSRPD -> rsrpd = value;
            default -> { }
        }
    }

    private int clampIndex(int value) {
        int n = ringSize();
        int index = value & 0xFFFF;
        if (n > 0 && index >= n) {
            diag.badRingIndexWrites.incrementAndGet();
            return index % n;
        }
        return index;
    }

    /** Sets the on-chip buffer size (PBA, in KB); applies while the FIFO is empty. */
    synchronized void setFifoKilobytes(int kilobytes) {
        fifo.resize(kilobytes * 1024);
    }

    synchronized int fifoKilobytes() {
        return fifo.capacityBytes() / 1024;
    }

    synchronized void reset(MacAddress mac) {
        diag.resetFlushed.addAndGet(fifo.clear());
        rctl = rdbal = rdbah = rdlen = rdh = rdt = rxcsum = rsrpd = 0;
        java.util.Arrays.fill(ral, 0);
        java.util.Arrays.fill(rah, 0);
        java.util.Arrays.fill(mta, 0);
        rxDelay.reset();
        // The card loads receive address 0 from the EEPROM after every reset.
        long bits = mac.bits();
        ral[0] = (int) ((bits >>> 40) & 0xFF | ((bits >>> 32) & 0xFF) << 8 | ((bits >>> 24) & 0xFF) << 16 | ((bits >>> 16) & 0xFF) << 24);
        rah[0] = (int) ((bits >>> 8) & 0xFF | (bits & 0xFF) << 8) | RAH_AV;
    }

    /** A receive statistics register, read (and cleared) under this unit's lock, which guards its counting. */
    synchronized int readStatistic(int register) {
        return stats.read(register);
    }

    synchronized int fifoFrames() {
        return fifo.frames();
    }

    synchronized int fifoBytes() {
        return fifo.usedBytes();
    }

    // ---- Frames from the medium

    /** A frame from the wire (Ethernet II, no FCS), on the medium's thread. */
    synchronized void receive(MemorySegment src, long offset, int length) {
        if ((rctl & RCTL_EN) == 0) {
            diag.rxWhileDisabled.incrementAndGet(); // no statistics register counts while receives are disabled (manual 13.7)
            return;
        }
        stats.frameSeen(Math.max(length, MIN_FRAME) + FCS_LENGTH);
        if (length < 14) {
            stats.count(RUC);
            return;
        }
        if (!accepts(MacAddress.read(src, offset))) {
            diag.filtered.incrementAndGet();
            return;
        }
        // ROC counts only frames that passed the address filter (manual 13.7.36).
        int max = (rctl & RCTL_LPE) != 0 ? MAX_JUMBO_FRAME : MAX_FRAME_WITH_FCS;
        if (length + FCS_LENGTH > max) {
            stats.count(ROC);
            return;
        }
        if (fifo.isEmpty() && tryDma(src, offset, length)) {
            return;
        }
        // No buffer in host memory for this frame (whether or not others wait before it).
        stats.count(RNBC);
        if (!fifo.offer(src, offset, length)) {
            stats.count(MPC);
            interrupts.raise(ICR_RXO);
        }
    }

    /** The address filter: promiscuous bits, then the receive addresses, then broadcast and the MTA hash. */
    private boolean accepts(long dst) {
        boolean multicast = (dst & 0x0100_0000_0000L) != 0;
        if (!multicast) {
            if ((rctl & RCTL_UPE) != 0) {
                return true;
            }
            return matchesReceiveAddress(dst);
        }
        if (dst == MacAddress.BROADCAST.bits() && (rctl & RCTL_BAM) != 0) {
            return true;
        }
        if ((rctl & RCTL_MPE) != 0 || matchesReceiveAddress(dst)) {
            return true;
        }
        int hash = multicastHash(dst, (rctl >>> RCTL_MO_SHIFT) & 3);
        return (mta[hash >>> 5] & (1 << (hash & 31))) != 0;
    }

    private boolean matchesReceiveAddress(long dst) {
        for (int i = 0; i < RA_ENTRIES; i++) {
            if ((rah[i] & RAH_AV) != 0 && receiveAddress(i) == dst) {
                return true;
            }
        }
        return false;
    }

    private long receiveAddress(int i) {
        long low = Integer.toUnsignedLong(ral[i]);
        long high = rah[i] & 0xFFFF;
        // RAL holds the first four octets with the first in its low byte; RAH the last two.
        return (low & 0xFF) << 40 | ((low >>> 8) & 0xFF) << 32 | ((low >>> 16) & 0xFF) << 24
                | ((low >>> 24) & 0xFF) << 16 | (high & 0xFF) << 8 | (high >>> 8);
    }

    /** The 12-bit MTA index: which bits of the address RCTL.MO selects (Intel's hash). */
    static int multicastHash(long mac, int filterType) {
        int octet4 = (int) (mac >>> 8) & 0xFF;
        int octet5 = (int) mac & 0xFF;
        int hash = switch (filterType) {
            case 0 -> (octet4 >>> 4) | (octet5 << 4);
            case 1 -> (octet4 >>> 3) | (octet5 << 5);
            case 2 -> (octet4 >>> 2) | (octet5 << 6);
            default -> octet4 | (octet5 << 8);
        };
        return hash & 0xFFF;
    }

    private int ringSize() {
        return rdlen / DESC_SIZE;
    }

    private int freeDescriptors() {
        int n = ringSize();
        if (n == 0) {
            return 0;
        }
        // (rdt - rdh + n) mod n, asked twice per frame: without a division while both indexes
        // are inside the ring (always, unless RDLEN was shrunk under them).
        int free = rdt - rdh;
        if (free >= -n && free < n) {
            return free < 0 ? free + n : free;
        }
        return (free + n) % n;
    }

    /**
     * Receive checksum offload (RXCSUM): for an IPv4 frame (Ethernet II), the header checksum if
     * IPOFLD (status IPCS, error IPE when wrong), and for a TCP or UDP datagram that is not a
     * fragment the checksum over the pseudo-header and the datagram if TUOFLD (TCPCS, error TCPE);
     * a UDP datagram sent without a checksum (0) has none to check. Frames the card cannot parse get
     * no status bits: the software checks them itself. Returns the status bits, errors in bits 15:8.
     */
    private int checkChecksums(MemorySegment src, long offset, int length) {
        if (length < 14 + 20 || ChecksumEngine.u16(src, offset + 12) != 0x0800) {
            return 0;
        }
        long ip = offset + 14;
        int versionAndIhl = src.get(java.lang.foreign.ValueLayout.JAVA_BYTE, ip) & 0xFF;
        int ihl = (versionAndIhl & 0xF) * 4;
        if (versionAndIhl >>> 4 != 4 || ihl < 20 || 14 + ihl > length) {
            return 0;
        }
        int status = 0;
        int errors = 0;
        if ((rxcsum & RXCSUM_IPOFLD) != 0) {
            status |= RXD_STAT_IPCS;
            if (ChecksumEngine.fold(ChecksumEngine.sum(src, ip, ihl, 0)) != 0xFFFF) {
                errors |= RXD_ERR_IPE;
            }
        }
        int total = ChecksumEngine.u16(src, ip + 2);
        int protocol = src.get(java.lang.foreign.ValueLayout.JAVA_BYTE, ip + 9) & 0xFF;
        boolean fragment = (ChecksumEngine.u16(src, ip + 6) & 0x3FFF) != 0; // MF or an offset
        if ((rxcsum & RXCSUM_TUOFLD) == 0 || fragment || total < ihl || 14 + total > length
                || (protocol != 6 && protocol != 17)) {
            return errors << 8 | status;
        }
        int l4Length = total - ihl;
        if (protocol == 6 ? l4Length < 20 : l4Length < 8 || ChecksumEngine.u16(src, ip + ihl + 6) == 0) {
            return errors << 8 | status;
        }
        long pseudo = ChecksumEngine.sum(src, ip + 12, 8, protocol + l4Length); // the addresses, protocol, length
        status |= RXD_STAT_TCPCS;
        if (ChecksumEngine.fold(ChecksumEngine.sum(src, ip + ihl, l4Length, pseudo)) != 0xFFFF) {
            errors |= RXD_ERR_TCPE;
        }
        return errors << 8 | status;
    }

    /** {@code (i + 1) mod n}, dividing only if {@code i} lies outside the ring (RDLEN shrunk under it). */
    private static int nextIndex(int i, int n) {
        int next = i + 1;
        return next < n ? next : next % n;
    }

    private void drainFifo() {
        while ((rctl & RCTL_EN) != 0 && !fifo.isEmpty()
                && tryDma(fifo.memory(), fifo.oldestOffset(), fifo.oldestLength())) {
            fifo.removeOldest();
        }
    }

    /**
     * Stores one frame into host memory through the descriptors at RDH, if enough are free.
     * Short frames are padded to 60 bytes; without SECRC the FCS is appended.
     */
    private boolean tryDma(MemorySegment src, long offset, int length) {
        int padded = Math.max(length, MIN_FRAME);
        boolean keepCrc = (rctl & RCTL_SECRC) == 0;
        int stored = padded + (keepCrc ? FCS_LENGTH : 0);
        int bufferSize = rxBufferSize(rctl);
        int needed = stored <= bufferSize ? 1 : (stored + bufferSize - 1) / bufferSize; // one, but for long frames
        if (freeDescriptors() < needed) {
            return false;
        }
        int n = ringSize();
        long ring = (Integer.toUnsignedLong(rdbah) << 32) | Integer.toUnsignedLong(rdbal);
        if (!dma.contains(ring, (long) n * DESC_SIZE)) {
            diag.dmaErrors.incrementAndGet();
            return false;
        }
        long dst = MacAddress.read(src, offset);
        int checksums = (rxcsum & (RXCSUM_IPOFLD | RXCSUM_TUOFLD)) != 0 ? checkChecksums(src, offset, length) : 0;
        if (padded != length || keepCrc) {
            MemorySegment.copy(src, offset, staging, 0, length);
            Bytes.zero(staging, length, padded - length);
            if (keepCrc) {
                crc.reset();
                stagingView.limit(padded).position(0);
                crc.update(stagingView);
                int fcs = (int) crc.getValue();
                for (int i = 0; i < FCS_LENGTH; i++) {
                    staging.set(java.lang.foreign.ValueLayout.JAVA_BYTE, padded + i, (byte) (fcs >>> (8 * i)));
                }
            }
            src = staging;
            offset = 0;
        }
        for (int pos = 0; pos < stored; ) {
            long desc = ring + (long) rdh * DESC_SIZE;
            int chunk = Math.min(bufferSize, stored - pos);
            long addr = dma.readU64(desc + DESC_ADDR);
            int errors = 0;
            int status = RXD_STAT_DD;
            if (pos + chunk >= stored) {
                status |= RXD_STAT_EOP | (checksums & 0xFF);
                errors = checksums >>> 8;
            }
            if (dma.contains(addr, chunk)) {
                MemorySegment.copy(src, offset + pos, dma.segment(), dma.offsetOf(addr, chunk), chunk);
            } else {
                diag.dmaErrors.incrementAndGet();
                errors |= RXD_ERR_RXE;
            }
            pos += chunk;
            dma.writeU16(desc + DESC_LENGTH, chunk);
            dma.writeU16(desc + RXD_CSUM, 0);
            dma.writeU8(desc + RXD_ERRORS, errors);
            dma.writeU16(desc + RXD_SPECIAL, 0);
            dma.writeU8Release(desc + RXD_STATUS, status);
            rdh = nextIndex(rdh, n);
        }
        stats.frameReceived(padded + FCS_LENGTH, dst == MacAddress.BROADCAST.bits(), (dst & 0x0100_0000_0000L) != 0);
        int threshold = n >> (1 + ((rctl >>> RCTL_RDMTS_SHIFT) & 3));
        if (freeDescriptors() <= threshold) {
            interrupts.raise(ICR_RXDMT0);
        }
        rxDelay.event();
        return true;
    }
}
