package org.netstack4j.lab;

import org.netstack4j.buffer.BufferPool;
import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.driver.DriverConfig;
import org.netstack4j.driver.DriverCounters;
import org.netstack4j.driver.E1000Driver;
import org.netstack4j.driver.FrameSink;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.CpuThread;
import org.netstack4j.exec.ThreadFailures;
import org.netstack4j.exec.Job;
import org.netstack4j.exec.RealTimeline;
import org.netstack4j.exec.Simulation;
import org.netstack4j.exec.Timeline;
import org.netstack4j.exec.Timer;
import org.netstack4j.hw.link.Link;
import org.netstack4j.wire.MacAddress;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Two machines, one E1000 each, joined by a cable; each sends half of N test frames to the other
 * and every frame is accounted for: sent = received + counted drops. The frames carry their
 * sequence number at both ends of the payload, so a frame that arrives damaged is counted as
 * corrupt rather than received. Runs on real threads (one per machine's CPU) or in simulated time.
 */
public final class FrameExchange implements AutoCloseable {
    /** IEEE 802 "local experimental" EtherType: our test frames, nobody else's. */
    public static final int ETHERTYPE = 0x88B5;
    public static final MacAddress MAC_A = MacAddress.parse("52:54:00:12:34:56");
    public static final MacAddress MAC_B = MacAddress.parse("52:54:00:12:34:57");
    public static final int MIN_SIZE = 14 + 16;
    private static final int BATCH = 32;

    /**
     * @param frames     total frames, split between the two directions
     * @param frameSize  bytes per frame without FCS (30..1514; the card pads to 60)
     * @param mode       how both drivers are woken
     * @param simulated  run in simulated time on the calling thread, instead of one thread per CPU
     * @param medium     wraps each direction of the cable (capture, faults), given the exchange's timeline for
     *                   media that keep time (delays); null or identity for a plain cable
     * @param progress   receives a line every {@code progressIntervalNanos} of wall-clock time on long runs
     *                   (may be null)
     * @param timeoutNanos how long the run may take, in wall-clock time and, in simulated time, in simulated
     *                   time too: whichever runs out first ends it
     * @param paced      each sender keeps at most half the far receive ring in flight (frames sent and not yet
     *                   taken by the far side), as a flow-controlled sender would; off, it sends as fast as its
     *                   own ring allows and the far card drops what its ring cannot hold (rx_missed)
     */
    public record Options(long frames, int frameSize, WakeMode mode, boolean simulated, Medium medium,
                          Consumer<String> progress, long timeoutNanos, long progressIntervalNanos, boolean paced) {
        public static final long DEFAULT_PROGRESS_INTERVAL_NANOS = 1_000_000_000L;

        public Options {
            if (frames < 0) {
                throw new IllegalArgumentException("frame count must not be negative: " + frames);
            }
            if (frameSize < MIN_SIZE || frameSize > E1000Driver.MAX_FRAME) {
                throw new IllegalArgumentException("frame size must be " + MIN_SIZE + ".." + E1000Driver.MAX_FRAME + ": " + frameSize);
            }
            if (medium == null) {
                medium = (farInput, timeline) -> farInput;
            }
            if (timeoutNanos <= 0 || progressIntervalNanos <= 0) {
                throw new IllegalArgumentException("timeout and progress interval must be positive");
            }
        }

        public Options(long frames, int frameSize, WakeMode mode, boolean simulated, Medium medium,
                       Consumer<String> progress, long timeoutNanos) {
            this(frames, frameSize, mode, simulated, medium, progress, timeoutNanos, DEFAULT_PROGRESS_INTERVAL_NANOS, true);
        }

        public static Options of(long frames, int frameSize, WakeMode mode, boolean simulated) {
            return new Options(frames, frameSize, mode, simulated, null, null, 600_000_000_000L);
        }

        public Options withTimeout(long nanos) {
            return new Options(frames, frameSize, mode, simulated, medium, progress, nanos, progressIntervalNanos, paced);
        }

        public Options withMedium(UnaryOperator<Link> wrapper) {
            return withMedium((farInput, timeline) -> wrapper.apply(farInput));
        }

        /** A medium built on the exchange's own timeline (fault injection with delays, in simulated time too). */
        public Options withMedium(Medium medium) {
            return new Options(frames, frameSize, mode, simulated, medium, progress, timeoutNanos, progressIntervalNanos, paced);
        }

        public Options withProgress(Consumer<String> sink) {
            return withProgress(sink, progressIntervalNanos);
        }

        public Options withProgress(Consumer<String> sink, long intervalNanos) {
            return new Options(frames, frameSize, mode, simulated, medium, sink, timeoutNanos, intervalNanos, paced);
        }

        /** Paced (the default) or not: see {@link #paced}. */
        public Options withPacing(boolean on) {
            return new Options(frames, frameSize, mode, simulated, medium, progress, timeoutNanos, progressIntervalNanos, on);
        }
    }

    /**
     * What happened. {@code dropped} is the sum of {@code dropsByCause}; {@code unaccounted} is
     * {@code sent − received − dropped} and is zero when nothing was lost silently (a medium that
     * duplicates frames adds them to {@code duplicated}, which is subtracted).
     */
    public record Result(long sent, long received, long dropped, long duplicated, long unaccounted,
                         Map<String, Long> dropsByCause, int poolSize, int poolFree, long elapsedNanos,
                         boolean completed, Map<String, Map<String, Long>> driverCounters) {
        public boolean accountedFor() {
            return completed && unaccounted == 0 && poolFree == poolSize;
        }

        public double framesPerSecond() {
            return elapsedNanos == 0 ? 0 : received * 1e9 / elapsedNanos;
        }
    }

    /** Builds one direction of the cable around the far card's input. */
    @FunctionalInterface
    public interface Medium {
        Link wrap(Link farInput, Timeline timeline);
    }

    /** Counts of the medium's own drops and duplicates, if it has any (fault injection). */
    public interface MediumAccounting {
        long dropped();

        long duplicated();

        /** Frames the medium still holds (delayed, held back to reorder); the exchange waits for them. */
        default long held() {
            return 0;
        }
    }

    private final Options options;
    private final Timeline timeline;
    private final Machine a;
    private final Machine b;
    private final Nic nicA;
    private final Nic nicB;
    private final Receiver rxA;
    private final Receiver rxB;
    private final Sender sendA;
    private final Sender sendB;
    private final BooleanSupplier finished;
    private MediumAccounting mediumAccounting;
    private boolean closed;

    private FrameExchange(Options options) {
        this.options = options;
        this.timeline = options.simulated() ? new Simulation() : new RealTimeline();
        DriverConfig config = DriverConfig.of(options.mode());
        a = new Machine("a", timeline);
        b = new Machine("b", timeline);
        nicA = a.addNic("eth0", MAC_A, config);
        nicB = b.addNic("eth0", MAC_B, config);
        rxA = new Receiver(options.frameSize());
        rxB = new Receiver(options.frameSize());
        nicA.driver().bringUp(rxA);
        nicB.driver().bringUp(rxB);
        nicA.card().attach(options.medium().wrap(nicB.card().input(), timeline));
        nicB.card().attach(options.medium().wrap(nicA.card().input(), timeline));
        sendA = new Sender(a, nicA, MAC_B, options.frameSize());
        sendB = new Sender(b, nicB, MAC_A, options.frameSize());
        if (options.paced()) {
            sendA.pace(rxB, config.rxRingSize() / 2, timeline);
            sendB.pace(rxA, config.rxRingSize() / 2, timeline);
        }
        // The medium before the cards: a frame it lets go reaches a card before it stops counting as held.
        finished = () -> sendA.done() && sendB.done() && mediumQuiet() && quiet(nicA) && quiet(nicB);
        if (timeline instanceof Simulation sim) {
            sim.add(a.cpu());
            sim.add(b.cpu());
        }
    }

    /** Builds both machines, brings their interfaces up and plugs in the cable; nothing is sent yet. */
    public static FrameExchange open(Options options) {
        return new FrameExchange(options);
    }

    public static Result run(Options options) {
        return run(options, null);
    }

    /**
     * Runs the exchange; {@code mediumAccounting} reports what the wrapped medium dropped or duplicated,
     * and what it still holds: the run is finished only once the medium holds nothing.
     */
    public static Result run(Options options, MediumAccounting mediumAccounting) {
        try (FrameExchange exchange = open(options)) {
            exchange.mediumAccounting = mediumAccounting;
            long start = System.nanoTime();
            boolean completed = exchange.options.simulated()
                    ? exchange.exchangeSimulated(options.frames() - options.frames() / 2, options.frames() / 2)
                    : exchange.exchangeOnThreads(start);
            return exchange.finish(completed, System.nanoTime() - start, mediumAccounting);
        }
    }

    /**
     * Simulated time only: a sends {@code fromA} more frames, b sends {@code fromB}, and the
     * simulation runs until all are in or dropped, or the timeout passes: in simulated time, or in
     * wall-clock time (a medium or a machine slower than real time could otherwise run on for
     * ever). Reports progress now and then. Allocates nothing but the progress lines (benchmarks
     * call it in a loop, without progress).
     */
    public boolean exchangeSimulated(long fromA, long fromB) {
        Simulation sim = (Simulation) timeline;
        sendA.add(fromA);
        sendB.add(fromB);
        long simDeadline = sim.nanos() + options.timeoutNanos();
        long start = System.nanoTime();
        long wallDeadline = start + options.timeoutNanos();
        long nextReport = start + options.progressIntervalNanos();
        while (!finished.getAsBoolean()) {
            // A step is a pass over the CPUs (each may run a batch of jobs) or the next timers: it
            // costs far more than a look at the clock, and a few steps can take a long time.
            if (!sim.step(simDeadline)) {
                return finished.getAsBoolean();
            }
            long now = System.nanoTime();
            if (now - wallDeadline >= 0) {
                return finished.getAsBoolean();
            }
            if (options.progress() != null && now - nextReport >= 0) {
                nextReport = now + options.progressIntervalNanos();
                long done = received();
                long total = sendA.total + sendB.total;
                // Frames cross in no simulated time (the cable has no length, the CPUs no cost model
                // here): say so rather than print a clock that does not move.
                options.progress().accept(String.format(Locale.ROOT, "%s %,d of %,d frames sent, %,d received%s",
                        percentAndEta(done, total, now - start), sendA.queued + sendB.queued, total, done,
                        sim.nanos() == 0 ? " (simulated time stands still: run-to-completion)"
                                : String.format(Locale.ROOT, ", %.6f s simulated", sim.nanos() / 1e9)));
            }
        }
        return true;
    }

    /** "42% (ETA 12 s)": how far a run is by frames received, and when it ends at the rate so far. */
    public static String percentAndEta(long done, long total, long elapsedNanos) {
        if (total <= 0) {
            return "100%";
        }
        int percent = (int) Math.min(100, done * 100 / total);
        if (done <= 0) {
            return percent + "%";
        }
        long etaSeconds = Math.round(elapsedNanos / 1e9 * (total - done) / done);
        return String.format(Locale.ROOT, "%d%% (ETA %d:%02d)", percent, etaSeconds / 60, etaSeconds % 60);
    }

    /** Frames received so far by both sides (read it on the simulation's thread, or after a run). */
    public long received() {
        return rxA.received + rxB.received;
    }

    private boolean exchangeOnThreads(long start) {
        ThreadFailures died = new ThreadFailures();
        try (CpuThread ta = new CpuThread(a.cpu(), died); CpuThread tb = new CpuThread(b.cpu(), died)) {
            sendA.add(options.frames() - options.frames() / 2);
            sendB.add(options.frames() / 2);
            long deadline = start + options.timeoutNanos();
            long nextReport = start + options.progressIntervalNanos();
            long quietAt = -1;
            while (System.nanoTime() < deadline) {
                died.throwIfAny(); // a CPU that died ends the run with its cause, not a timeout
                // Finished twice in a row, 1 ms apart, with nothing received between: a receiving CPU
                // may have taken the last frames off its ring and still be handing them up (the ring
                // looks empty then, but they are not counted yet).
                if (finished.getAsBoolean()) {
                    long got = received();
                    if (got == quietAt) {
                        return true;
                    }
                    quietAt = got;
                } else {
                    quietAt = -1;
                }
                long now = System.nanoTime();
                if (options.progress() != null && now >= nextReport) {
                    nextReport = now + options.progressIntervalNanos();
                    long done = rxA.received + rxB.received;
                    options.progress().accept(String.format(Locale.ROOT, "%s %,d of %,d frames sent, %,d received",
                            percentAndEta(done, options.frames(), now - start), sendA.queued + sendB.queued, options.frames(), done));
                }
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return false;
        }
    }

    /** Stops traffic, folds in the cards' statistics, tears both interfaces down and accounts for every frame. */
    private Result finish(boolean completed, long elapsed, MediumAccounting mediumAccounting) {
        Map<String, Map<String, Long>> counters = new LinkedHashMap<>();
        for (Nic nic : new Nic[] {nicA, nicB}) {
            nic.driver().reclaimTransmitted();
            nic.driver().updateStats();
            counters.put(nic.driver().name(), nic.driver().counters().toMap());
        }
        Map<String, Long> drops = dropsByCause(mediumAccounting);
        long dropped = drops.values().stream().mapToLong(Long::longValue).sum();
        long duplicated = mediumAccounting == null ? 0 : mediumAccounting.duplicated();
        long sent = nicA.driver().counters().txPackets() + nicB.driver().counters().txPackets();
        long received = received();
        tearDown();
        BufferPool[] pools = {a.txPool(), b.txPool(), nicA.rxPool(), nicB.rxPool()};
        int size = 0;
        int free = 0;
        for (BufferPool p : pools) {
            size += p.size();
            free += p.free();
        }
        return new Result(sent, received, dropped, duplicated, sent + duplicated - received - dropped, drops,
                size, free, elapsed, completed, counters);
    }

    private void tearDown() {
        nicA.card().detach();
        nicB.card().detach();
        nicA.driver().tearDown();
        nicB.driver().tearDown();
    }

    /** Tears everything down and frees the machines' memory. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        tearDown();
        a.close();
        b.close();
        if (timeline instanceof RealTimeline real) {
            real.close();
        }
    }

    private boolean mediumQuiet() {
        MediumAccounting medium = mediumAccounting;
        return medium == null || medium.held() == 0;
    }

    private static boolean quiet(Nic nic) {
        // FIFO first: once it is empty nothing new reaches the ring, so the ring check that follows sees all.
        return nic.card().fifoFrames() == 0 && !nic.driver().receivePending();
    }

    private Map<String, Long> dropsByCause(MediumAccounting medium) {
        Map<String, Long> m = new LinkedHashMap<>();
        DriverCounters ca = nicA.driver().counters();
        DriverCounters cb = nicB.driver().counters();
        m.put("rx_missed", ca.rxMissed() + cb.rxMissed());
        m.put("rx_pool_empty", ca.rxPoolEmpty() + cb.rxPoolEmpty());
        m.put("rx_errors", ca.rxErrors() + cb.rxErrors());
        m.put("rx_length_errors", ca.rxLongFrames() + cb.rxLongFrames());
        m.put("rx_long_length_errors", ca.rxOversize() + cb.rxOversize());
        m.put("rx_short_length_errors", ca.rxUndersize() + cb.rxUndersize());
        m.put("filtered", nicA.card().diagnostics().filtered() + nicB.card().diagnostics().filtered());
        m.put("tx_no_link", nicA.card().diagnostics().txNoLink() + nicB.card().diagnostics().txNoLink());
        m.put("corrupt", rxA.corrupt + rxB.corrupt);
        m.put("medium", medium == null ? 0 : medium.dropped());
        return m;
    }

    /** A generator on one machine's CPU: batches of test frames, one TDT write per batch. */
    private static final class Sender implements Job.Body {
        final Job job;
        private final Machine machine;
        private final E1000Driver driver;
        private final long destination;
        private final long source;
        private final int size;
        volatile long total;
        volatile long queued;
        /** Pacing: the far receiver, and how many frames may be in flight to it (0: not paced). */
        private Receiver far;
        private int window;
        /** Set while waiting for the far side to take frames; it, or a timer, wakes the job. */
        volatile boolean waitingForCredit;
        private Timer creditTimer;

        Sender(Machine machine, Nic nic, MacAddress destination, int size) {
            this.machine = machine;
            this.driver = nic.driver();
            this.destination = destination.bits();
            this.source = nic.card().eepromMac().bits();
            this.size = size;
            this.job = machine.cpu().newJob("sender", this);
            driver.setTransmitWaiter(job);
        }

        /**
         * Paces this sender: at most {@code window} frames sent and not yet taken by {@code far}.
         * Frames the medium loses never arrive, so a timer also wakes the sender (after 50 us of its
         * timeline): loss slows a paced run, it cannot stop it.
         */
        void pace(Receiver far, int window, Timeline timeline) {
            this.far = far;
            this.window = window;
            this.creditTimer = timeline.newTimer("sender-credit", job::schedule);
            far.paced = this;
        }

        /** The far receiver took a frame: a waiting sender may go on (the far machine's thread). */
        void credit() {
            if (waitingForCredit) {
                waitingForCredit = false;
                job.schedule();
            }
        }

        private boolean mayQueue(long q) {
            return window == 0 || q - far.taken() < window;
        }

        /** Asks for {@code frames} more frames (from any thread). */
        void add(long frames) {
            if (frames > 0) {
                total += frames;
                job.schedule();
            }
        }

        boolean done() {
            return queued >= total;
        }

        @Override
        public Job.Result run() {
            long q = queued;
            boolean blocked = false;
            for (int n = 0; n < BATCH && q < total; n++) {
                if (!mayQueue(q)) {
                    waitingForCredit = true;
                    if (mayQueue(q)) { // taken meanwhile: the receiver may have missed the flag
                        waitingForCredit = false;
                    } else {
                        creditTimer.armAfter(50_000);
                        blocked = true;
                        break;
                    }
                }
                PacketBuffer frame = machine.txPool().take();
                if (frame == null) {
                    driver.reclaimTransmitted();
                    frame = machine.txPool().take();
                    if (frame == null) {
                        break;
                    }
                }
                build(frame, q);
                if (!driver.queue(frame)) {
                    frame.release(); // refused: back-pressure; the driver wakes us when there is room
                    blocked = true;
                    break;
                }
                q++;
            }
            driver.flush();
            queued = q;
            if (q >= total) {
                return Job.Result.DONE;
            }
            return blocked ? Job.Result.DONE : Job.Result.MORE;
        }

        private void build(PacketBuffer frame, long sequence) {
            frame.append(size);
            frame.setU16(0, (int) (destination >>> 32));
            frame.setInt(2, (int) destination);
            frame.setU16(6, (int) (source >>> 32));
            frame.setInt(8, (int) source);
            frame.setU16(12, ETHERTYPE);
            frame.setInt(14, (int) (sequence >>> 32));
            frame.setInt(18, (int) sequence);
            frame.setInt(size - 8, (int) (sequence >>> 32));
            frame.setInt(size - 4, (int) sequence);
        }
    }

    /** Checks and counts each frame, then gives its buffer back. */
    private static final class Receiver implements FrameSink {
        private final int size;
        long received;
        long corrupt;
        /** Frames taken (received or corrupt), for the paced sender on the other machine. */
        private volatile long taken;
        Sender paced;

        long taken() {
            return taken;
        }

        Receiver(int size) {
            this.size = size;
        }

        @Override
        public void receive(PacketBuffer frame) {
            boolean ok = frame.length() == Math.max(size, 60)
                    && frame.getU16(12) == ETHERTYPE
                    && frame.getInt(14) == frame.getInt(size - 8)
                    && frame.getInt(18) == frame.getInt(size - 4);
            if (ok) {
                received++;
            } else {
                corrupt++;
            }
            frame.release();
            taken = received + corrupt;
            Sender s = paced;
            if (s != null) {
                s.credit();
            }
        }
    }
}
