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

    TransmitUnit(DmaMemory dma, Arena arena, Statistics stats, InterruptUnit interrupts, InterruptDelay txDelay,
                 E1000.Diagnostics diag) {
        this.dma = dma;
        this.stats = stats;
        this.interrupts = interrupts;
        this.txDelay = txDelay;
        this.staging = arena.allocate(MAX_JUMBO_FRAME + 64, 64);
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
            long addr = dma.readU64(desc + DESC_ADDR);
            int length = dma.readU16(desc + DESC_LENGTH);
            int cmd = dma.readU8(desc + TXD_CMD);
            if ((cmd & TXD_CMD_DEXT) != 0) {
                diag.txUnsupportedDescriptors.incrementAndGet(); // context and extended data descriptors are not modelled
                stagedBad = true;
            } else if (length > 0) {
                gather(addr, length, (cmd & TXD_CMD_EOP) != 0);
            }
            if ((cmd & TXD_CMD_EOP) != 0) {
                finishFrame(cmd);
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

    // A frame in one descriptor is sent straight from host memory; pieces are gathered first.
    private long directAddr = -1;
    private int directLength;

    private void gather(long addr, int length, boolean endOfPacket) {
        if (!dma.contains(addr, length) || staged + length > staging.byteSize()) {
            diag.dmaErrors.incrementAndGet();
            stagedBad = true;
            return;
        }
        if (staged == 0 && endOfPacket && directAddr < 0) {
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
