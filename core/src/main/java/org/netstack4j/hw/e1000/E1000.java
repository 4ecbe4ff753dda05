package org.netstack4j.hw.e1000;

import org.netstack4j.buffer.DmaMemory;
import org.netstack4j.exec.InterruptLine;
import org.netstack4j.exec.Timeline;
import org.netstack4j.hw.RegisterWindow;
import org.netstack4j.hw.link.Connector;
import org.netstack4j.hw.link.Link;
import org.netstack4j.wire.MacAddress;

import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.netstack4j.hw.e1000.E1000Registers.*;

/**
 * A software Intel 82540EM: the descriptor paths of the 8254x family (legacy, and the extended
 * descriptors of transmit checksum and TCP segmentation offload), with receive checksum offload. Software reaches it
 * only through its register window ({@link #read}/{@link #write}), the host's DMA memory (by
 * bus address) and its interrupt line; media reach it through its {@link Connector}.
 *
 * <p>The card is built from units that each guard their own state: {@link TransmitUnit} and
 * {@link ReceiveUnit} (which may run on different threads at once: the driver's, the medium's),
 * and {@link InterruptUnit} (a leaf lock); {@link Statistics} counters live under the lock of the
 * unit that counts them. Lock order is transmit, then
 * receive, then the leaves; a transmit may enter another card's receive unit, never the reverse.
 */
public final class E1000 implements RegisterWindow, Connector, AutoCloseable {

    /**
     * Model-only counters: what the card does that no statistics register shows. The transmit and
     * receive units count some of the same events under their own locks, on different threads, and
     * anyone may read them at any time: each counter is atomic (no lock is shared by all writers).
     */
    public static final class Diagnostics {
        final AtomicLong filtered = new AtomicLong();
        final AtomicLong rxWhileDisabled = new AtomicLong();
        final AtomicLong dmaErrors = new AtomicLong();
        final AtomicLong resetFlushed = new AtomicLong();
        final AtomicLong txNoLink = new AtomicLong();
        final AtomicLong txBadFrames = new AtomicLong();
        final AtomicLong txUnsupportedDescriptors = new AtomicLong();
        final AtomicLong txBadOffloads = new AtomicLong();
        final AtomicLong badRingIndexWrites = new AtomicLong();
        final AtomicLong badRegisterAccesses = new AtomicLong();
        final AtomicLong resets = new AtomicLong();

        /** Frames not addressed to this card (dropped by the address filter). */
        public long filtered() {
            return filtered.get();
        }

        /** Frames transmitted while no medium was attached (lost on the floor). */
        public long txNoLink() {
            return txNoLink.get();
        }

        /**
         * Offload requests the card could not honour: checksums asked for with no context loaded or
         * at offsets outside the frame, a context descriptor inside a packet, a segmentation whose
         * context cannot drive it or whose data disagrees with PAYLEN.
         */
        public long txBadOffloads() {
            return txBadOffloads.get();
        }

        /** Tail or head writes beyond the ring (both units count them). */
        public long badRingIndexWrites() {
            return badRingIndexWrites.get();
        }

        public Map<String, Long> toMap() {
            Map<String, Long> m = new LinkedHashMap<>();
            m.put("filtered", filtered.get());
            m.put("rx_while_disabled", rxWhileDisabled.get());
            m.put("dma_errors", dmaErrors.get());
            m.put("reset_flushed", resetFlushed.get());
            m.put("tx_no_link", txNoLink.get());
            m.put("tx_bad_frames", txBadFrames.get());
            m.put("tx_unsupported_descriptors", txUnsupportedDescriptors.get());
            m.put("tx_bad_offloads", txBadOffloads.get());
            m.put("bad_ring_index_writes", badRingIndexWrites.get());
            m.put("bad_register_accesses", badRegisterAccesses.get());
            m.put("resets", resets.get());
            return m;
        }
    }

    /** Creation-time options. {@code rxFifoBytes}: the on-chip receive buffer (82540: 48 KB). */
    public record Options(int rxFifoBytes) {
        public static final Options DEFAULT = new Options(48 * 1024);

        public Options {
            if (rxFifoBytes < 2048 || rxFifoBytes > 64 * 1024) {
                throw new IllegalArgumentException("on-chip receive buffer must be 2..64 KB: " + rxFifoBytes);
            }
        }
    }

    private final String name;
    private final Arena arena = Arena.ofShared();
    private final Eeprom eeprom;
    private final Statistics stats = new Statistics();
    private final Diagnostics diag = new Diagnostics();
    private final InterruptUnit interrupts;
    private final ReceiveUnit rx;
    private final TransmitUnit tx;
    private final int defaultPba;
    private final Link input;

    private volatile int ctrl;
    private volatile int eerd;
    private volatile int pba;
    private final int[] other = new int[BAR_SIZE / 4];

    public E1000(String name, DmaMemory dma, Timeline timeline, MacAddress mac) {
        this(name, dma, timeline, mac, Options.DEFAULT);
    }

    public E1000(String name, DmaMemory dma, Timeline timeline, MacAddress mac, Options options) {
        this.name = name;
        this.eeprom = new Eeprom(mac);
        this.interrupts = new InterruptUnit(timeline, name);
        InterruptDelay rxDelay = new InterruptDelay(timeline, interrupts, ICR_RXT0, name + "-rdtr");
        InterruptDelay txDelay = new InterruptDelay(timeline, interrupts, ICR_TXDW, name + "-tidv");
        this.rx = new ReceiveUnit(dma, arena, options.rxFifoBytes(), stats, interrupts, rxDelay, diag);
        this.tx = new TransmitUnit(dma, arena, stats, interrupts, txDelay, diag);
        this.defaultPba = options.rxFifoBytes() / 1024;
        this.input = rx::receive;
        reset();
        diag.resets.set(0);
    }

    /** Wires the card's interrupt pin to a line (the board's job, not the driver's). */
    public void connectInterrupt(InterruptLine line) {
        interrupts.connect(line);
    }

    public String name() {
        return name;
    }

    public MacAddress eepromMac() {
        return eeprom.mac();
    }

    // ---- The register window

    @Override
    public int read(int offset) {
        if (!validOffset(offset)) {
            return 0;
        }
        if (offset >= STATS_FIRST && offset <= STATS_LAST) {
            return Statistics.isTransmitCounter(offset) ? tx.readStatistic(offset) : rx.readStatistic(offset);
        }
        if (isReceiveRegister(offset)) {
            return rx.read(offset);
        }
        return switch (offset) {
            case CTRL -> ctrl;
            case STATUS -> status();
            case EERD -> eerd;
            case EECD -> 0x0000_0100; // EEPROM present; reads go through EERD
            case ICR -> interrupts.readAndClear();
            case ITR -> interrupts.throttle();
            case IMS -> interrupts.mask();
            case ICS, IMC -> 0; // write-only
            case PBA -> pba;
            case TCTL, TIPG, TDBAL, TDBAH, TDLEN, TDH, TDT, TIDV, TADV -> tx.read(offset);
            default -> other[offset >>> 2];
        };
    }

    @Override
    public void write(int offset, int value) {
        if (!validOffset(offset)) {
            return;
        }
        if (offset >= STATS_FIRST && offset <= STATS_LAST) {
            return; // statistics are read-only
        }
        if (isReceiveRegister(offset)) {
            rx.write(offset, value);
            return;
        }
        switch (offset) {
            case CTRL -> {
                if ((value & CTRL_RST) != 0) {
                    reset();
                } else {
                    ctrl = value;
                }
            }
            case EERD -> {
                if ((value & EERD_START) != 0) {
                    int address = (value >>> EERD_ADDR_SHIFT) & 0xFF;
                    eerd = (eeprom.read(address) << EERD_DATA_SHIFT) | (address << EERD_ADDR_SHIFT) | EERD_DONE;
                }
            }
            case ICR -> interrupts.clearCauses(value); // 1s clear those causes, 0s leave them
            case ICS -> interrupts.raise(value);
            case IMS -> interrupts.setMask(value);
            case IMC -> interrupts.clearMask(value);
            case ITR -> interrupts.setThrottle(value);
            case PBA -> {
                pba = value & 0x3F;
                rx.setFifoKilobytes(Math.max(2, Math.min(pba, 64)));
            }
            case STATUS -> { } // read-only
            case TCTL, TIPG, TDBAL, TDBAH, TDLEN, TDH, TDT, TIDV, TADV -> tx.write(offset, value);
            default -> other[offset >>> 2] = value;
        }
    }

    private boolean validOffset(int offset) {
        if (offset < 0 || offset >= BAR_SIZE || (offset & 3) != 0) {
            diag.badRegisterAccesses.incrementAndGet();
            return false;
        }
        return true;
    }

    private static boolean isReceiveRegister(int offset) {
        return offset == RCTL || (offset >= RDBAL && offset <= RADV) || offset == RSRPD || offset == RXCSUM
                || (offset >= MTA && offset < MTA + 4 * MTA_WORDS)
                || (offset >= RAL0 && offset < RAL0 + 8 * RA_ENTRIES);
    }

    private int status() {
        int s = STATUS_FD | STATUS_SPEED_1000;
        return tx.linkUp() ? s | STATUS_LU : s;
    }

    /** CTRL.RST: everything back to power-on state, mid-traffic too; the bit clears itself. */
    private void reset() {
        synchronized (tx) {
            synchronized (rx) {
                tx.reset();
                rx.reset(eeprom.mac());
                interrupts.reset();
                stats.clear();
                ctrl = CTRL_FD | CTRL_ASDE | CTRL_SLU;
                eerd = 0;
                pba = defaultPba;
                rx.setFifoKilobytes(defaultPba);
                java.util.Arrays.fill(other, 0);
                diag.resets.incrementAndGet();
            }
        }
    }

    // ---- The connector

    @Override
    public Link input() {
        return input;
    }

    @Override
    public void attach(Link output) {
        tx.connect(output);
        interrupts.raise(ICR_LSC);
    }

    @Override
    public void detach() {
        tx.connect(Link.NOWHERE);
        interrupts.raise(ICR_LSC);
    }

    // ---- Diagnostics (the model's own view, for tests and the CLI)

    public Diagnostics diagnostics() {
        return diag;
    }

    /** Frames waiting in the on-chip receive buffer. */
    public int fifoFrames() {
        return rx.fifoFrames();
    }

    /** How many times the interrupt line has risen. */
    public long interruptAssertions() {
        return interrupts.assertions();
    }

    /** Breaks the EEPROM checksum, to test that a driver notices. */
    public void corruptEeprom() {
        eeprom.corrupt();
    }

    @Override
    public void close() {
        detach();
        arena.close();
    }

    @Override
    public String toString() {
        return "E1000[" + name + ", " + eeprom.mac() + "]";
    }
}
