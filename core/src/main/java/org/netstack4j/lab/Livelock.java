package org.netstack4j.lab;

import org.netstack4j.buffer.BufferPool;
import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.driver.DriverConfig;
import org.netstack4j.driver.DriverCounters;
import org.netstack4j.driver.E1000Driver;
import org.netstack4j.driver.FrameSink;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.CostModel;
import org.netstack4j.exec.Cpu;
import org.netstack4j.exec.Job;
import org.netstack4j.exec.Simulation;
import org.netstack4j.exec.Timer;
import org.netstack4j.stack.Counter;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.stack.StackCounters;
import org.netstack4j.wire.EthernetFrame;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.Ipv4Packet;
import org.netstack4j.wire.MacAddress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Receive livelock (Mogul and Ramakrishnan, 1997), reproduced in simulated time. A generator
 * sends 64-byte UDP/IPv4 frames at a set rate into a router — a netstack4j host with two E1000
 * cards and forwarding on — which routes them to a sink that counts them:
 *
 * <pre>
 *   generator 10.0.1.2 ──cable── eth0 10.0.1.1 [router] eth1 10.0.2.1 ──cable── sink 10.0.2.2
 * </pre>
 *
 * The router's CPU is one thread on which interrupt handlers run before any other work, and
 * every piece of work costs simulated time as its {@link CostModel} says (interrupt entry and
 * exit, receive per frame, forwarding per packet, each poll call). The generator and the sink
 * cost nothing: only the router is measured. With interrupts per packet and the receive work in
 * the handler, the forwarding job starves once interrupts take the whole CPU, and output falls
 * as input rises; with NAPI or busy-polling the card drops the excess (MPC) before the CPU has
 * spent anything on it, and output stays at its peak.
 *
 * <p>Everything is measured, nothing assumed: each point is a fresh network run for a warm-up,
 * then a measurement window, in which the sink's count gives the output rate, the card's and the
 * stack's counters give the drops by cause, and the CPU's the interrupts and where its time went.
 */
public final class Livelock {

    /** 64-byte frames on the wire: 60 bytes of frame and 4 of FCS. */
    public static final int FRAME_BYTES = 60;
    /** What one 1 GbE link carries in 64-byte frames (with preamble and inter-frame gap: 84 bytes a frame). */
    public static final long GIGABIT_LINE_RATE_PPS = 1_000_000_000L / (84 * 8);

    static final MacAddress GENERATOR_MAC = MacAddress.parse("52:54:00:00:01:02");
    static final MacAddress ROUTER_IN_MAC = MacAddress.parse("52:54:00:00:01:01");
    static final MacAddress ROUTER_OUT_MAC = MacAddress.parse("52:54:00:00:02:01");
    static final MacAddress SINK_MAC = MacAddress.parse("52:54:00:00:02:02");
    static final int GENERATOR_IP = Ipv4Address.parse("10.0.1.2").bits();
    static final int SINK_IP = Ipv4Address.parse("10.0.2.2").bits();
    static final int UDP_PORT = 9; // discard
    /** Receive buffers beyond the ring for the router's input card: enough that the backlog, not the pool, is the limit. */
    static final int ROUTER_SPARE_RX_BUFFERS = 1536;

    /** How the router's driver is woken. */
    public enum Mode {
        INTERRUPT("interrupt", "per-packet interrupt, receive in the handler", WakeMode.INTERRUPT, 64, 0),
        INTERRUPT_ITR("interrupt_itr", "interrupt, ITR 8000/s", WakeMode.INTERRUPT, 64, 8_000),
        NAPI_64("napi_64", "NAPI, budget 64", WakeMode.NAPI, 64, 0),
        NAPI_5("napi_5", "NAPI, quota 5", WakeMode.NAPI, 5, 0),
        BUSY_POLL("busy_poll", "busy-poll, budget 64", WakeMode.BUSY_POLL, 64, 0);

        private final String key;
        private final String label;
        private final WakeMode wakeMode;
        private final int budget;
        private final int interruptsPerSecond;

        Mode(String key, String label, WakeMode wakeMode, int budget, int interruptsPerSecond) {
            this.key = key;
            this.label = label;
            this.wakeMode = wakeMode;
            this.budget = budget;
            this.interruptsPerSecond = interruptsPerSecond;
        }

        /** snake_case name for CSV, JSON and the command line: {@code napi_64}. */
        public String key() {
            return key;
        }

        /** A few words for tables and the chart. */
        public String label() {
            return label;
        }

        /** The router's driver settings (both cards). */
        public DriverConfig driverConfig() {
            return DriverConfig.of(wakeMode).withBudget(budget).withInterruptsPerSecond(interruptsPerSecond);
        }

        public static Mode parse(String text) {
            String t = text.toLowerCase(Locale.ROOT).replace('-', '_');
            for (Mode m : values()) {
                if (m.key.equals(t)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown mode '" + text + "' (expected one of "
                    + String.join(", ", java.util.Arrays.stream(values()).map(Mode::key).toList()) + ")");
        }
    }

    /**
     * How each point is measured.
     *
     * @param costs        the router CPU's cost model
     * @param warmupNanos  simulated time before measuring (queues fill, the router settles)
     * @param windowNanos  simulated time measured
     */
    public record Options(CostModel costs, long warmupNanos, long windowNanos) {
        public Options {
            Objects.requireNonNull(costs, "costs");
            if (costs.rxFrameNanos() + costs.forwardNanos() <= 0) {
                throw new IllegalArgumentException("receiving and forwarding must cost some time, or nothing can overload the router");
            }
            if (warmupNanos < 0 || windowNanos < 1_000_000) {
                throw new IllegalArgumentException("the window must be at least 1 ms and the warm-up not negative");
            }
        }

        /** The full run: 20 ms warm-up, 50 ms measured, typical costs. */
        public static Options full() {
            return new Options(CostModel.TYPICAL, 20_000_000L, 50_000_000L);
        }

        /** A quick run: 5 ms warm-up, 20 ms measured. */
        public static Options quick() {
            return new Options(CostModel.TYPICAL, 5_000_000L, 20_000_000L);
        }

        public Options withCosts(CostModel model) {
            return new Options(model, warmupNanos, windowNanos);
        }

        /**
         * The most the router could forward if nothing but receiving and forwarding cost anything
         * (polling, no interrupts): the scale the sweep's input rates are chosen on.
         */
        public double pollingCeilingPps() {
            return 1e9 / (costs.rxFrameNanos() + costs.forwardNanos());
        }
    }

    /** Drop causes, in report order: the card's (ring and FIFO full), the driver's, the stack's, the generator's. */
    public static final List<String> DROP_CAUSES = List.of("ring_full", "pool_empty", "backlog_full", "tx_queue_full",
            "generator_refused");

    /**
     * One measurement: the router fed {@code inputPps} for the window.
     *
     * @param offeredPps          frames the generator put on the wire per second (measured)
     * @param outputPps           frames the sink received per second
     * @param drops               frames dropped in the window, by cause ({@link #DROP_CAUSES})
     * @param interruptsPerSecond interrupt handler runs on the router's CPU per second
     * @param interruptShare      fraction of the router's CPU time spent in interrupt handlers, entry and exit included
     * @param busyShare           fraction of the router's CPU time spent on anything (handlers and jobs)
     * @param sinkDrops           frames the sink's card or driver dropped (0: the sink never limits)
     * @param unaccounted         over the whole run, once the router has drained: frames sent, less those
     *                            received and those dropped (by any cause above); 0 when every frame is accounted for
     * @param poolsFull           every buffer of every machine was back in its pool after tear-down
     * @param windowNanos         the simulated time measured (rates are per second of it; drops are counts in it)
     */
    public record Point(Mode mode, long inputPps, double offeredPps, double outputPps, Map<String, Long> drops,
                        double interruptsPerSecond, double interruptShare, double busyShare, long sinkDrops,
                        long unaccounted, boolean poolsFull, long windowNanos) {
        public long dropped() {
            return drops.values().stream().mapToLong(Long::longValue).sum();
        }

        /** No frame dropped anywhere and (nearly) all of them out in the window. */
        public boolean lossFree() {
            return dropped() == 0 && outputPps >= 0.99 * offeredPps;
        }
    }

    /**
     * A mode's curve and what it shows.
     *
     * @param points   every point measured, by input rate
     * @param peak     the point of highest output (its output is the peak, the mode's MLFRR)
     * @param overload the point at four times the peak
     */
    public record ModeResult(Mode mode, List<Point> points, Point peak, Point overload) {
        public double peakPps() {
            return peak.outputPps();
        }

        /** Output at four times the peak input, as a fraction of the peak. */
        public double overloadFraction() {
            return peak.outputPps() == 0 ? 0 : overload.outputPps() / peak.outputPps();
        }

        /** The highest input rate measured without loss (0 if none). */
        public long lossFreePps() {
            return points.stream().filter(Point::lossFree).mapToLong(Point::inputPps).max().orElse(0);
        }
    }

    /** Simulated time after the generator stops, for the router to empty its queues before the final count. */
    static final long DRAIN_NANOS = 20_000_000L;

    /** The multiple of the peak at which overload is measured. */
    public static final int OVERLOAD_FACTOR = 4;

    private Livelock() {
    }

    // ==== The sweep =======================================================================

    /** Input rates, as fractions of {@link Options#pollingCeilingPps()}: a full sweep. */
    static final double[] FULL_GRID = {0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8,
            0.9, 0.95, 1.0, 1.05, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5};
    /** A quick sweep. */
    static final double[] QUICK_GRID = {0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 0.9, 1.0, 1.1, 1.5, 2.0, 3.0, 4.5};

    /** The most points one mode's sweep measures (the grid, the refinements, the overload; repeats are skipped). */
    public static int pointsAtMost(boolean quick) {
        return (quick ? QUICK_GRID.length : FULL_GRID.length + 2 * 2) + 1;
    }

    /**
     * Sweeps every mode in {@code modes}: the grid of input rates, then a refinement around the
     * highest output (full runs only), then four times that peak. {@code progress} sees every point.
     */
    public static List<ModeResult> sweep(List<Mode> modes, Options options, boolean quick, Consumer<Point> progress) {
        List<ModeResult> results = new ArrayList<>();
        for (Mode mode : modes) {
            results.add(sweep(mode, options, quick ? QUICK_GRID : FULL_GRID, quick ? 0 : 2, progress));
        }
        return results;
    }

    static ModeResult sweep(Mode mode, Options options, double[] grid, int refinements, Consumer<Point> progress) {
        TreeMap<Long, Point> points = new TreeMap<>();
        double ceiling = options.pollingCeilingPps();
        for (double f : grid) {
            measureInto(points, mode, Math.round(f * ceiling), options, progress);
        }
        for (int round = 0; round < refinements; round++) {
            // Halve the gaps on both sides of the best point so far.
            long best = best(points).inputPps();
            Long below = points.lowerKey(best);
            Long above = points.higherKey(best);
            if (below != null) {
                measureInto(points, mode, (below + best) / 2, options, progress);
            }
            if (above != null) {
                measureInto(points, mode, (best + above) / 2, options, progress);
            }
        }
        Point peak = best(points);
        long overloadRate = Math.max(1, Math.round(OVERLOAD_FACTOR * peak.outputPps()));
        Point overload = measureInto(points, mode, overloadRate, options, progress);
        return new ModeResult(mode, List.copyOf(points.values()), peak, overload);
    }

    private static Point best(TreeMap<Long, Point> points) {
        return points.values().stream().max(Comparator.comparingDouble(Point::outputPps)).orElseThrow();
    }

    private static Point measureInto(TreeMap<Long, Point> points, Mode mode, long rate, Options options,
                                     Consumer<Point> progress) {
        Point p = points.get(rate);
        if (p == null && rate > 0) {
            p = measure(mode, rate, options);
            points.put(rate, p);
            if (progress != null) {
                progress.accept(p);
            }
        }
        return p;
    }

    // ==== One point =======================================================================

    /** Builds the three machines, feeds the router {@code inputPps} and measures it. */
    public static Point measure(Mode mode, long inputPps, Options options) {
        if (inputPps < 1 || inputPps > 100_000_000L) {
            throw new IllegalArgumentException("input rate must be 1..100000000 frames/s: " + inputPps);
        }
        try (Bench bench = new Bench(mode, options.costs())) {
            Generator generator = bench.generator;
            generator.start(bench.sim.nanos(), inputPps);
            bench.sim.runFor(options.warmupNanos());
            Snapshot before = bench.snapshot();
            bench.sim.runFor(options.windowNanos());
            Snapshot after = bench.snapshot();
            generator.stop();
            // Let the router finish what it holds, then account for every frame since the start.
            bench.sim.runFor(DRAIN_NANOS);
            Snapshot end = bench.snapshot();
            long unaccounted = end.sent - end.received - end.ringFull - end.poolEmpty - end.backlogFull - end.txQueueFull
                    - end.sinkDrops;
            return bench.point(mode, inputPps, before, after, options.windowNanos(), unaccounted);
        }
    }

    /** The network of one measurement. */
    private static final class Bench implements AutoCloseable {
        /** Memory for what the router holds (2,304 receive buffers of 2 KB, 512 to send, reassembly): 8 MB, not the default 16. */
        final Network net = Network.simulated(1).machineSize(512, 8L << 20);
        final Simulation sim = net.simulation();
        final Network.Node router;
        final Cpu routerCpu;
        final Nic in;
        final Nic out;
        final Nic sinkNic;
        final Generator generator;
        final Sink sink = new Sink();
        private boolean poolsFull;
        private boolean closed;

        Bench(Mode mode, CostModel costs) {
            DriverConfig driver = mode.driverConfig();
            router = net.addHost("router", ROUTER_IN_MAC, "10.0.1.1/24", driver, ROUTER_SPARE_RX_BUFFERS,
                    HostConfig.DEFAULT.withForwarding(true));
            net.addInterface(router, "eth1", ROUTER_OUT_MAC, "10.0.2.1/24", driver, driver.rxRingSize());
            router.host().addStaticNeighbor(router.nic(1), SINK_IP, SINK_MAC.bits());
            router.host().addStaticNeighbor(router.nic(0), GENERATOR_IP, GENERATOR_MAC.bits());
            routerCpu = router.machine().cpu();
            routerCpu.setCosts(costs);
            in = router.machine().nics().get(0);
            out = router.machine().nics().get(1);

            net.machineSize(512, 4L << 20); // the generator and the sink: 512 + 512 buffers
            Machine gen = net.addMachine("generator");
            Nic genNic = gen.addNic("eth0", GENERATOR_MAC, DriverConfig.of(WakeMode.NAPI));
            Machine sinkMachine = net.addMachine("sink");
            sinkNic = sinkMachine.addNic("eth0", SINK_MAC, DriverConfig.of(WakeMode.NAPI));
            net.cable(gen, 0, router.machine(), 0);
            net.cable(router.machine(), 1, sinkMachine, 0);
            genNic.driver().bringUp(PacketBuffer::release); // the generator ignores what it hears (ARP)
            sinkNic.driver().bringUp(sink);
            generator = new Generator(sim, gen, genNic.driver());
            net.start();
        }

        Snapshot snapshot() {
            // Between steps of the simulation no CPU is in the middle of anything: reading the
            // card's read-to-clear statistics from here is as good as from the router's CPU.
            in.driver().updateStats();
            out.driver().updateStats();
            sinkNic.driver().updateStats();
            DriverCounters c = in.driver().counters();
            StackCounters s = router.host().counters();
            DriverCounters sc = sinkNic.driver().counters();
            return new Snapshot(sim.nanos(), generator.sent, generator.refused, sink.received, c.rxMissed(),
                    c.rxPoolEmpty(), s.get(Counter.ETH_BACKLOG_FULL), s.get(Counter.ETH_TX_QUEUE_FULL),
                    routerCpu.interruptsTaken(), routerCpu.interruptNanos(), routerCpu.jobNanos(), sc.rxDropped());
        }

        Point point(Mode mode, long inputPps, Snapshot a, Snapshot b, long window, long unaccounted) {
            double seconds = window / 1e9;
            Map<String, Long> drops = new LinkedHashMap<>();
            drops.put("ring_full", b.ringFull - a.ringFull);
            drops.put("pool_empty", b.poolEmpty - a.poolEmpty);
            drops.put("backlog_full", b.backlogFull - a.backlogFull);
            drops.put("tx_queue_full", b.txQueueFull - a.txQueueFull);
            drops.put("generator_refused", b.refused - a.refused);
            close();
            // Work is booked when it starts, so a handler that began just before the window ends can
            // push a share a hair over 1: clamp.
            double irq = Math.min(1, (b.interruptNanos - a.interruptNanos) / (double) window);
            double busy = Math.min(1, (b.interruptNanos - a.interruptNanos + b.jobNanos - a.jobNanos) / (double) window);
            return new Point(mode, inputPps, (b.sent - a.sent) / seconds, (b.received - a.received) / seconds, drops,
                    (b.interrupts - a.interrupts) / seconds, irq, busy, b.sinkDrops - a.sinkDrops, unaccounted,
                    poolsFull, window);
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                net.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            poolsFull = net.poolsFull();
        }
    }

    private record Snapshot(long at, long sent, long refused, long received, long ringFull, long poolEmpty,
                            long backlogFull, long txQueueFull, long interrupts, long interruptNanos, long jobNanos,
                            long sinkDrops) {
    }

    // ==== The generator and the sink ======================================================

    /**
     * Sends 64-byte UDP/IPv4 frames to the sink through the router at a constant rate, straight
     * through its driver: frame k leaves at start + k / rate, to the nanosecond. A timer wakes a
     * job on the generator's CPU when the next frame is due. A full ring or an empty pool refuses
     * a frame, and it is counted, not retried.
     */
    static final class Generator {
        private final Simulation sim;
        private final E1000Driver driver;
        private final BufferPool pool;
        private final Job job;
        private final Timer timer;
        private final byte[] template;
        private long start;
        private long rate;
        private boolean running;
        long offered;
        long sent;
        long refused;

        Generator(Simulation sim, Machine machine, E1000Driver driver) {
            this.sim = sim;
            this.driver = driver;
            this.pool = machine.txPool();
            this.template = frameTemplate(pool);
            this.job = machine.cpu().newJob("generator", this::run);
            this.timer = sim.newTimer("generator", job::schedule);
        }

        /** Ethernet to the router, IPv4 10.0.1.2 → 10.0.2.2 (TTL 64), UDP 9 → 9 without checksum, 18 bytes of payload. */
        private static byte[] frameTemplate(BufferPool pool) {
            PacketBuffer b = pool.take();
            try {
                b.resetTo(0);
                b.append(FRAME_BYTES);
                EthernetFrame.write(b, ROUTER_IN_MAC.bits(), GENERATOR_MAC.bits(), EthernetFrame.TYPE_IPV4);
                b.trimFront(EthernetFrame.HEADER_LENGTH);
                int ipLength = FRAME_BYTES - EthernetFrame.HEADER_LENGTH;
                Ipv4Packet.writeHeader(b, 0, ipLength, 0, 0, 64, Ipv4Packet.PROTO_UDP, GENERATOR_IP, SINK_IP);
                b.setU16(20, UDP_PORT);
                b.setU16(22, UDP_PORT);
                b.setU16(24, ipLength - Ipv4Packet.MIN_HEADER);
                b.setU16(26, 0); // no checksum (RFC 768): the frame is the same but for its sequence number
                b.prepend(EthernetFrame.HEADER_LENGTH);
                return b.toByteArray();
            } finally {
                b.release();
            }
        }

        void start(long at, long framesPerSecond) {
            start = at;
            rate = framesPerSecond;
            running = true;
            timer.arm(at);
        }

        void stop() {
            running = false;
            timer.cancel();
        }

        private Job.Result run() {
            if (!running) {
                return Job.Result.DONE;
            }
            long due = Math.multiplyExact(sim.nanos() - start, rate) / 1_000_000_000L + 1;
            while (offered < due) {
                sendOne();
            }
            driver.flush();
            // Frame number 'offered' leaves at start + ceil(offered / rate).
            long next = start + (Math.multiplyExact(offered, 1_000_000_000L) + rate - 1) / rate;
            timer.arm(next);
            return Job.Result.DONE;
        }

        private void sendOne() {
            long seq = offered++;
            PacketBuffer b = pool.take();
            if (b == null) {
                driver.reclaimTransmitted();
                b = pool.take();
            }
            if (b == null) {
                refused++;
                return;
            }
            b.resetTo(Machine.TX_HEADROOM);
            b.append(FRAME_BYTES);
            b.copyFrom(template, 0, 0, FRAME_BYTES);
            b.setInt(FRAME_BYTES - 8, (int) (seq >>> 32));
            b.setInt(FRAME_BYTES - 4, (int) seq);
            if (driver.queue(b)) {
                sent++;
            } else {
                refused++;
                b.release();
            }
        }
    }

    /** Counts the generator's frames that came through the router (TTL 63, UDP to the sink); releases everything. */
    static final class Sink implements FrameSink {
        long received;
        long other;

        @Override
        public void receive(PacketBuffer frame) {
            if (frame.length() >= FRAME_BYTES
                    && EthernetFrame.etherType(frame) == EthernetFrame.TYPE_IPV4
                    && frame.getInt(EthernetFrame.HEADER_LENGTH + 16) == SINK_IP
                    && (frame.getByte(EthernetFrame.HEADER_LENGTH + 8) & 0xFF) == 63
                    && (frame.getByte(EthernetFrame.HEADER_LENGTH + 9) & 0xFF) == Ipv4Packet.PROTO_UDP) {
                received++;
            } else {
                other++;
            }
            frame.release();
        }
    }
}
