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

import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One host's protocol software, owned by one CPU, and what it is made of: its interfaces and
 * routes, its protocol layers, its event loop ({@link HostLoop}: received frames, and the calls
 * application threads hand over), its sockets ({@link SocketRegistry}, and {@link TcpLayer} for
 * TCP), and the ARP and reassembly timers. Configure it, {@link #start} it, and reach its parts
 * through the accessors. Nothing here takes a lock.
 */
public final class Host {
    /** Headroom of large buffers: room for Ethernet and an IPv4 header in front of a datagram. */
    private static final int LARGE_HEADROOM = 128;
    /** Large buffers hold a whole reassembled datagram: 60 bytes of header room plus 64 KB. */
    static final int LARGE_SIZE = LARGE_HEADROOM + 60 + 65_536;
    /**
     * Buffers for TCP segmentation requests (TSO), made when the first interface whose device
     * offers TSO is added. Few: each holds a segment only until the card has cut it into frames
     * (the ring is reclaimed at the next poll); with none free TCP sends MSS-sized segments.
     */
    static final int SEGMENTATION_BUFFERS = 16;
    /** The most data in one segmentation request: an IPv4 datagram of 65,535 bytes with the longest TCP header. */
    static final int MAX_SEGMENTATION_PAYLOAD = 65_535 - 20 - 60;

    private final String name;
    private final Cpu cpu;
    private final Timeline timeline;
    private final Applications apps;
    private final BufferPool txPool;
    private final BufferPool largePool;
    private final DmaMemory dma;
    /** Buffers for segmentation requests; null until an interface's device offers TSO. */
    private BufferPool segmentationPool;
    /** True once an interface's device sums transmitted checksums (so leaving them to it can pay). */
    private boolean checksumOffload;
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
    private final HostLoop loop;
    private final SocketRegistry sockets;
    private final Job tickJob;
    private final Timer tickTimer;
    private final SplittableRandom random;
    private boolean tickArmed;
    private volatile boolean started;

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
        this.dma = dma;
        this.config = config;
        this.largePool = new BufferPool(name + "-large", dma, config.reassemblyCollectors() + 4, LARGE_SIZE,
                LARGE_HEADROOM);
        this.random = new SplittableRandom(config.seed() ^ name.hashCode());
        this.ip = new Ipv4Layer(this, config);
        this.icmp = new IcmpLayer(this, config);
        this.udp = new UdpLayer(this);
        this.tcp = new TcpLayer(this, cpu, timeline, config, config.seed() * 31 + name.hashCode() + 6);
        this.loop = new HostLoop(this, cpu, apps, config);
        this.sockets = new SocketRegistry(this, config);
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
        checksumOffload |= device.offloads().txChecksum();
        if (device.offloads().tso() && segmentationPool == null) {
            segmentationPool = new BufferPool(name + "-tso", dma, SEGMENTATION_BUFFERS, LARGE_SIZE, LARGE_HEADROOM);
        }
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
        loop.call(() -> {
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
        loop.post(() -> {
            for (NetInterface nic : interfaces) {
                if (nic.address() != 0) {
                    nic.neighbors().announce();
                }
            }
            return null;
        });
    }

    /** Tears the interfaces down and returns every buffer. The CPU must have stopped. */
    public void stop() {
        if (!started) {
            return;
        }
        started = false;
        tickTimer.cancel();
        tcp.stop();
        loop.dropBacklog();
        ip.reassembler().clear();
        for (NetInterface nic : interfaces) {
            nic.neighbors().clearPending();
            nic.tearDown();
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
        loop.beginBatch();
        long now = nanos();
        boolean active = false;
        for (NetInterface nic : interfaceArray) {
            active |= nic.neighbors().tick(now);
        }
        active |= ip.reassembler().tick(now);
        loop.endBatch();
        if (active) {
            needTick();
        }
        return Job.Result.DONE;
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
        loop.call(() -> {
            on.neighbors().solicit(address);
            return null;
        });
        while (true) {
            long mac = loop.call(() -> on.neighbors().lookup(address));
            if (mac != -1 || apps.clock().nanos() >= deadline) {
                return mac;
            }
            apps.block(Math.min(deadline, apps.clock().nanos() + 1_000_000)); // look again in 1 ms
        }
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

    /**
     * True if checksums are worth leaving to the device (Linux's CHECKSUM_PARTIAL): some interface's
     * device sums them. Without one, TCP and UDP sum as they write, in one pass over bytes still in
     * the cache, rather than leave IPv4's send a second pass (measured: 6 % of short connections' time).
     */
    boolean leavesChecksums() {
        return checksumOffload;
    }

    /** A buffer for a TCP segmentation request, or null (counted) when none is free. */
    PacketBuffer takeSegmentationBuffer() {
        PacketBuffer b = segmentationPool == null ? null : segmentationPool.take();
        if (b == null) {
            counters.count(Counter.BUF_LARGE_POOL_EMPTY);
        }
        return b;
    }

    /**
     * The most data one TCP segment to {@code destination} may carry now, if the device on the
     * route cuts segments itself (TSO) and a buffer for one is free; 0 otherwise (segments of an
     * MSS). Asked once per segment a connection sends: one route lookup.
     */
    int segmentationLimit(int destination) {
        if (segmentationPool == null || segmentationPool.free() == 0 || ip.isUnicastLocal(destination)) {
            return 0;
        }
        Route route = routes.lookup(destination);
        return route != null && route.via().offloads().tso() ? MAX_SEGMENTATION_PAYLOAD : 0;
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

    /** The host's event loop: frames in, calls from applications, batching. */
    public HostLoop loop() {
        return loop;
    }

    /** The host's datagram and echo endpoints. */
    public SocketRegistry sockets() {
        return sockets;
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
        return largePool.isFull() && (segmentationPool == null || segmentationPool.isFull());
    }

    /** True if {@code address} is one of this host's own unicast addresses (what a socket may bind). */
    public boolean hasAddress(int address) {
        return ip().isUnicastLocal(address);
    }

    public boolean isStarted() {
        return started;
    }

    @Override
    public String toString() {
        return "Host[" + name + "]";
    }
}
