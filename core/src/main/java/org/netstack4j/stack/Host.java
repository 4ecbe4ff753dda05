package org.netstack4j.stack;

import org.netstack4j.buffer.BufferPool;
import org.netstack4j.buffer.DmaMemory;
import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.driver.NetDevice;
import org.netstack4j.exec.Applications;
import org.netstack4j.exec.Cpu;
import org.netstack4j.exec.Job;
import org.netstack4j.exec.Timeline;
import org.netstack4j.exec.Timer;
import org.netstack4j.wire.Ipv4Address;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One host's protocol software, owned by one CPU: its event loop. Received frames arrive from
 * the drivers on that CPU; application threads hand work over through a queue ({@link #handOff},
 * {@link #call}) and wait through {@link Applications}; timers fire on the host's timeline and
 * schedule work on the CPU. Nothing here takes a lock.
 */
public final class Host {
    /** Headroom of large buffers: room for Ethernet and an IPv4 header in front of a datagram. */
    private static final int LARGE_HEADROOM = 128;
    /** Large buffers hold a whole reassembled datagram: 60 bytes of header room plus 64 KB. */
    static final int LARGE_SIZE = LARGE_HEADROOM + 60 + 65_536;
    private static final long CALL_TIMEOUT_NANOS = 10_000_000_000L;

    private final String name;
    private final Cpu cpu;
    private final Timeline timeline;
    private final Applications apps;
    private final BufferPool txPool;
    private final BufferPool largePool;
    private final HostConfig config;
    private final StackCounters counters = new StackCounters();
    private final List<NetInterface> interfaces = new ArrayList<>();
    /** The same interfaces as an array: the packet path loops over it without an iterator. */
    private NetInterface[] interfaceArray = new NetInterface[0];
    private final RouteTable routes = new RouteTable();
    private final Ipv4Layer ip;
    private final IcmpLayer icmp;
    private final UdpLayer udp;
    private final TcpLayer tcp;
    private final HandoffQueue<Object> handoff;
    private final Job loopJob;
    private final Job tickJob;
    private final Timer tickTimer;
    private final SplittableRandom random;
    private final PacketBuffer[] backlogFrames;
    private final NetInterface[] backlogInterfaces;
    private int backlogHead;
    private int backlogCount;
    private int batchDepth;
    private boolean tickArmed;
    private volatile boolean started;
    private int openEndpoints;
    /** Closes on their way to the loop: a lock-free stack linked through {@link Endpoint#nextClose}. */
    private final AtomicReference<Endpoint> closeRequests = new AtomicReference<>();

    /**
     * @param dma    the machine's DMA memory: large buffers for reassembly and fragmentation live there
     * @param txPool buffers for frames this host builds; used only on this host's CPU
     */
    public Host(String name, Cpu cpu, Timeline timeline, DmaMemory dma, BufferPool txPool, Applications apps,
                HostConfig config) {
        this.name = name;
        this.cpu = cpu;
        this.timeline = timeline;
        this.apps = apps;
        this.txPool = txPool;
        this.config = config;
        this.largePool = new BufferPool(name + "-large", dma, config.reassemblyCollectors() + 4, LARGE_SIZE,
                LARGE_HEADROOM);
        this.random = new SplittableRandom(config.seed() ^ name.hashCode());
        this.ip = new Ipv4Layer(this, config);
        this.icmp = new IcmpLayer(this, config);
        this.udp = new UdpLayer(this);
        this.tcp = new TcpLayer(this, cpu, timeline, org.netstack4j.stack.tcp.TcpConfig.DEFAULT, 65_536,
                64L << 20, config.seed() * 31 + name.hashCode() + 6);
        this.handoff = new HandoffQueue<>(2 * config.maxSockets() + 64);
        this.backlogFrames = new PacketBuffer[config.backlog()];
        this.backlogInterfaces = new NetInterface[config.backlog()];
        this.loopJob = cpu.newJob(name + "-loop", this::loop);
        this.tickJob = cpu.newJob(name + "-timers", this::tick);
        this.tickTimer = timeline.newTimer(name + "-timers", tickJob::schedule);
    }

    // ==== Configuration (before start) ====================================================

    /** Adds an interface with {@code address/prefix} and a route to its subnet. */
    public NetInterface addInterface(String ifName, NetDevice device, int address, int prefix) {
        if (started) {
            throw new IllegalStateException("add interfaces before start");
        }
        NetInterface nic = new NetInterface(this, ifName, device, address, prefix, config);
        interfaces.add(nic);
        interfaceArray = interfaces.toArray(NetInterface[]::new);
        routes.add(new Route(address, prefix, 0, nic));
        return nic;
    }

    public void addRoute(int network, int prefix, int gateway, NetInterface via) {
        routes.add(new Route(network, prefix, gateway, via));
    }

    public void setDefaultGateway(int gateway) {
        for (NetInterface nic : interfaces) {
            if (Ipv4Address.sameSubnet(gateway, nic.address(), nic.prefix())) {
                routes.add(new Route(0, 0, gateway, nic));
                return;
            }
        }
        throw new IllegalArgumentException("gateway " + Ipv4Address.format(gateway) + " is on no interface's subnet");
    }

    /**
     * Gives {@code nic} a new address (0: none), replacing its routes: the subnet's, and a default
     * route through {@code gateway} if not 0; announces the address by gratuitous ARP. DHCP uses
     * this (application threads; runs on the loop).
     */
    public void configure(NetInterface nic, int address, int prefix, int gateway) throws SocketException {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("prefix must be 0..32: " + prefix);
        }
        call(() -> {
            routes.removeVia(nic);
            nic.reconfigure(address, prefix);
            routes.add(new Route(address, prefix, 0, nic));
            if (gateway != 0) {
                routes.add(new Route(0, 0, gateway, nic));
            }
            if (address != 0) {
                nic.neighbors().announce();
            }
            return null;
        });
    }

    private volatile List<Integer> dnsServers = List.of();

    /** Name servers learnt (DHCP option 6) or set; empty if none. */
    public List<Integer> dnsServers() {
        return dnsServers;
    }

    public void setDnsServers(List<Integer> servers) {
        dnsServers = List.copyOf(servers);
    }

    /** A static ARP entry (RTnet's deterministic mode: no resolution traffic at all). */
    public void addStaticNeighbor(NetInterface nic, int address, long mac) {
        nic.neighbors().addStatic(address, mac);
    }

    /**
     * Brings every interface up and announces their addresses. Call before the CPU runs (or on it);
     * the gratuitous ARP goes out on the loop.
     */
    public void start() {
        if (started) {
            throw new IllegalStateException(name + " is already started");
        }
        for (NetInterface nic : interfaces) {
            Job waiter = cpu.newJob(name + "-" + nic.name() + "-txq", () -> {
                nic.drainTxQueue();
                return Job.Result.DONE;
            });
            nic.bringUp(waiter);
        }
        started = true;
        handoff.offer(new LoopCall<>(() -> {
            for (NetInterface nic : interfaces) {
                if (nic.address() != 0) {
                    nic.neighbors().announce();
                }
            }
            return null;
        }, null));
        loopJob.schedule();
    }

    /** Tears the interfaces down and returns every buffer. The CPU must have stopped. */
    public void stop() {
        if (!started) {
            return;
        }
        started = false;
        tickTimer.cancel();
        tcp.stop();
        for (int i = 0; i < backlogCount; i++) {
            backlogFrames[(backlogHead + i) % backlogFrames.length].release();
        }
        backlogCount = 0;
        ip.reassembler().clear();
        for (NetInterface nic : interfaces) {
            nic.neighbors().clearPending();
            nic.tearDown();
        }
    }

    // ==== The loop ========================================================================

    private Job.Result loop() {
        batchDepth++;
        runCloses();
        int n = 0;
        Object work;
        while (n < 256 && (work = handoff.poll()) != null) {
            n++;
            if (work instanceof Endpoint e) {
                e.drainSendRing();
            } else {
                ((LoopCall<?>) work).run();
            }
        }
        int frames = 0;
        while (backlogCount > 0 && frames < 64) {
            PacketBuffer frame = backlogFrames[backlogHead];
            NetInterface nic = backlogInterfaces[backlogHead];
            backlogFrames[backlogHead] = null;
            backlogInterfaces[backlogHead] = null;
            backlogHead = (backlogHead + 1) % backlogFrames.length;
            backlogCount--;
            frames++;
            nic.input(frame);
        }
        endBatch();
        return n == 256 || backlogCount > 0 ? Job.Result.MORE : Job.Result.DONE;
    }

    /** A frame from an interrupt handler, for the protocol job. Dropped and counted when the backlog is full. */
    void backlog(NetInterface nic, PacketBuffer frame) {
        if (backlogCount == backlogFrames.length) {
            counters.count(Counter.ETH_BACKLOG_FULL);
            frame.release();
            return;
        }
        int at = (backlogHead + backlogCount) % backlogFrames.length;
        backlogFrames[at] = frame;
        backlogInterfaces[at] = nic;
        backlogCount++;
        loopJob.schedule();
    }

    boolean batching() {
        return batchDepth > 0;
    }

    /** Defers every interface's tail write until the matching {@link #endBatch} (nests). */
    void beginBatch() {
        batchDepth++;
    }

    /** Ends a batch; the outermost end flushes every interface once. */
    void endBatch() {
        if (--batchDepth == 0) {
            for (NetInterface nic : interfaceArray) {
                nic.flush();
            }
        }
    }

    /** Asks for the timer job soon (ARP retries, reassembly timeouts). */
    void needTick() {
        if (!tickArmed) {
            tickArmed = true;
            tickTimer.armAfter(config.arpRetryNanos() / 10);
        }
    }

    private Job.Result tick() {
        tickArmed = false;
        batchDepth++;
        long now = nanos();
        boolean active = false;
        for (NetInterface nic : interfaceArray) {
            active |= nic.neighbors().tick(now);
        }
        active |= ip.reassembler().tick(now);
        endBatch();
        if (active) {
            needTick();
        }
        return Job.Result.DONE;
    }

    // ==== Hand-off from application threads ================================================

    /** An endpoint has datagrams to send (any thread). */
    void handOff(Endpoint e) {
        while (!handoff.offer(e)) {
            Thread.onSpinWait(); // sized for every endpoint twice over: only a burst of calls fills it
        }
        loopJob.schedule();
    }

    /** Work an application thread runs on the loop and waits for. */
    @FunctionalInterface
    interface LoopTask<T> {
        T run() throws SocketException;
    }

    /**
     * A task on its way to the loop. Its state settles who owns it: the loop takes a pending call
     * by moving it to RUNNING, and a caller that stops waiting takes it back by moving it to
     * ABANDONED; only one of them can win. So a call whose caller gave up is never run later: it
     * cannot create an endpoint nobody holds, or bind a port the caller believes unbound.
     */
    static final class LoopCall<T> {
        private static final int PENDING = 0;
        private static final int RUNNING = 1;
        private static final int DONE = 2;
        private static final int ABANDONED = 3;
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(LoopCall.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final LoopTask<T> task;
        private final Thread caller;
        private volatile int state; // PENDING at first; changed through STATE
        private T result;
        private SocketException failure;
        private Applications apps;

        LoopCall(LoopTask<T> task, Thread caller) {
            this.task = task;
            this.caller = caller;
        }

        /** Loop: runs the task unless its caller has given up on it. */
        void run() {
            if (!STATE.compareAndSet(this, PENDING, RUNNING)) {
                return; // abandoned: the caller was told it failed, so it must have no effect
            }
            try {
                result = task.run();
            } catch (SocketException e) {
                failure = e;
            } catch (RuntimeException e) {
                failure = new SocketException(e.toString());
            }
            state = DONE;
            if (caller != null) {
                apps.wake(caller);
            }
        }

        boolean done() {
            return state == DONE;
        }

        /** Caller: gives up on a call the loop has not started. False if the loop already has it. */
        boolean abandon() {
            return STATE.compareAndSet(this, PENDING, ABANDONED);
        }
    }

    /**
     * Runs {@code task} on the loop and waits for its result (application threads). If the loop
     * does not get to it within 10 s the call fails, and the task will never run: a timed-out
     * call has no effect. Once the loop has started a task, the caller waits for it to finish.
     */
    <T> T call(LoopTask<T> task) throws SocketException {
        if (!started) {
            // A stopped host is closed for every application: the one verdict that ends a server loop
            // (a loop that took it for a passing fault would spin on it for ever).
            throw new SocketClosedException("host " + name + " is not running");
        }
        LoopCall<T> call = new LoopCall<>(task, Thread.currentThread());
        call.apps = apps;
        if (!handoff.offer(call)) {
            throw new SocketException("host " + name + " is too busy to take the call");
        }
        loopJob.schedule();
        long deadline = apps.clock().nanos() + CALL_TIMEOUT_NANOS;
        while (!call.done()) {
            if (apps.clock().nanos() >= deadline) {
                if (call.abandon()) {
                    throw new SocketException("host " + name + " did not answer within 10 s (nothing was done)");
                }
                deadline = Long.MAX_VALUE; // the loop is running it now: its end is near
            }
            apps.block(deadline);
        }
        if (call.failure != null) {
            throw call.failure;
        }
        return call.result;
    }

    // ==== Sockets' entry points ===========================================================

    /** A new, unbound UDP endpoint (application threads). */
    public UdpEndpoint openUdp() throws SocketException {
        return call(() -> {
            reserveEndpoint();
            return new UdpEndpoint(this, config.socketReceiveBytes(), config.socketSendBytes());
        });
    }

    /** Binds {@code e} to {@code address:port} (port 0: an ephemeral port). */
    public void bindUdp(UdpEndpoint e, int address, int port) throws SocketException {
        e.ensureOpen();
        call(() -> {
            udp.bind(e, address, port);
            return null;
        });
    }

    /** Fixes the peer of {@code e}: sends default to it and datagrams from others are dropped. */
    public void connectUdp(UdpEndpoint e, int address, int port) throws SocketException {
        e.ensureOpen();
        if (port < 1 || port > 65535) {
            throw new SocketException("port out of range: " + port);
        }
        call(() -> {
            if (e.localPort == 0) {
                udp.bind(e, 0, 0);
            }
            e.remoteAddress = address;
            e.remotePort = port;
            return null;
        });
    }

    /**
     * Resolves {@code address} on the interface whose subnet holds it, asking by ARP if needed;
     * returns the MAC, or -1 if no answer came within {@code timeoutNanos} (application threads).
     */
    public long resolve(int address, long timeoutNanos) throws SocketException {
        NetInterface nic = null;
        for (NetInterface n : interfaces) {
            if (Ipv4Address.sameSubnet(address, n.address(), n.prefix())) {
                nic = n;
            }
        }
        if (nic == null) {
            throw new SocketException(Ipv4Address.format(address) + " is on no attached subnet");
        }
        NetInterface on = nic;
        long deadline = apps.clock().nanos() + timeoutNanos;
        call(() -> {
            on.neighbors().solicit(address);
            return null;
        });
        while (true) {
            long mac = call(() -> on.neighbors().lookup(address));
            if (mac != -1 || apps.clock().nanos() >= deadline) {
                return mac;
            }
            apps.block(Math.min(deadline, apps.clock().nanos() + 1_000_000)); // look again in 1 ms
        }
    }

    /** Largest echo payload: what an IPv4 datagram of 65,535 bytes holds after 20 of IP and 8 of ICMP header. */
    public static final int MAX_ECHO_PAYLOAD = 65_535 - 20 - 8;

    /**
     * A new ping endpoint with a fresh identifier, for requests (and replies) of up to {@code maxPayload}
     * bytes: its rings hold at least two of the largest (a reply is queued with its arrival time, 8
     * bytes more), and at least 64 KB.
     */
    public EchoEndpoint openEcho(int maxPayload) throws SocketException {
        if (maxPayload < 8 || maxPayload > MAX_ECHO_PAYLOAD) {
            throw new IllegalArgumentException("echo payload must be 8.." + MAX_ECHO_PAYLOAD + " bytes: " + maxPayload);
        }
        int ringBytes = Math.max(64 * 1024, DatagramRing.capacityFor(maxPayload + 8, 2));
        return call(() -> {
            reserveEndpoint();
            return icmp.register(this, ringBytes);
        });
    }

    /**
     * Closes {@code e}: what it queued goes out, later sends fail, and its port is free again.
     * The close cannot be refused: it does not take a place in the hand-off queue (which may be
     * full) but goes on a list of its own that the loop empties first, so it reaches the loop
     * however busy the host is. Waits up to 10 s for the loop to have done it; if the loop is
     * stalled longer, returns anyway, and the loop closes the endpoint when it runs again.
     */
    public void close(Endpoint e) {
        if (!e.markClosed()) {
            return;
        }
        e.wakeAll();
        e.closer = Thread.currentThread();
        Endpoint head;
        do {
            head = closeRequests.get();
            e.nextClose = head;
        } while (!closeRequests.compareAndSet(head, e));
        loopJob.schedule();
        long deadline = apps.clock().nanos() + CALL_TIMEOUT_NANOS;
        while (started && !e.closedOnLoop && apps.clock().nanos() < deadline) {
            apps.block(deadline);
        }
    }

    /** Loop: closes every endpoint whose close was asked for since the last time. */
    private void runCloses() {
        // Almost always there is none: a plain read spares each loop pass the atomic swap.
        if (closeRequests.get() == null) {
            return;
        }
        Endpoint e = closeRequests.getAndSet(null);
        while (e != null) {
            Endpoint next = e.nextClose;
            e.nextClose = null;
            e.closeOnLoop();
            openEndpoints--;
            e.closedOnLoop = true;
            Thread closer = e.closer;
            if (closer != null) {
                apps.wake(closer);
            }
            e = next;
        }
    }

    /** Open endpoints (loop; tests read it when the loop is idle). */
    int openEndpoints() {
        return openEndpoints;
    }

    private void reserveEndpoint() throws SocketException {
        if (openEndpoints >= config.maxSockets()) {
            throw new SocketException("too many open sockets on " + name + " (limit " + config.maxSockets() + ")");
        }
        openEndpoints++;
    }

    // ==== What the layers share ===========================================================

    long nanos() {
        return timeline.nanos();
    }

    /** A buffer for a frame this host builds, or null (counted) when the pool is empty. */
    PacketBuffer takeTxBuffer() {
        PacketBuffer b = txPool.take();
        if (b == null) {
            counters.count(Counter.BUF_TX_POOL_EMPTY);
        }
        return b;
    }

    /** A buffer for a datagram up to 64 KB, or null (counted). */
    PacketBuffer takeLargeBuffer() {
        PacketBuffer b = largePool.take();
        if (b == null) {
            counters.count(Counter.BUF_LARGE_POOL_EMPTY);
        }
        return b;
    }

    /** A buffer for {@code length} bytes plus headers: a frame buffer if it fits, else a large one. */
    PacketBuffer takeBuffer(int length) {
        return length <= txBufferSize() ? takeTxBuffer() : takeLargeBuffer();
    }

    int txBufferSize() {
        return txPool.bufferSize() - txPool.headroom();
    }

    SplittableRandom random() {
        return random;
    }

    Ipv4Layer ip() {
        return ip;
    }

    IcmpLayer icmp() {
        return icmp;
    }

    UdpLayer udp() {
        return udp;
    }

    /** The host's TCP: listeners, connections and the calls applications make on them. */
    public TcpLayer tcp() {
        return tcp;
    }

    RouteTable routes() {
        return routes;
    }

    List<NetInterface> interfaceList() {
        return interfaces;
    }

    /** The interfaces, for loops on the packet path (no iterator to allocate); do not modify. */
    NetInterface[] interfaceArray() {
        return interfaceArray;
    }

    // ==== Public views ====================================================================

    public String name() {
        return name;
    }

    public Cpu cpu() {
        return cpu;
    }

    public Applications applications() {
        return apps;
    }

    public HostConfig config() {
        return config;
    }

    public StackCounters counters() {
        return counters;
    }

    public List<NetInterface> interfaces() {
        return List.copyOf(interfaces);
    }

    public List<Route> routeList() {
        return routes.all();
    }

    /** The host's first address (its name on the network). */
    public int address() {
        return interfaces.isEmpty() ? 0 : interfaces.get(0).address();
    }

    /** True if every buffer this host took has come back (its own large pool; the tx pool is the machine's). */
    public boolean largePoolFull() {
        return largePool.isFull();
    }

    public boolean isStarted() {
        return started;
    }

    @Override
    public String toString() {
        return "Host[" + name + "]";
    }
}
