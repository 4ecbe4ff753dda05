package org.netstack4j.driver;

import org.netstack4j.buffer.BufferPool;
import org.netstack4j.buffer.DmaMemory;
import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.exec.Cpu;
import org.netstack4j.exec.Irq;
import org.netstack4j.exec.Job;
import org.netstack4j.exec.Timeline;
import org.netstack4j.exec.Timer;
import org.netstack4j.exec.Work;
import org.netstack4j.hw.RegisterWindow;
import org.netstack4j.wire.MacAddress;

import java.util.Map;

import static org.netstack4j.hw.e1000.E1000Registers.*;

/**
 * The E1000 driver. Read it top to bottom: bring-up (reset, EEPROM, transmit ring, receive
 * ring, address filter, interrupts), transmit, receive, the three ways of being woken, and
 * tear-down. Everything here runs on the interface's {@link Cpu}, except the constructor.
 *
 * <p>It sees the card only as a {@link RegisterWindow}, {@link DmaMemory} with bus addresses
 * and an {@link Irq}, so the same code could drive a window over a real PCI BAR.
 *
 * <p>It tells its CPU what it did, for the CPU's cost model: {@link Work#RX_FRAME} for each
 * receive descriptor it handles, {@link Work#POLL} for each poll that runs (a busy-poll pass that
 * finds nothing is free: it only fills time nothing else wanted). Interrupt entry and exit the CPU
 * charges itself.
 */
public final class E1000Driver implements NetDevice {
    /** Interrupt causes the driver wants in interrupt and NAPI modes. */
    private static final int IMS_ENABLE = ICR_RXT0 | ICR_RXO | ICR_RXDMT0 | ICR_TXDW | ICR_LSC;
    private static final int ALL_CAUSES = 0xFFFF_FFFF;
    /** Polls of a self-clearing bit before giving up on the card. */
    private static final int MAX_SPINS = 100_000;
    /** Longest frame we hand the card, without FCS, at the standard MTU (jumbo frames: {@link DriverConfig#maxFrame}). */
    public static final int MAX_FRAME = 1514;
    /** The receive buffer size programmed into RCTL.BSIZE at the standard MTU. */
    public static final int RX_BUFFER_SIZE = 2048;
    /** Longest frame of a segmentation request: Ethernet's header and the largest IPv4 datagram. */
    public static final int MAX_SEGMENTATION_FRAME = 14 + 65_535;
    /** Where the IPv4 header starts in a frame (Ethernet II, no VLAN tag): the context's IPCSS. */
    private static final int IP_START = 14;
    /** The TCP checksum field's place in its header (UDP's is 6). */
    private static final int TCP_CHECKSUM_FIELD = 16;

    private final String name;
    private final RegisterWindow regs;
    private final BufferPool rxPool;
    private final Irq irq;
    private final Cpu cpu;
    private final DriverConfig config;
    private final TxRing tx;
    private final RxRing rx;
    private final DriverCounters counters = new DriverCounters();
    private final Job pollJob;
    private final Job statsJob;
    private final Timer statsTimer;
    private final Runnable interruptHandler = this::handleInterrupt;

    private FrameSink sink;
    private Job transmitWaiter;
    private boolean transmitBlocked;
    private MacAddress mac;
    private boolean up;
    private boolean linkUp;

    // The offload context the card holds, as the last context descriptor set it: a new one is
    // written only when a packet needs different values (as Linux's e1000 keeps the last one).
    private boolean contextLoaded;
    private int contextTucss;
    private int contextTucso;
    private int contextTucmd;
    private int contextHdrlen;
    private int contextMss;
    private int contextPaylen;

    public E1000Driver(String name, RegisterWindow regs, DmaMemory dma, Cpu cpu, Irq irq, Timeline timeline,
                       BufferPool rxPool, DriverConfig config) {
        if (rxPool.bufferSize() < config.rxBufferSize()) {
            throw new IllegalArgumentException("receive pool " + rxPool.name() + " has " + rxPool.bufferSize()
                    + "-byte buffers; the driver needs " + config.rxBufferSize());
        }
        this.name = name;
        this.regs = regs;
        this.rxPool = rxPool;
        this.irq = irq;
        this.cpu = cpu;
        this.config = config;
        // Rings are carved out of DMA memory once and reused by every bring-up.
        this.tx = new TxRing(dma, config.txRingSize());
        this.rx = new RxRing(dma, config.rxRingSize());
        this.pollJob = cpu.newJob(name + "-poll", config.mode() == WakeMode.BUSY_POLL ? this::busyPoll : this::napiPoll);
        this.statsJob = cpu.newJob(name + "-stats", () -> {
            updateStats();
            if (up && config.statsIntervalNanos() > 0) {
                statsTimerArm();
            }
            return Job.Result.DONE;
        });
        this.statsTimer = timeline.newTimer(name + "-stats", statsJob::schedule);
    }

    // ==== Bring-up ====================================================================

    /** Resets and initialises the card, fills the receive ring, and starts receiving into {@code sink}. */
    @Override
    public void bringUp(FrameSink frameSink) {
        if (up) {
            throw new IllegalStateException(name + " is already up");
        }
        this.sink = frameSink;
        resetCard();
        contextLoaded = false; // the reset cleared the card's
        mac = readMacFromEeprom();
        regs.write(CTRL, regs.read(CTRL) | CTRL_SLU | CTRL_ASDE);
        initTransmit();
        initReceive();
        irq.request(interruptHandler);
        regs.read(ICR);
        switch (config.mode()) {
            case INTERRUPT, NAPI -> regs.write(IMS, IMS_ENABLE);
            case BUSY_POLL -> pollJob.schedule();
        }
        linkUp = (regs.read(STATUS) & STATUS_LU) != 0;
        up = true;
        if (config.statsIntervalNanos() > 0) {
            statsTimerArm();
        }
    }

    /** The manual's reset: quiesce, CTRL.RST, wait for it to clear, mask everything, clear causes. */
    private void resetCard() {
        regs.write(IMC, ALL_CAUSES);
        regs.write(RCTL, 0);
        regs.write(TCTL, TCTL_PSP);
        regs.read(STATUS); // flush posted writes before the reset
        regs.write(CTRL, regs.read(CTRL) | CTRL_RST);
        spinUntilClear(CTRL, CTRL_RST, "reset");
        regs.write(IMC, ALL_CAUSES);
        regs.read(ICR);
    }

    private void spinUntilClear(int register, int bit, String what) {
        for (int i = 0; (regs.read(register) & bit) != 0; i++) {
            if (i == MAX_SPINS) {
                throw new IllegalStateException(name + ": card did not finish " + what);
            }
            Thread.onSpinWait();
        }
    }

    private int readEeprom(int word) {
        regs.write(EERD, EERD_START | (word << EERD_ADDR_SHIFT));
        for (int i = 0; i < MAX_SPINS; i++) {
            int value = regs.read(EERD);
            if ((value & EERD_DONE) != 0) {
                return value >>> EERD_DATA_SHIFT;
            }
            Thread.onSpinWait();
        }
        throw new IllegalStateException(name + ": EEPROM read of word " + word + " did not complete");
    }

    /** Verifies the EEPROM checksum, then takes the MAC from words 0–2 (low byte first). */
    private MacAddress readMacFromEeprom() {
        int sum = 0;
        int[] words = new int[3];
        for (int w = 0; w < EEPROM_WORDS; w++) {
            int value = readEeprom(w);
            sum += value;
            if (w < 3) {
                words[w] = value;
            }
        }
        if ((sum & 0xFFFF) != EEPROM_CHECKSUM) {
            throw new IllegalStateException(String.format("%s: EEPROM checksum is 0x%04x, expected 0x%04x",
                    name, sum & 0xFFFF, EEPROM_CHECKSUM));
        }
        long bits = 0;
        for (int w : words) {
            bits = (bits << 16) | ((long) (w & 0xFF) << 8) | (w >>> 8);
        }
        return new MacAddress(bits);
    }

    /** Every descriptor DD (free), head = tail = 0, then the transmitter on. */
    private void initTransmit() {
        tx.init();
        regs.write(TDBAL, (int) tx.base);
        regs.write(TDBAH, (int) (tx.base >>> 32));
        regs.write(TDLEN, tx.size * DESC_SIZE);
        regs.write(TDH, 0);
        regs.write(TDT, 0);
        regs.write(TCTL, TCTL_EN | TCTL_PSP | (0x10 << TCTL_CT_SHIFT) | (0x40 << TCTL_COLD_SHIFT));
        regs.write(TIPG, TIPG_DEFAULT);
    }

    /** A buffer behind every descriptor, RDH = 0 and RDT = N − 1, our address, then the receiver on. */
    private void initReceive() {
        if (rxPool.free() < rx.size) {
            throw new IllegalStateException(name + ": receive pool " + rxPool.name() + " has " + rxPool.free()
                    + " free buffers, the ring needs " + rx.size);
        }
        for (int i = 0; i < rx.size; i++) {
            rx.attach(i, rxPool.take());
        }
        rx.next = 0;
        rx.discarding = false;
        regs.write(RDBAL, (int) rx.base);
        regs.write(RDBAH, (int) (rx.base >>> 32));
        regs.write(RDLEN, rx.size * DESC_SIZE);
        regs.write(RDH, 0);
        regs.write(RDT, rx.size - 1);

        long bits = mac.bits();
        regs.write(RAL0, (int) ((bits >>> 40) & 0xFF | ((bits >>> 32) & 0xFF) << 8 | ((bits >>> 24) & 0xFF) << 16
                | ((bits >>> 16) & 0xFF) << 24));
        regs.write(RAH0, (int) ((bits >>> 8) & 0xFF | (bits & 0xFF) << 8) | RAH_AV);
        for (int i = 1; i < RA_ENTRIES; i++) {
            regs.write(RAL0 + 8 * i, 0);
            regs.write(RAH0 + 8 * i, 0);
        }
        for (int i = 0; i < MTA_WORDS; i++) {
            regs.write(MTA + 4 * i, 0);
        }
        regs.write(RDTR, 0);
        regs.write(RADV, 0);
        // Receive checksum offload is set while the receiver is still off, as the manual asks.
        regs.write(RXCSUM, config.offloads().rxChecksum() ? RXCSUM_IPOFLD | RXCSUM_TUOFLD | IP_START : 0);
        int rate = config.interruptsPerSecond();
        regs.write(ITR, rate == 0 ? 0 : (int) Math.max(1, 1_000_000_000L / ((long) rate * ITR_UNIT_NS)));
        // Jumbo frames: long packets allowed (LPE) into 16 KB buffers (BSIZE 1024 times 16 with BSEX),
        // one buffer per frame as at the standard MTU.
        int size = config.mtu() > 1500 ? RCTL_LPE | RCTL_BSEX | RCTL_BSIZE_1024 : RCTL_BSIZE_2048;
        regs.write(RCTL, RCTL_EN | RCTL_BAM | size | RCTL_SECRC | RCTL_RDMTS_HALF);
    }

    // ==== Transmit ====================================================================

    /**
     * Puts {@code frame} on the transmit ring without telling the card yet ({@link #flush} does):
     * the xv6 way, done right. The descriptor at the tail must have DD set (the card is done with
     * it), and so must the one after it, because filling the last free slot would make TDT equal
     * TDH, which the card reads as an empty ring. If the tail's slot still holds a sent buffer,
     * the tail has come round to the oldest unreclaimed slot: the ring is cleaned from there, oldest
     * first, so that {@code clean} moves with it (reclaiming that one slot in place would leave
     * {@code clean} behind, and the buffers after it unreclaimed until the next lap).
     *
     * @return false if the ring is full: the caller keeps the frame (back-pressure, not loss)
     */
    @Override
    public int mtu() {
        return config.mtu();
    }

    @Override
    public Offloads offloads() {
        return config.offloads();
    }

    /**
     * A frame that leaves its checksum to the card goes in an extended data descriptor, after a
     * context descriptor if the offload context must change; a segmentation request (TSO) likewise,
     * with the context's MSS, header and payload lengths. The frames the card cuts it into are
     * what the medium sees.
     */
    @Override
    public boolean queue(PacketBuffer frame) {
        if (!up) {
            throw new IllegalStateException(name + " is down");
        }
        int length = frame.length();
        boolean checksum = frame.checksumRequested();
        boolean segmented = frame.segmentSize() > 0;
        Offloads offered = config.offloads();
        if (checksum && !offered.txChecksum() || segmented && (!checksum || !offered.tso())) {
            throw new IllegalArgumentException(name + ": frame asks for an offload the device does not offer ("
                    + offered + ")");
        }
        int max = segmented ? MAX_SEGMENTATION_FRAME : config.maxFrame();
        if (length < 14 || length > max) {
            throw new IllegalArgumentException(name + ": frame of " + length + " bytes (14.." + max + ")");
        }
        int tucss = 0;
        int tucso = 0;
        int tucmd = 0;
        int hdrlen = 0;
        int mss = 0;
        int paylen = 0;
        boolean newContext = false;
        if (checksum) {
            tucss = frame.checksumStart();
            tucso = tucss + frame.checksumOffset();
            tucmd = TXC_CMD_IP | (frame.checksumOffset() == TCP_CHECKSUM_FIELD ? TXC_CMD_TCP : 0);
            if (segmented) {
                tucmd |= TXC_CMD_TSE;
                hdrlen = tucss + frame.segmentL4HeaderLength();
                mss = frame.segmentSize();
                paylen = length - hdrlen;
            }
            newContext = !contextLoaded || tucss != contextTucss || tucso != contextTucso || tucmd != contextTucmd
                    || hdrlen != contextHdrlen || mss != contextMss || paylen != contextPaylen;
        }
        int slots = newContext ? 2 : 1;
        // Every slot to fill must be done (DD), and so must the one after them: filling the last
        // free slot would make TDT equal TDH, which the card reads as an empty ring.
        for (int j = 0, i = tx.tail; j <= slots; j++, i = tx.next(i)) {
            if (!tx.done(i)) {
                counters.txRingFull++;
                transmitBlocked = true;
                return false;
            }
        }
        if (tx.held + slots > tx.size) {
            cleanTransmit(); // the slots to fill are the oldest in use, and done: at least they come free
        }
        int t = tx.tail;
        if (newContext) {
            tx.fillContext(t, IP_START, IP_START + 10, tucss - 1, tucss, tucso, 0, tucmd, paylen, hdrlen, mss);
            contextLoaded = true;
            contextTucss = tucss;
            contextTucso = tucso;
            contextTucmd = tucmd;
            contextHdrlen = hdrlen;
            contextMss = mss;
            contextPaylen = paylen;
            counters.txContextDescriptors++;
            t = tx.next(t);
        }
        if (checksum) {
            // With segmentation the card rewrites each frame's IPv4 header, so it sums that too (IXSM).
            tx.fillExtended(t, frame, TXD_POPTS_TXSM | (segmented ? TXD_POPTS_IXSM : 0), segmented);
            counters.txChecksumOffloaded++;
            if (segmented) {
                counters.txSegmentationRequests++;
            }
        } else {
            tx.fill(t, frame);
        }
        tx.tail = tx.next(t);
        tx.held += slots;
        counters.txDescriptors += slots;
        for (int i = 0; i < slots; i++) {
            cpu.charge(Work.TX_DESCRIPTOR);
        }
        return true;
    }

    /** Tells the card about everything queued since the last flush: one TDT write per batch. */
    @Override
    public void flush() {
        if (tx.tail != tx.flushedTail) {
            tx.flushedTail = tx.tail;
            counters.tdtWrites++;
            regs.write(TDT, tx.tail);
        }
    }

    /** {@link #queue} and {@link #flush} for a single frame. */
    public boolean transmit(PacketBuffer frame) {
        boolean queued = queue(frame);
        if (queued) {
            flush();
        }
        return queued;
    }

    /** Reclaims finished transmit buffers now (a sender whose pool ran dry calls this before giving up). */
    public int reclaimTransmitted() {
        return cleanTransmit();
    }

    /** A job to schedule when the ring has room again after {@link #queue} refused a frame. */
    @Override
    public void setTransmitWaiter(Job waiter) {
        this.transmitWaiter = waiter;
    }

    /**
     * Reclaims every buffer the card has finished sending, oldest first. Returns how many. Counts
     * held buffers rather than comparing {@code clean} with {@code tail}, which are equal both
     * when the ring holds nothing and when it holds a buffer in every slot.
     */
    private int cleanTransmit() {
        int reclaimed = 0;
        while (tx.held > 0) {
            int i = tx.clean;
            if (!tx.done(i)) {
                break;
            }
            reclaim(i);
            reclaimed++;
            tx.held--;
            tx.clean = tx.next(i);
        }
        if (reclaimed > 0 && transmitBlocked) {
            transmitBlocked = false;
            if (transmitWaiter != null) {
                transmitWaiter.schedule();
            }
        }
        return reclaimed;
    }

    private void reclaim(int i) {
        int status = tx.status(i);
        PacketBuffer b = tx.take(i);
        if (b == null) {
            return; // a context descriptor: no buffer, no packet
        }
        if ((status & (TXD_STAT_EC | TXD_STAT_LC)) != 0) {
            counters.txErrors++;
        } else {
            counters.txPackets++;
            counters.txBytes += b.length();
        }
        b.release();
    }

    // ==== Receive =====================================================================

    /**
     * Drains up to {@code budget} descriptors from (RDT + 1) mod N while DD is set, across any
     * number of wraps. Each good frame goes up in its buffer and the slot gets a fresh one from
     * the pool; with the pool empty the frame is dropped and the old buffer stays, so the ring
     * is never short. One RDT write hands all processed slots back.
     */
    private int receive(int budget) {
        int done = 0;
        int last = -1;
        while (done < budget) {
            int i = rx.next;
            int status = rx.status(i);
            if ((status & RXD_STAT_DD) == 0) {
                break;
            }
            cpu.charge(Work.RX_FRAME);
            if ((status & RXD_STAT_EOP) == 0 || rx.discarding) {
                // A piece of a frame longer than our buffers: drop the whole frame, count it once.
                if ((status & RXD_STAT_EOP) != 0) {
                    counters.rxLongFrames++;
                }
                rx.discarding = (status & RXD_STAT_EOP) == 0;
                rx.recycle(i);
            } else if ((rx.errors(i) & ~(RXD_ERR_IPE | RXD_ERR_TCPE)) != 0) {
                counters.rxErrors++;
                rx.recycle(i);
            } else {
                int errors = rx.errors(i); // read before the slot is given a fresh buffer, which clears it
                PacketBuffer fresh = rxPool.take();
                if (fresh == null) {
                    counters.rxPoolEmpty++;
                    rx.recycle(i);
                } else {
                    int length = rx.length(i);
                    PacketBuffer frame = rx.detach(i);
                    rx.attach(i, fresh);
                    frame.resetTo(0);
                    frame.setLength(length);
                    if (config.offloads().rxChecksum()) {
                        frame.setRxChecksum(checksumVerdicts(status, errors));
                    }
                    counters.rxPackets++;
                    counters.rxBytes += length;
                    sink.receive(frame);
                }
            }
            last = i;
            rx.next = rx.nextIndex(i);
            done++;
        }
        if (last >= 0) {
            counters.rdtWrites++;
            regs.write(RDT, last);
            sink.endOfBatch();
        }
        return done;
    }

    /**
     * What the card found of a frame's checksums, for the stack: which it checked (IPCS, TCPCS) and
     * which were wrong (IPE, TCPE). A frame with a bad checksum goes up all the same, marked: the
     * stack drops it and counts it where it would have counted its own finding.
     */
    private int checksumVerdicts(int status, int errors) {
        int verdicts = 0;
        if ((status & RXD_STAT_IPCS) != 0) {
            verdicts |= (errors & RXD_ERR_IPE) != 0 ? PacketBuffer.RX_IP_CHECKSUM_BAD : PacketBuffer.RX_IP_CHECKSUM_GOOD;
        }
        if ((status & RXD_STAT_TCPCS) != 0) {
            verdicts |= (errors & RXD_ERR_TCPE) != 0 ? PacketBuffer.RX_L4_CHECKSUM_BAD : PacketBuffer.RX_L4_CHECKSUM_GOOD;
        }
        if ((verdicts & (PacketBuffer.RX_IP_CHECKSUM_BAD | PacketBuffer.RX_L4_CHECKSUM_BAD)) != 0) {
            counters.rxChecksumErrors++;
        } else if (verdicts != 0) {
            counters.rxChecksumGood++;
        }
        return verdicts;
    }

    // ==== Being woken =================================================================

    /**
     * The interrupt handler, run on the CPU while the line is high. Reading ICR clears the causes
     * and lowers the line. Per-packet mode does all the work here; NAPI masks the card and
     * schedules the poll; busy-poll never unmasks, so only a stray cause lands here.
     */
    private void handleInterrupt() {
        int icr = regs.read(ICR);
        if (icr == 0) {
            counters.spuriousInterrupts++;
            return;
        }
        counters.interrupts++;
        if ((icr & ICR_LSC) != 0) {
            counters.linkChanges++;
            linkUp = (regs.read(STATUS) & STATUS_LU) != 0;
        }
        switch (config.mode()) {
            case INTERRUPT -> {
                cleanTransmit();
                receive(Integer.MAX_VALUE);
            }
            case NAPI -> {
                regs.write(IMC, ALL_CAUSES);
                pollJob.schedule();
            }
            case BUSY_POLL -> { }
        }
    }

    /**
     * NAPI poll: clean transmit, receive up to the budget. Budget used up: stay scheduled, with
     * interrupts still masked. Otherwise unmask, then look once more: a frame that landed
     * between the last look and the unmask would otherwise wait for the next interrupt.
     */
    private Job.Result napiPoll() {
        counters.polls++;
        cpu.charge(Work.POLL);
        cleanTransmit();
        int done = receive(config.budget());
        if (done >= config.budget()) {
            counters.budgetExhausted++;
            return Job.Result.MORE;
        }
        regs.write(IMS, IMS_ENABLE);
        if (rx.hasWork()) {
            counters.napiRechecks++;
            regs.write(IMC, ALL_CAUSES);
            return Job.Result.MORE;
        }
        return Job.Result.DONE;
    }

    /** Busy-poll: the CPU never sleeps; each pass cleans transmit and receives up to the budget. */
    private Job.Result busyPoll() {
        counters.polls++;
        int cleaned = cleanTransmit();
        int done = receive(config.budget());
        if (done >= config.budget()) {
            counters.budgetExhausted++;
        }
        if (done > 0 || cleaned > 0) {
            cpu.charge(Work.POLL);
            return Job.Result.MORE;
        }
        return Job.Result.SPIN;
    }

    /** Runs one poll from outside the wake machinery (tests, benchmarks): clean and receive up to {@code budget}. */
    public int pollOnce(int budget) {
        cleanTransmit();
        return receive(budget);
    }

    // ==== Statistics ==================================================================

    private void statsTimerArm() {
        statsTimer.armAfter(config.statsIntervalNanos());
    }

    /** Folds the card's read-to-clear statistics into the counters. Run on the CPU, or after it stopped. */
    public void updateStats() {
        counters.rxMissed += Integer.toUnsignedLong(regs.read(MPC));
        counters.rxNoBuffer += Integer.toUnsignedLong(regs.read(RNBC));
        counters.rxOversize += Integer.toUnsignedLong(regs.read(ROC));
        counters.rxUndersize += Integer.toUnsignedLong(regs.read(RUC));
        counters.hwRxPackets += Integer.toUnsignedLong(regs.read(GPRC));
        counters.hwTxPackets += Integer.toUnsignedLong(regs.read(GPTC));
        counters.hwRxTotal += Integer.toUnsignedLong(regs.read(TPR));
        long low = Integer.toUnsignedLong(regs.read(GORCL));
        counters.hwRxBytes += low | Integer.toUnsignedLong(regs.read(GORCH)) << 32;
        low = Integer.toUnsignedLong(regs.read(GOTCL));
        counters.hwTxBytes += low | Integer.toUnsignedLong(regs.read(GOTCH)) << 32;
        counters.hwTxSegmentationGood += Integer.toUnsignedLong(regs.read(TSCTC));
        counters.hwTxSegmentationFailed += Integer.toUnsignedLong(regs.read(TSCTFC));
    }

    // ==== Tear-down ===================================================================

    /**
     * Stops the card and gives every buffer back: receive buffers to their pool, transmit buffers
     * to theirs. Frames queued but never sent are counted ({@code tx_aborted_at_teardown}), and so
     * are frames received into the ring that no poll took up ({@code rx_dropped_at_teardown}).
     * Call on the CPU, or with it stopped.
     */
    @Override
    public void tearDown() {
        if (!up) {
            return;
        }
        up = false;
        statsTimer.cancel();
        statsJob.unschedule();
        pollJob.unschedule();
        regs.write(IMC, ALL_CAUSES);
        regs.write(RCTL, 0);
        regs.write(TCTL, TCTL_PSP);
        irq.free();
        cleanTransmit();
        updateStats();
        resetCard();
        for (int i = 0; i < tx.size; i++) {
            PacketBuffer b = tx.take(i);
            if (b != null) {
                counters.txAbortedAtTearDown++;
                b.release();
            }
        }
        tx.tail = tx.clean = tx.held = tx.flushedTail = 0;
        contextLoaded = false;
        for (int i = 0; i < rx.size; i++) {
            // A frame the card delivered (DD and EOP) that no poll took up: dropped here, counted.
            int status = rx.status(i);
            if ((status & RXD_STAT_DD) != 0 && (status & RXD_STAT_EOP) != 0) {
                counters.rxDroppedAtTearDown++;
            }
            PacketBuffer b = rx.detach(i);
            if (b != null) {
                b.release();
            }
        }
        sink = null;
    }

    // ==== What the rest of the host may ask ===========================================

    @Override
    public String name() {
        return name;
    }

    @Override
    public MacAddress mac() {
        return mac;
    }

    public boolean isUp() {
        return up;
    }

    public boolean linkUp() {
        return linkUp;
    }

    @Override
    public WakeMode mode() {
        return config.mode();
    }

    public DriverConfig config() {
        return config;
    }

    public DriverCounters counters() {
        return counters;
    }

    @Override
    public Map<String, Long> counterMap() {
        return counters.toMap();
    }

    /** True if the card has filled a receive descriptor the driver has not looked at yet. */
    public boolean receivePending() {
        return up && rx.hasWork();
    }

    /** Descriptors queued or in flight on the transmit ring, or done and not yet reclaimed (context ones too). */
    public int transmitInFlight() {
        return tx.held;
    }

    @Override
    public String toString() {
        return "E1000Driver[" + name + ", " + config.mode().cliName() + (up ? ", up" : ", down") + "]";
    }
}
