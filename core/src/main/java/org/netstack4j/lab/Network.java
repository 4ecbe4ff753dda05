package org.netstack4j.lab;

import org.netstack4j.driver.DriverConfig;
import org.netstack4j.driver.E1000Driver;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.Applications;
import org.netstack4j.exec.CpuThread;
import org.netstack4j.exec.RealTimeline;
import org.netstack4j.exec.SimulatedApplications;
import org.netstack4j.exec.Simulation;
import org.netstack4j.exec.Timeline;
import org.netstack4j.hw.link.Cable;
import org.netstack4j.hw.link.Capture;
import org.netstack4j.hw.link.Connector;
import org.netstack4j.hw.link.ExternalMedium;
import org.netstack4j.hw.link.Link;
import org.netstack4j.hw.link.PcapWriter;
import org.netstack4j.stack.Host;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.stack.NetInterface;
import org.netstack4j.wire.Ipv4Cidr;
import org.netstack4j.wire.MacAddress;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * A virtual network of netstack4j hosts: machines with E1000 cards, a host stack on each, cables
 * between them (optionally captured to pcap), run either on real threads in real time or inside
 * one deterministic simulation. Application code runs through {@link #run}.
 */
public final class Network implements AutoCloseable {
    private static final long RUN_TIMEOUT_NANOS = 120_000_000_000L;

    /** One host: its machine (CPU, memory, cards) and its stack. */
    public record Node(Machine machine, Host host) {
        public NetInterface nic(int i) {
            return host.interfaces().get(i);
        }
    }

    private final Timeline timeline;
    private final Simulation sim;
    private final Applications apps;
    private final long seed;
    private final List<Node> nodes = new ArrayList<>();
    private final List<Machine> bareMachines = new ArrayList<>();
    private final List<Cable> cables = new ArrayList<>();
    private final List<ExternalMedium> media = new ArrayList<>();
    private final List<CpuThread> threads = new ArrayList<>();
    private final java.util.Map<Machine, CpuThread> threadOf = new java.util.HashMap<>();
    private boolean sharedCpuThread;
    private PcapWriter capture;
    private boolean started;
    private int machineTxBuffers = 1024;
    private long machineDmaBytes = 16L << 20;

    private Network(Timeline timeline, Simulation sim, Applications apps, long seed) {
        this.timeline = timeline;
        this.sim = sim;
        this.apps = apps;
        this.seed = seed;
    }

    /** Everything in simulated time on the calling thread: the same seed, the same run. */
    public static Network simulated(long seed) {
        Simulation sim = new Simulation();
        return new Network(sim, sim, new SimulatedApplications(sim), seed);
    }

    /** Each machine's CPU on its own thread, applications on virtual threads, real time. */
    public static Network real(long seed) {
        return real(seed, Applications.real());
    }

    /** Real time with applications started as {@code apps} starts them (platform threads, say). */
    public static Network real(long seed, Applications apps) {
        return new Network(new RealTimeline(apps.failures()), null, apps, seed);
    }

    public boolean isSimulated() {
        return sim != null;
    }

    /** The simulation driving this network, or null on real threads (benchmarks step it themselves). */
    public Simulation simulation() {
        return sim;
    }

    public Applications applications() {
        return apps;
    }

    public Timeline timeline() {
        return timeline;
    }

    /**
     * Machines made after this call get a transmit pool of {@code txBuffers} and {@code dmaBytes}
     * of DMA memory (defaults 1024 and 16 MB). A network rebuilt many times (a sweep) saves the
     * time of clearing memory it never uses.
     */
    public Network machineSize(int txBuffers, long dmaBytes) {
        if (txBuffers < 1 || dmaBytes < 1 << 20) {
            throw new IllegalArgumentException("a machine needs at least one transmit buffer and 1 MB of DMA memory");
        }
        this.machineTxBuffers = txBuffers;
        this.machineDmaBytes = dmaBytes;
        return this;
    }

    /** Writes every frame on every cable made after this call to {@code path}. */
    public void capture(Path path) throws IOException {
        capture = new PcapWriter(path, sim != null ? sim : PcapWriter.wallClock());
    }

    /** A machine with one E1000 and a host stack at {@code address} (a.b.c.d/prefix). */
    public Node addHost(String name, MacAddress mac, String address, WakeMode mode, HostConfig config) {
        DriverConfig driver = DriverConfig.of(mode);
        return addHost(name, mac, address, driver, driver.rxRingSize(), config);
    }

    /**
     * A machine with one E1000 driven as {@code driver} says, a receive pool of the ring plus
     * {@code spareRxBuffers}, and a host stack at {@code address} (a.b.c.d/prefix).
     */
    public Node addHost(String name, MacAddress mac, String address, DriverConfig driver, int spareRxBuffers,
                        HostConfig config) {
        // Transmit buffers for the card's largest frame, the headroom in front of it, and room for a TCP
        // header's options beyond what the MTU counts (so a full-sized segment fits whatever the options).
        Machine machine = new Machine(name, timeline, machineTxBuffers, machineDmaBytes,
                Math.max(E1000Driver.RX_BUFFER_SIZE, driver.maxFrame() + Machine.TX_HEADROOM + 64));
        Host host = new Host(name, machine.cpu(), timeline, machine.dma(), machine.txPool(), apps,
                config.withSeed(seed ^ (config.seed() * 31 + nodes.size())));
        Node node = new Node(machine, host);
        nodes.add(node);
        addInterface(node, "eth0", mac, address, driver, spareRxBuffers);
        return node;
    }

    /** Another card on {@code node}, with its own address. */
    public NetInterface addInterface(Node node, String ifName, MacAddress mac, String address, WakeMode mode) {
        DriverConfig driver = DriverConfig.of(mode);
        return addInterface(node, ifName, mac, address, driver, driver.rxRingSize());
    }

    /** Another card on {@code node}, driven as {@code driver} says, with its own address and receive pool. */
    public NetInterface addInterface(Node node, String ifName, MacAddress mac, String address, DriverConfig driver,
                                     int spareRxBuffers) {
        Nic nic = node.machine().addNic(ifName, mac, driver, spareRxBuffers);
        Ipv4Cidr cidr = Ipv4Cidr.parse(address);
        return node.host().addInterface(ifName, nic.driver(), cidr.address(), cidr.prefix());
    }

    /**
     * A machine without a host stack (a traffic generator, a sink): the caller adds its cards and
     * drives them directly. Its CPU runs with the others from {@link #start}, and {@link #close}
     * tears it down.
     */
    public Machine addMachine(String name) {
        if (started) {
            throw new IllegalStateException("add machines before start");
        }
        Machine machine = new Machine(name, timeline, machineTxBuffers, machineDmaBytes);
        bareMachines.add(machine);
        return machine;
    }

    /**
     * A bare machine with one E1000 ({@code eth0}) and no host stack, run with the others: tests
     * bring its driver up themselves and use it to put raw frames on the wire and see what comes back.
     */
    public Machine addMachine(String name, MacAddress mac, WakeMode mode) {
        Machine machine = addMachine(name);
        machine.addNic("eth0", mac, DriverConfig.of(mode));
        return machine;
    }

    /** A cable between interface {@code ia} of {@code a} and {@code ib} of {@code b}. */
    public Cable cable(Node a, int ia, Node b, int ib) {
        return cable(a.machine(), ia, b.machine(), ib);
    }

    /** A cable between card {@code ia} of machine {@code a} and card {@code ib} of machine {@code b}. */
    public Cable cable(Machine a, int ia, Machine b, int ib) {
        return connect(a.nics().get(ia).card(), b.nics().get(ib).card());
    }

    /** A cable between interface {@code ia} of {@code a} and the card of a bare machine. */
    public Cable cable(Node a, int ia, Machine m) {
        return cable(a.machine(), ia, m, 0);
    }

    private Cable connect(Connector cardA, Connector cardB) {
        return connect(cardA, cardB, UnaryOperator.identity());
    }

    /** The capture, if any, sees what enters the wire; {@code wrap} (faults, a partition) acts after it. */
    private Cable connect(Connector cardA, Connector cardB, UnaryOperator<Link> wrap) {
        PcapWriter writer = capture;
        Cable cable = Cable.connect(cardA, cardB,
                link -> writer == null ? wrap.apply(link) : Capture.wrap(wrap.apply(link), writer));
        cables.add(cable);
        return cable;
    }

    public Cable cable(Node a, Node b) {
        return cable(a, 0, b, 0);
    }

    /**
     * A cable between the first interfaces of {@code a} and {@code b} with {@code wrap} on each
     * direction, {@code a→b} first: a fault injector per direction, say. The wrappers are the
     * caller's to close.
     */
    public Cable cable(Node a, Node b, UnaryOperator<Link> wrap) {
        return connect(a.machine().nics().get(0).card(), b.machine().nics().get(0).card(), wrap);
    }

    /**
     * Plugs interface {@code nic} of {@code node} into a medium outside this JVM (a TAP device),
     * captured like a cable if {@link #capture} was called. The network owns the medium from here
     * on: {@link #close()} closes it first, so no frame arrives while the hosts are torn down.
     * Real time only: frames from outside arrive when they arrive.
     */
    public void plug(Node node, int nic, ExternalMedium medium) {
        plug(node, nic, medium, UnaryOperator.identity());
    }

    /**
     * As {@link #plug(Node, int, ExternalMedium)}, with {@code wrap} (a fault injector, say) put
     * between the card and the medium each way, outside the capture: on the way out the capture
     * records what the wrapper let through, on the way in what reached the card.
     */
    public void plug(Node node, int nic, ExternalMedium medium, UnaryOperator<Link> wrap) {
        if (sim != null) {
            throw new IllegalStateException("a medium outside the JVM needs real time, not a simulation");
        }
        var card = node.machine().nics().get(nic).card();
        PcapWriter w = capture;
        medium.connect(card, w == null ? wrap : link -> wrap.apply(Capture.wrap(link, w)));
        media.add(medium);
    }


    /** Brings every host up and starts the CPUs. */
    public void start() {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        List<Machine> machines = new ArrayList<>();
        for (Node n : nodes) {
            n.host().start();
            machines.add(n.machine());
        }
        machines.addAll(bareMachines);
        if (sim == null && sharedCpuThread) {
            CpuThread shared = new CpuThread(machines.stream().map(Machine::cpu).toList(), apps.failures());
            threads.add(shared);
            machines.forEach(m -> threadOf.put(m, shared));
            return;
        }
        for (Machine m : machines) {
            if (sim != null) {
                sim.add(m.cpu());
            } else {
                CpuThread t = new CpuThread(m.cpu(), apps.failures());
                threads.add(t);
                threadOf.put(m, t);
            }
        }
    }

    /**
     * In real time, runs every machine's CPU on one thread (as the simulation runs them), instead
     * of a thread each: on a machine with few cores, fewer threads than cores to hand work between.
     * Call before {@link #start}.
     */
    public Network sharingOneCpuThread() {
        if (started) {
            throw new IllegalStateException("already started");
        }
        sharedCpuThread = true;
        return this;
    }

    /**
     * Starts a long-running application thread (a server); it ends when the network closes or it
     * returns. If it dies of an exception, the network's next {@link #run}, step of the simulation
     * or {@link #close} throws that cause: a server loop must catch only what it expects.
     */
    public Thread startApplication(String name, Runnable body) {
        return apps.start(name, body);
    }

    /**
     * Runs {@code body} as an application and returns its result. In simulated time the simulation
     * runs (on this thread) until the application finishes; in real time the body runs here.
     */
    public <T> T run(String name, Callable<T> body) throws Exception {
        if (sim == null) {
            T result = body.call();
            apps.failures().throwIfAny(); // a server or CPU that died meanwhile fails the run too
            return result;
        }
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        var finished = new java.util.concurrent.atomic.AtomicBoolean();
        apps.start(name, () -> {
            try {
                result.set(body.call());
            } catch (Throwable e) { // assertion errors too: they must fail the caller, not vanish
                failure.set(e);
            } finally {
                finished.set(true);
            }
        });
        if (!sim.runUntil(finished::get, sim.nanos() + RUN_TIMEOUT_NANOS)) {
            throw new IllegalStateException(name + " did not finish within " + RUN_TIMEOUT_NANOS / 1_000_000_000L
                    + " simulated seconds");
        }
        Throwable f = failure.get();
        if (f instanceof Exception e) {
            throw e;
        }
        if (f instanceof Error e) {
            throw e;
        }
        return result.get();
    }

    /** In simulated time, lets the network run for {@code nanos} (timers, retries); in real time, sleeps. */
    public void idle(long nanos) throws InterruptedException {
        if (sim != null) {
            sim.runFor(nanos);
        } else {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        }
    }

    public List<Node> nodes() {
        return List.copyOf(nodes);
    }

    /** What the real thread running {@code node}'s CPU has done (null in simulated time, or before start). */
    public CpuThread.Figures cpuThreadFigures(Node node) {
        CpuThread t = threadOf.get(node.machine());
        return t == null ? null : t.figures();
    }

    /** The machines added by {@link #addMachine}. */
    public List<Machine> machines() {
        return List.copyOf(bareMachines);
    }

    public PcapWriter captureWriter() {
        return capture;
    }

    /** True if every pool of every machine holds all its buffers (call after {@link #close}). */
    public boolean poolsFull() {
        for (Node n : nodes) {
            if (!n.machine().poolsFull() || !n.host().largePoolFull() || !n.host().tcp().memory().isFull()) {
                return false;
            }
        }
        for (Machine m : bareMachines) {
            if (!m.poolsFull()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Stops the CPUs, tears every host down (returning all buffers) and closes the capture; then
     * throws what any thread of the network died of (application, CPU or timer thread) and was
     * not thrown yet, as a {@link org.netstack4j.exec.ThreadFailures.ThreadFailedException}.
     */
    @Override
    public void close() throws IOException {
        try {
            if (sim != null && apps instanceof SimulatedApplications simApps) {
                // Let application threads that were woken by a close (servers) see it and end,
                // rather than stay parked for ever.
                sim.runUntil(simApps::allFinished, sim.nanos() + 1_000_000_000L);
            }
        } finally {
            tearDown();
        }
        apps.failures().throwIfAny();
    }

    private void tearDown() throws IOException {
        for (ExternalMedium m : media) {
            m.close();
            if (m.receiverFailure() != null) {
                apps.failures().record(m.describe() + " receiver", m.receiverFailure());
            }
        }
        for (CpuThread t : threads) {
            t.close();
        }
        threads.clear();
        for (Node n : nodes) {
            n.host().stop();
        }
        for (Node n : nodes) {
            n.machine().close();
        }
        for (Machine m : bareMachines) {
            m.close();
        }
        if (capture != null) {
            capture.close();
        }
        if (timeline instanceof RealTimeline real) {
            real.close();
        }
    }
}
