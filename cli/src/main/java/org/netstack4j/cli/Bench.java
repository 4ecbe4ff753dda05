package org.netstack4j.cli;

import org.HdrHistogram.Histogram;
import org.netstack4j.driver.Offloads;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.CostModel;
import org.netstack4j.lab.ForwardingRig;
import org.netstack4j.lab.OffloadTransfer;
import org.netstack4j.lab.RealTcpPair;
import org.netstack4j.lab.RealUdpPair;
import org.netstack4j.lab.TapEchoRig;
import org.netstack4j.lab.TcpLossRig;
import org.netstack4j.stack.tcp.TcpConfig;
import org.netstack4j.lab.TcpStreamPair;
import org.netstack4j.lab.UdpPair;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Runs the bench's measurements: each test for netstack4j in each wake mode, and for the JDK's
 * sockets over loopback in each arrangement, one after the other on this machine.
 *
 * <p>How netstack4j runs: every CPU of the simulated network, every card model and both
 * applications on the measuring thread, in simulated time with time standing still, so each
 * packet's work runs to completion with no thread hand-off; the wall clock measures it. How the
 * JDK runs: see {@link JdkUdp} — blocking with a server thread, spinning with a server thread,
 * and on one thread. Allocation is measured, not guessed: {@code ThreadMXBean} bytes allocated by
 * every thread taking part, over the measured interval, divided by the packets.
 */
final class Bench {
    static final int PAYLOAD = 64;
    static final int BATCH = 32;

    /** How long each measurement runs. */
    record Budget(String name, long warmupNanos, long measureNanos, int trials, int chunk) {
        static final Budget FULL = new Budget("full", 2_000_000_000L, 2_000_000_000L, 3, 8192);
        static final Budget QUICK = new Budget("quick", 1_000_000_000L, 1_000_000_000L, 1, 4096);
        /** For tests: every path runs, the figures mean little. */
        static final Budget TINY = new Budget("tiny", 0, 20_000_000L, 1, 256);

        static Budget named(String name) {
            for (Budget b : new Budget[] {FULL, QUICK, TINY}) {
                if (b.name().equals(name)) {
                    return b;
                }
            }
            throw new IllegalArgumentException("no such budget: " + name);
        }
    }

    private final Budget budget;
    private final List<WakeMode> modes;
    private final Consumer<String> progress;
    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private int step;
    private int steps;

    Bench(Budget budget, List<WakeMode> modes, Consumer<String> progress) {
        this.budget = budget;
        this.modes = List.copyOf(modes);
        this.progress = progress;
        threads.setThreadAllocatedMemoryEnabled(true);
    }

    /** One measurement: which test, on which stack, in which mode or arrangement. */
    record Case(String test, String stack, String variant) {
        String arg() {
            return test + ":" + stack + ":" + variant;
        }

        static Case parse(String arg) {
            String[] f = arg.split(":");
            if (f.length != 3) {
                throw new IllegalArgumentException("a case is TEST:STACK:VARIANT, not " + arg);
            }
            return new Case(f[0], f[1], f[2]);
        }
    }

    /** Every measurement, in table order. */
    List<Case> cases() {
        List<Case> out = new ArrayList<>();
        for (String test : List.of(BenchResult.UDP_ONE_WAY, BenchResult.UDP_ECHO)) {
            for (WakeMode m : modes) {
                out.add(new Case(test, "netstack4j", m.cliName()));
            }
            for (JdkUdp.Arrangement a : JdkUdp.Arrangement.values()) {
                out.add(new Case(test, "jdk", a.label));
            }
        }
        for (String test : List.of(BenchResult.TCP_BULK, BenchResult.TCP_BULK_JUMBO, BenchResult.TCP_RR)) {
            for (WakeMode m : modes) {
                out.add(new Case(test, "netstack4j", m.cliName()));
            }
            if (!test.equals(BenchResult.TCP_BULK_JUMBO)) { // the kernel's loopback has one MTU (65,536): one JDK row
                out.add(new Case(test, "jdk", JdkTcp.LABEL));
            }
        }
        for (WakeMode m : modes) {
            out.add(new Case(BenchResult.FORWARD, "netstack4j", m.cliName()));
        }
        for (WakeMode m : modes) {
            out.add(new Case(BenchResult.TCP_CONN, "netstack4j", m.cliName()));
        }
        out.add(new Case(BenchResult.TCP_CONN, "jdk", JdkTcp.LABEL));
        for (String recovery : List.of(SACK_CUBIC, NEWRENO_NO_SACK)) {
            out.add(new Case(BenchResult.TCP_LOSS0, "netstack4j", recovery));
            out.add(new Case(BenchResult.TCP_LOSS1, "netstack4j", recovery));
        }
        for (String offload : List.of("", BenchResult.OFFLOAD_SUFFIX)) { // offloads off (busy-poll's default), then on
            for (int connections : BenchResult.TCP_COST_CONNECTIONS) { // the variant is the number of connections open
                out.add(new Case(BenchResult.TCP_COST, "netstack4j", connections + offload));
            }
        }
        for (String offload : List.of(OFFLOAD_ON, OFFLOAD_OFF)) {
            out.add(new Case(BenchResult.TCP_BULK_OFFLOAD, "netstack4j", offload));
        }
        // The deployment path, set beside the JDK's blocking rows above (the same arrangement: a thread each end).
        for (String test : List.of(BenchResult.RT_UDP_ONE_WAY, BenchResult.RT_UDP_ECHO, BenchResult.RT_TCP_RR_LOOP,
                BenchResult.RT_TCP_RR_BLOCKING)) {
            for (WakeMode m : modes) {
                out.add(new Case(test, "netstack4j", m.cliName()));
            }
            if (modes.contains(WakeMode.BUSY_POLL)) { // busy-poll with one spinning thread, not one per host
                out.add(new Case(test, "netstack4j", new Deployed(WakeMode.BUSY_POLL, true).variant()));
            }
        }
        if (tapUnavailable() == null) { // one host on a TAP device against Linux, beside Linux against Linux over veth
            for (String test : List.of(BenchResult.TAP_UDP_ECHO, BenchResult.TAP_UDP_WINDOW)) {
                for (WakeMode m : modes) {
                    out.add(new Case(test, "netstack4j", m.cliName()));
                }
                out.add(new Case(test, "jdk", VETH));
            }
        }
        return out;
    }

    /** The JDK's variant in the TAP tests: its sockets on Linux's stack, over a veth pair to the same echo server. */
    static final String VETH = "veth";

    /** Why the TAP rows cannot run here (no root, no /dev/net/tun), or null when they can. */
    static String tapUnavailable() {
        return TapEchoRig.unavailable();
    }

    /**
     * Every measurement, in table order. With {@code fork}, each runs in a JVM of its own (as JMH
     * forks): code compiled for one wake mode or arrangement does not slow the next, and every
     * case starts from the same state.
     */
    List<BenchResult> runAll(boolean fork) throws Exception {
        List<Case> cases = cases();
        steps = cases.size();
        List<BenchResult> out = new ArrayList<>();
        for (Case c : cases) {
            out.add(report(fork ? BenchFork.run(budget, c) : run(c)));
        }
        return out;
    }

    /** Runs one case in this JVM. */
    BenchResult run(Case c) throws Exception {
        boolean jdk = c.stack().equals("jdk");
        return switch (c.test()) {
            case BenchResult.UDP_ONE_WAY -> jdk ? jdkOneWay(arrangement(c.variant())) : udpOneWay(WakeMode.parse(c.variant()));
            case BenchResult.UDP_ECHO -> jdk ? jdkEcho(arrangement(c.variant())) : udpEcho(WakeMode.parse(c.variant()));
            case BenchResult.TCP_BULK -> jdk ? jdkTcpBulk() : tcpBulk(WakeMode.parse(c.variant()), 1500);
            case BenchResult.TCP_BULK_JUMBO -> tcpBulk(WakeMode.parse(c.variant()), 9000);
            case BenchResult.TCP_RR -> jdk ? jdkTcpRr() : tcpRr(WakeMode.parse(c.variant()));
            case BenchResult.FORWARD -> forward(WakeMode.parse(c.variant()));
            case BenchResult.TCP_COST -> tcpCost(c.variant());
            case BenchResult.TCP_BULK_OFFLOAD -> tcpBulkOffload(c.variant().equals(OFFLOAD_ON));
            case BenchResult.TCP_LOSS0 -> tcpLoss(BenchResult.TCP_LOSS0, 0, c.variant());
            case BenchResult.TCP_LOSS1 -> tcpLoss(BenchResult.TCP_LOSS1, 0.01, c.variant());
            case BenchResult.TCP_CONN -> jdk ? jdkShortConnections() : shortConnections(WakeMode.parse(c.variant()));
            case BenchResult.RT_UDP_ONE_WAY -> realUdpOneWay(Deployed.parse(c.variant()));
            case BenchResult.RT_UDP_ECHO -> realUdpEcho(Deployed.parse(c.variant()));
            case BenchResult.RT_TCP_RR_LOOP -> realTcpRrOnLoops(Deployed.parse(c.variant()));
            case BenchResult.RT_TCP_RR_BLOCKING -> realTcpRrBlocking(Deployed.parse(c.variant()));
            case BenchResult.TAP_UDP_ECHO, BenchResult.TAP_UDP_WINDOW -> tapEcho(c);
            default -> throw new IllegalArgumentException("no such test: " + c.test());
        };
    }

    private static JdkUdp.Arrangement arrangement(String label) {
        for (JdkUdp.Arrangement a : JdkUdp.Arrangement.values()) {
            if (a.label.equals(label)) {
                return a;
            }
        }
        throw new IllegalArgumentException("no such JDK arrangement: " + label);
    }

    private BenchResult report(BenchResult r) {
        step++;
        String figure = r.latency() != null
                ? String.format(Locale.ROOT, "p50 %.1f us, p99 %.1f us, p99.9 %.1f us", r.latency().p50(),
                r.latency().p99(), r.latency().p999())
                : String.format(Locale.ROOT, "%s /s", BenchReport.si(r.rate()));
        progress.accept(String.format(Locale.ROOT, "[%d/%d] %s, %s: %s, %.2f B/packet", step, steps,
                title(r.test()), r.label(), figure, r.allocBytesPerPacket()));
        return r;
    }

    private static String title(String test) {
        return BenchResult.TESTS.stream().filter(t -> t.id().equals(test)).findFirst().orElseThrow().title();
    }

    // ==== netstack4j ======================================================================

    BenchResult udpOneWay(WakeMode mode) throws Exception {
        try (UdpPair pair = UdpPair.open(mode, PAYLOAD)) {
            int chunk = budget.chunk();
            runFor(budget.warmupNanos(), () -> pair.oneWay(chunk, BATCH));
            double[] rates = new double[budget.trials()];
            long packets = 0;
            long nanos = 0;
            long allocated = 0;
            for (int t = 0; t < budget.trials(); t++) {
                long a0 = allocatedHere();
                long t0 = System.nanoTime();
                long n = 0;
                long elapsed;
                do {
                    n += pair.oneWay(chunk, BATCH);
                    elapsed = System.nanoTime() - t0;
                } while (elapsed < budget.measureNanos());
                allocated += allocatedHere() - a0;
                rates[t] = n * 1e9 / elapsed;
                packets += n;
                nanos += elapsed;
            }
            return new BenchResult(BenchResult.UDP_ONE_WAY, "netstack4j", mode.cliName(), packets, nanos / 1e9,
                    median(rates), Double.NaN, null, (double) allocated / packets, 0);
        }
    }

    BenchResult udpEcho(WakeMode mode) throws Exception {
        try (UdpPair pair = UdpPair.open(mode, PAYLOAD)) {
            return echo(BenchResult.UDP_ECHO, "netstack4j", mode.cliName(), pair::echoOnce, this::allocatedHere);
        }
    }

    /**
     * How a deployed pair runs: its hosts' wake mode, and whether both hosts' CPUs share one thread
     * (variant "poll-1cpu") or have one each (variant "poll").
     */
    record Deployed(WakeMode mode, boolean oneCpuThread) {
        private static final String ONE_CPU = "-1cpu";

        static Deployed parse(String variant) {
            boolean one = variant.endsWith(ONE_CPU);
            return new Deployed(WakeMode.parse(one ? variant.substring(0, variant.length() - ONE_CPU.length()) : variant), one);
        }

        String variant() {
            return mode.cliName() + (oneCpuThread ? ONE_CPU : "");
        }
    }

    /** The deployment path: hosts on real threads, a blocking server application on its own thread, the client here. */
    BenchResult realUdpEcho(Deployed d) throws Exception {
        try (RealUdpPair pair = RealUdpPair.open(d.mode(), PAYLOAD, d.oneCpuThread())) {
            return echo(BenchResult.RT_UDP_ECHO, "netstack4j", d.variant(), pair::echoOnce, () -> 0);
        }
    }

    BenchResult realTcpRrBlocking(Deployed d) throws Exception {
        try (RealTcpPair pair = RealTcpPair.open(d.mode(), d.oneCpuThread())) {
            return echo(BenchResult.RT_TCP_RR_BLOCKING, "netstack4j", d.variant(), pair::blockingRoundTrip, () -> 0);
        }
    }

    /** Request/response with both applications on the hosts' loops: each round trip timed on the client's loop. */
    BenchResult realTcpRrOnLoops(Deployed d) throws Exception {
        try (RealTcpPair pair = RealTcpPair.open(d.mode(), d.oneCpuThread())) {
            long[] rtts = new long[1024];
            runFor(budget.warmupNanos(), () -> {
                pair.loopRoundTrips(rtts.length, rtts);
                return rtts.length;
            });
            Histogram h = histogram();
            double[] rates = new double[budget.trials()];
            long nanos = 0;
            for (int t = 0; t < budget.trials(); t++) {
                long t0 = System.nanoTime();
                long n = 0;
                long elapsed;
                do {
                    pair.loopRoundTrips(rtts.length, rtts);
                    for (long rtt : rtts) {
                        h.recordValue(rtt);
                    }
                    n += rtts.length;
                    elapsed = System.nanoTime() - t0;
                } while (elapsed < budget.measureNanos());
                rates[t] = n * 1e9 / elapsed;
                nanos += elapsed;
            }
            return new BenchResult(BenchResult.RT_TCP_RR_LOOP, "netstack4j", d.variant(), h.getTotalCount(), nanos / 1e9,
                    median(rates), Double.NaN, latency(h), 0, 0);
        }
    }

    BenchResult realUdpOneWay(Deployed d) throws Exception {
        try (RealUdpPair pair = RealUdpPair.open(d.mode(), PAYLOAD, d.oneCpuThread())) {
            int chunk = budget.chunk();
            runFor(budget.warmupNanos(), () -> pair.oneWay(chunk));
            double[] rates = new double[budget.trials()];
            long received = 0;
            long sent = 0;
            long nanos = 0;
            for (int t = 0; t < budget.trials(); t++) {
                long t0 = System.nanoTime();
                long n = 0;
                long elapsed;
                do {
                    n += pair.oneWay(chunk);
                    sent += chunk;
                    elapsed = System.nanoTime() - t0;
                } while (elapsed < budget.measureNanos());
                rates[t] = n * 1e9 / elapsed;
                received += n;
                nanos += elapsed;
            }
            // Allocation is not counted here: the hosts' threads are not this one (the zero-garbage runs cover them).
            return new BenchResult(BenchResult.RT_UDP_ONE_WAY, "netstack4j", d.variant(), received, nanos / 1e9,
                    median(rates), Double.NaN, null, 0, sent == 0 ? 0 : 1 - (double) received / sent);
        }
    }

    /**
     * UDP echo against Linux's stack over a real link: netstack4j on a TAP device in {@code c}'s wake
     * mode, or the JDK over veth. One datagram in flight (each round trip timed), or
     * {@link BenchResult#TAP_WINDOW} (echoes per second).
     */
    BenchResult tapEcho(Case c) throws Exception {
        boolean jdk = c.stack().equals("jdk");
        try (TapEchoRig rig = jdk ? TapEchoRig.overVeth(PAYLOAD) : TapEchoRig.overTap(WakeMode.parse(c.variant()), PAYLOAD)) {
            if (c.test().equals(BenchResult.TAP_UDP_ECHO)) {
                BenchResult r = echo(c.test(), c.stack(), c.variant(), rig::echoOnce, () -> 0);
                return withLoss(r, rig.lost(), 2 * r.packets());
            }
            rig.window(BenchResult.TAP_WINDOW, budget.warmupNanos());
            double[] rates = new double[budget.trials()];
            long echoes = 0;
            long nanos = 0;
            for (int t = 0; t < budget.trials(); t++) {
                TapEchoRig.Burst b = rig.window(BenchResult.TAP_WINDOW, budget.measureNanos());
                rates[t] = b.perSecond();
                echoes += b.echoes();
                nanos += b.nanos();
            }
            return withLoss(new BenchResult(c.test(), c.stack(), c.variant(), echoes, nanos / 1e9, median(rates), Double.NaN,
                    null, 0, 0), rig.lost(), echoes + rig.lost());
        }
    }

    private static BenchResult withLoss(BenchResult r, long lost, long sent) {
        return new BenchResult(r.test(), r.stack(), r.variant(), r.packets(), r.seconds(), r.rate(), r.wholeRate(),
                r.latency(), r.allocBytesPerPacket(), sent == 0 ? 0 : (double) lost / sent);
    }

    /** Bytes per TCP bulk step: enough to fill the windows many times over. */
    static final long TCP_CHUNK_BYTES = 4L << 20;

    BenchResult tcpBulk(WakeMode mode, int mtu) throws Exception {
        try (TcpStreamPair pair = TcpStreamPair.open(mode, mtu)) {
            String test = mtu > 1500 ? BenchResult.TCP_BULK_JUMBO : BenchResult.TCP_BULK;
            return steps(test, "netstack4j", mode.cliName(), () -> pair.bulk(TCP_CHUNK_BYTES), pair::segments,
                    this::allocatedHere);
        }
    }

    static final String SACK_CUBIC = "sack-rack-cubic";
    static final String NEWRENO_NO_SACK = "newreno-nosack";

    /**
     * Bulk through {@code loss} each way ({@link TcpLossRig}, none or 1 %): bytes per second of
     * simulated time, the same on every machine for a seed. The default recovery (SACK with RACK,
     * CUBIC) or NewReno without SACK.
     */
    BenchResult tcpLoss(String test, double loss, String recovery) throws Exception {
        TcpConfig tcp = (recovery.equals(SACK_CUBIC) ? TcpLossRig.Recovery.SACK_RACK_CUBIC
                : TcpLossRig.Recovery.NEWRENO_NO_SACK).tcp();
        long bytes = budget == Budget.TINY ? 256 << 10 : budget == Budget.QUICK ? 2 << 20 : 10 << 20;
        TcpLossRig.Outcome o = TcpLossRig.transfer(7, bytes, loss, 0, tcp);
        return new BenchResult(test, "netstack4j", recovery, o.retransmitted(), o.seconds(),
                bytes / o.seconds(), Double.NaN, null, 0, 0);
    }

    /** Short connections between two simulated hosts (open, one byte each way, close), per second of wall clock. */
    BenchResult shortConnections(WakeMode mode) throws Exception {
        try (TcpStreamPair pair = TcpStreamPair.open(mode)) {
            return connections("netstack4j", mode.cliName(), pair::shortConnection, this::allocatedHere);
        }
    }

    BenchResult jdkShortConnections() throws Exception {
        try (JdkShortConnections j = new JdkShortConnections()) {
            return connections("jdk", JdkTcp.LABEL, j::once, () -> allocated(j.serverThread()));
        }
    }

    /** Connections one after another: per second, and heap bytes allocated per connection (not per packet). */
    private BenchResult connections(String stack, String variant, EchoOnce once, LongSupplier allocation) throws Exception {
        long[] made = {0};
        return steps(BenchResult.TCP_CONN, stack, variant, () -> {
            once.run();
            made[0]++;
            return 1;
        }, () -> made[0], allocation);
    }

    /**
     * Request/response on one connection while {@code connections - 1} others stay open and idle
     * (simulated, busy-poll, one thread as the other simulated rows): wall-clock time per TCP
     * segment. Flat from 1 to 100,000 when nothing a packet does grows with the connections.
     */
    BenchResult tcpCost(String variant) throws Exception {
        boolean offload = variant.endsWith(BenchResult.OFFLOAD_SUFFIX);
        int connections = Integer.parseInt(offload ? variant.substring(0, variant.length()
                - BenchResult.OFFLOAD_SUFFIX.length()) : variant);
        try (TcpStreamPair pair = TcpStreamPair.open(WakeMode.BUSY_POLL, 1500, connections - 1,
                offload ? Offloads.ALL : Offloads.NONE)) {
            return steps(BenchResult.TCP_COST, "netstack4j", variant, () -> {
                long s0 = pair.segments();
                for (int i = 0; i < 256; i++) {
                    pair.requestResponse();
                }
                return pair.segments() - s0;
            }, pair::segments, this::allocatedHere);
        }
    }

    static final String OFFLOAD_ON = "on";
    static final String OFFLOAD_OFF = "off";

    /**
     * TCP bulk with the cards' offloads all on or all off ({@link OffloadTransfer}): the sender's
     * transmit descriptors, and both hosts' CPU time per KB as {@link CostModel#HOST} prices the
     * work in simulated time (a descriptor, a KB summed in software): the same on every machine.
     */
    BenchResult tcpBulkOffload(boolean on) throws Exception {
        long bytes = budget == Budget.TINY ? 2 << 20 : budget == Budget.QUICK ? 8 << 20 : 32 << 20;
        Offloads offloads = on ? Offloads.ALL : Offloads.NONE;
        OffloadTransfer.Outcome o = OffloadTransfer.run(7, bytes, offloads, offloads, null, CostModel.HOST);
        if (!o.byteExact() || !o.poolsFull()) {
            throw new IllegalStateException("the offload transfer was not byte-exact or lost a buffer: " + o);
        }
        return new BenchResult(BenchResult.TCP_BULK_OFFLOAD, "netstack4j", on ? OFFLOAD_ON : OFFLOAD_OFF,
                o.txDescriptors(), o.seconds(), bytes / o.seconds(), o.cpuNanosPerKb(), null, 0, 0);
    }

    BenchResult tcpRr(WakeMode mode) throws Exception {
        try (TcpStreamPair pair = TcpStreamPair.open(mode)) {
            return echo(BenchResult.TCP_RR, "netstack4j", mode.cliName(), pair::requestResponse, this::allocatedHere);
        }
    }

    BenchResult jdkTcpBulk() throws Exception {
        try (JdkTcp t = JdkTcp.open(true)) {
            // The kernel's segments are not counted: per-packet allocation is per 64 KB write there.
            long[] writes = {0};
            return steps(BenchResult.TCP_BULK, "jdk", JdkTcp.LABEL, () -> {
                writes[0] += TCP_CHUNK_BYTES / (64 * 1024);
                return t.bulk(TCP_CHUNK_BYTES);
            }, () -> writes[0], () -> allocated(t.serverThread()));
        }
    }

    BenchResult jdkTcpRr() throws Exception {
        try (JdkTcp t = JdkTcp.open(false)) {
            return echo(BenchResult.TCP_RR, "jdk", JdkTcp.LABEL, t::requestResponse, () -> allocated(t.serverThread()));
        }
    }

    /**
     * A workload measured in steps (a bulk transfer of {@link #TCP_CHUNK_BYTES}, round trips,
     * connections): the rate is what the steps return per second of wall clock (bytes, segments,
     * connections), and the heap bytes allocated per unit {@code packets} counts.
     */
    private BenchResult steps(String test, String stack, String variant, Chunk step, LongSupplier packets,
                              LongSupplier allocation) throws Exception {
        runFor(budget.warmupNanos(), step);
        double[] rates = new double[budget.trials()];
        long nanos = 0;
        long allocated = 0;
        long p0 = packets.getAsLong();
        for (int t = 0; t < budget.trials(); t++) {
            long a0 = allocation.getAsLong();
            long t0 = System.nanoTime();
            long n = 0;
            long elapsed;
            do {
                n += step.run();
                elapsed = System.nanoTime() - t0;
            } while (elapsed < budget.measureNanos());
            allocated += allocation.getAsLong() - a0;
            rates[t] = n * 1e9 / elapsed;
            nanos += elapsed;
        }
        long counted = Math.max(1, packets.getAsLong() - p0);
        return new BenchResult(test, stack, variant, counted, nanos / 1e9, median(rates), Double.NaN,
                null, (double) allocated / counted, 0);
    }

    BenchResult forward(WakeMode mode) throws Exception {
        try (ForwardingRig rig = ForwardingRig.open(mode)) {
            int chunk = budget.chunk() * 8;
            runFor(budget.warmupNanos(), () -> rig.forward(chunk));
            double[] rates = new double[budget.trials()];
            long packets = 0;
            long nanos = 0;
            long routerNanos = 0;
            long allocated = 0;
            for (int t = 0; t < budget.trials(); t++) {
                long a0 = allocatedHere();
                long r0 = rig.routerNanos();
                long t0 = System.nanoTime();
                long n = 0;
                long elapsed;
                do {
                    n += rig.forward(chunk);
                    elapsed = System.nanoTime() - t0;
                } while (elapsed < budget.measureNanos());
                allocated += allocatedHere() - a0;
                long router = rig.routerNanos() - r0;
                rates[t] = n * 1e9 / router;
                packets += n;
                nanos += elapsed;
                routerNanos += router;
            }
            if (rig.unexpectedFrames() != 0) {
                throw new IllegalStateException("the sink saw " + rig.unexpectedFrames() + " frames it did not expect");
            }
            return new BenchResult(BenchResult.FORWARD, "netstack4j", mode.cliName(), packets, nanos / 1e9,
                    median(rates), packets * 1e9 / nanos, null, (double) allocated / packets, 0);
        }
    }

    /** A pause between two clock reads at least this long counts as the machine stalling the thread. */
    static final long STALL_NANOS = 10_000;

    /**
     * The machine's own noise floor for the latency figures: a busy loop of {@code workNanos} (as long
     * as netstack4j's median echo), timed exactly as the echoes are, while counting how often the
     * thread stalls (a gap of {@link #STALL_NANOS} or more between two clock reads: the thread
     * preempted, the host's timer, the hypervisor). Whatever its tail shows no code on this machine
     * can beat: work that meets a stall more often than once in a thousand has its p99.9 there.
     */
    BenchResult.NoiseFloor noiseFloor(long workNanos) {
        Histogram h = histogram();
        long start0 = System.nanoTime();
        long end = start0 + budget.measureNanos() * budget.trials();
        long stalls = 0;
        long stalledNanos = 0;
        long now = start0;
        while (now < end) {
            long start = now;
            while (now - start < workNanos) {
                long read = System.nanoTime();
                if (read - now >= STALL_NANOS) {
                    stalls++;
                    stalledNanos += read - now;
                }
                now = read;
            }
            h.recordValue(now - start);
        }
        double seconds = (now - start0) / 1e9;
        BenchResult.NoiseFloor floor = new BenchResult.NoiseFloor(latency(h), workNanos, stalls / seconds,
                stalledNanos / 1e9 / seconds);
        progress.accept(String.format(Locale.ROOT, "machine noise floor (a %.2f us busy loop timed like an echo): "
                        + "p50 %.1f us, p99 %.1f us, p99.9 %.1f us; %,.0f stalls of 10 us or more a second (%.1f%% of the time)",
                workNanos / 1e3, h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3, floor.stallsPerSecond(), 100 * floor.stalledFraction()));
        return floor;
    }

    // ==== The JDK ========================================================================

    BenchResult jdkOneWay(JdkUdp.Arrangement arrangement) throws Exception {
        try (JdkUdp u = JdkUdp.open(arrangement, PAYLOAD, false)) {
            int chunk = budget.chunk();
            if (arrangement == JdkUdp.Arrangement.ONE_THREAD) {
                runFor(budget.warmupNanos(), () -> oneThreadChunk(u, chunk));
            } else {
                runFor(budget.warmupNanos(), () -> {
                    u.send(chunk);
                    return chunk;
                });
            }
            double[] rates = new double[budget.trials()];
            long received = 0;
            long sent = 0;
            long nanos = 0;
            long allocated = 0;
            for (int t = 0; t < budget.trials(); t++) {
                long a0 = allocated(u.serverThread());
                long r0 = u.serverReceived();
                long t0 = System.nanoTime();
                long n = 0;
                long s = 0;
                long elapsed;
                do {
                    if (arrangement == JdkUdp.Arrangement.ONE_THREAD) {
                        n += oneThreadChunk(u, chunk);
                    } else {
                        u.send(chunk);
                    }
                    s += chunk;
                    elapsed = System.nanoTime() - t0;
                } while (elapsed < budget.measureNanos());
                if (arrangement != JdkUdp.Arrangement.ONE_THREAD) {
                    n = u.serverReceived() - r0; // what the receiver took while we sent (the rest was dropped)
                }
                allocated += allocated(u.serverThread()) - a0;
                rates[t] = n * 1e9 / elapsed;
                received += n;
                sent += s;
                nanos += elapsed;
            }
            double loss = sent == 0 ? 0 : Math.max(0, 1 - (double) received / sent);
            return new BenchResult(BenchResult.UDP_ONE_WAY, "jdk", arrangement.label, received, nanos / 1e9,
                    median(rates), Double.NaN, null, (double) allocated / Math.max(1, received), loss);
        }
    }

    private static long oneThreadChunk(JdkUdp u, int chunk) throws IOException {
        long n = 0;
        for (int i = 0; i < chunk; i += BATCH) {
            n += u.sendAndDrain(BATCH);
        }
        return n;
    }

    BenchResult jdkEcho(JdkUdp.Arrangement arrangement) throws Exception {
        try (JdkUdp u = JdkUdp.open(arrangement, PAYLOAD, true)) {
            return echo(BenchResult.UDP_ECHO, "jdk", arrangement.label, u::echoOnce, () -> allocated(u.serverThread()));
        }
    }

    @FunctionalInterface
    private interface EchoOnce {
        void run() throws Exception;
    }

    /**
     * Echo round trips one at a time, each timed into a histogram; the rate, latency and the bytes
     * allocated per packet (two packets per echo) as {@code allocation} counts them.
     */
    private BenchResult echo(String test, String stack, String variant, EchoOnce once, LongSupplier allocation)
            throws Exception {
        runFor(budget.warmupNanos(), () -> {
            for (int i = 0; i < 256; i++) {
                once.run();
            }
            return 256;
        });
        Histogram h = histogram();
        double[] rates = new double[budget.trials()];
        long nanos = 0;
        long allocated = 0;
        for (int t = 0; t < budget.trials(); t++) {
            long a0 = allocation.getAsLong();
            long t0 = System.nanoTime();
            long end = t0 + budget.measureNanos();
            long n = 0;
            long now = t0;
            do {
                once.run();
                long after = System.nanoTime();
                h.recordValue(after - now);
                now = after;
                n++;
            } while (now < end);
            allocated += allocation.getAsLong() - a0;
            rates[t] = n * 1e9 / (now - t0);
            nanos += now - t0;
        }
        long echoes = h.getTotalCount();
        return new BenchResult(test, stack, variant, echoes, nanos / 1e9,
                median(rates), Double.NaN, latency(h), (double) allocated / (2 * echoes), 0);
    }

    // ==== Helpers ========================================================================

    @FunctionalInterface
    private interface Chunk {
        long run() throws Exception;
    }

    private static void runFor(long nanos, Chunk chunk) throws Exception {
        long end = System.nanoTime() + nanos;
        do {
            chunk.run();
        } while (System.nanoTime() < end);
    }

    /** Heap bytes allocated so far by this thread. */
    private long allocatedHere() {
        return threads.getCurrentThreadAllocatedBytes();
    }

    /** Heap bytes allocated so far by this thread and {@code other} (if not null). */
    private long allocated(Thread other) {
        long n = allocatedHere();
        if (other != null) {
            n += Math.max(0, threads.getThreadAllocatedBytes(other.threadId()));
        }
        return n;
    }

    /** Round trips up to 10 s in nanoseconds, 3 significant digits; recording allocates nothing. */
    private static Histogram histogram() {
        return new Histogram(10_000_000_000L, 3);
    }

    private static BenchResult.Latency latency(Histogram h) {
        return new BenchResult.Latency(h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3, h.getMean() / 1e3);
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
