package org.netstack4j.stack;

import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.driver.FrameSink;
import org.netstack4j.driver.NetDevice;
import org.netstack4j.driver.Offloads;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.Job;
import org.netstack4j.wire.EthernetFrame;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.util.List;
import java.util.Map;

/**
 * One network interface of a host: a device, its IPv4 address and prefix, its neighbour cache,
 * Ethernet framing, and a bounded queue for frames the device could not take at once.
 */
public final class NetInterface {
    private final Host host;
    private final String name;
    private final NetDevice device;
    // Changed only on the loop (DHCP); volatile so applications read a whole configuration.
    private volatile int address;
    private volatile int prefix;
    private final NeighborCache neighbors;
    private final PacketBuffer[] txQueue;
    private int txHead;
    private int txCount;
    private boolean unflushed;
    /** Inside a batch of frames from one driver poll (NAPI, busy-poll). */
    private boolean inPoll;
    private long mac;

    NetInterface(Host host, String name, NetDevice device, int address, int prefix, HostConfig config) {
        this.host = host;
        this.name = name;
        this.device = device;
        this.address = address;
        this.prefix = prefix;
        this.neighbors = new NeighborCache(this, host, config);
        this.txQueue = new PacketBuffer[config.txQueue()];
    }

    public String name() {
        return name;
    }

    /** Sets the address (0: none, as before DHCP has a lease). Loop only; see {@link Host#configure}. */
    void reconfigure(int newAddress, int newPrefix) {
        address = newAddress;
        prefix = newPrefix;
    }

    public int address() {
        return address;
    }

    public int prefix() {
        return prefix;
    }

    public long mac() {
        return mac;
    }

    public int mtu() {
        return device.mtu();
    }

    public NetDevice device() {
        return device;
    }

    /** What the device does for the stack (checksums, TCP segmentation); none for most devices. */
    public Offloads offloads() {
        return device.offloads();
    }

    /**
     * The directed broadcast address of this interface's subnet, or 0 if it has none: a /31 (RFC
     * 3021, a point-to-point link whose other address is the peer) or a /32 (a lone address) has
     * no broadcast address, as on Linux.
     */
    public int broadcast() {
        return prefix >= 31 ? 0 : address | ~Ipv4Address.mask(prefix);
    }

    /** True if {@code a} is this interface's directed broadcast address (never on a /31 or /32). */
    boolean isSubnetBroadcast(int a) {
        return prefix < 31 && a == (address | ~Ipv4Address.mask(prefix));
    }

    NeighborCache neighbors() {
        return neighbors;
    }

    public List<Neighbor> neighborSnapshot() {
        return neighbors.snapshot();
    }

    public Map<String, Long> deviceCounters() {
        return device.counterMap();
    }

    // ==== Bring-up ========================================================================

    void bringUp(Job transmitWaiter) {
        device.bringUp(new FrameSink() {
            @Override
            public void receive(PacketBuffer frame) {
                received(frame);
            }

            @Override
            public void endOfBatch() {
                endOfPoll();
            }
        });
        device.setTransmitWaiter(transmitWaiter);
        mac = device.mac().bits();
    }

    void tearDown() {
        while (txCount > 0) {
            txQueue[txHead].release();
            txQueue[txHead] = null;
            txHead = (txHead + 1) % txQueue.length;
            txCount--;
        }
        device.tearDown();
    }

    // ==== Receive =========================================================================

    /**
     * The device's frame sink. A per-packet-interrupt device calls it from its interrupt handler,
     * where only queueing belongs: the frame goes to the host's backlog, and the protocol job
     * takes it from there (as Linux's netif_rx). Polled devices call it from their poll, where the
     * protocol work runs at once.
     */
    private void received(PacketBuffer frame) {
        if (device.mode() == WakeMode.INTERRUPT) {
            host.loop().backlog(this, frame);
            return;
        }
        if (!inPoll) {
            inPoll = true; // a batch until the driver's poll ends: what it makes us send goes out with one tail write
            host.loop().beginBatch();
        }
        input(frame);
    }

    /** The driver's poll has handed over all its frames: end the batch, flushing every interface once. */
    private void endOfPoll() {
        if (inPoll) {
            inPoll = false;
            host.loop().endBatch();
        }
    }

    /** Ethernet demultiplexing. Takes the buffer. */
    void input(PacketBuffer frame) {
        StackCounters c = host.counters();
        c.count(Counter.ETH_IN_FRAMES);
        if (EthernetFrame.check(frame) != EthernetFrame.Verdict.OK) {
            c.count(Counter.ETH_TOO_SHORT);
            frame.release();
            return;
        }
        long destination = EthernetFrame.destination(frame);
        if (destination != mac && destination != MacAddress.BROADCAST.bits()) {
            c.count(Counter.ETH_NOT_FOR_US);
            frame.release();
            return;
        }
        int type = EthernetFrame.etherType(frame);
        frame.trimFront(EthernetFrame.HEADER_LENGTH);
        switch (type) {
            case EthernetFrame.TYPE_IPV4 -> host.ip().input(this, frame, destination == mac);
            case EthernetFrame.TYPE_ARP -> neighbors.input(frame);
            default -> {
                c.count(Counter.ETH_UNKNOWN_TYPE);
                frame.release();
            }
        }
    }

    // ==== Transmit ========================================================================

    /** Sends an IPv4 datagram (the buffer starts at its header) to a neighbour on this link. Takes the buffer. */
    void sendIpv4(PacketBuffer packet, int nextHop) {
        if (nextHop == Ipv4Address.BROADCAST.bits() || isSubnetBroadcast(nextHop)) {
            sendFrame(packet, MacAddress.BROADCAST.bits(), EthernetFrame.TYPE_IPV4);
        } else {
            neighbors.send(packet, nextHop);
        }
    }

    /**
     * Frames a datagram of {@code type} for {@code destinationMac}. Takes the buffer. (Callers name
     * the type: one call fewer on the transmit path keeps it within the JIT's inlining depth.)
     */
    void sendFrame(PacketBuffer payload, long destinationMac, int type) {
        if (payload.headroom() < EthernetFrame.HEADER_LENGTH) {
            host.counters().count(Counter.IP_OUT_DISCARDS);
            payload.release();
            return;
        }
        payload.prepend(EthernetFrame.HEADER_LENGTH);
        EthernetFrame.write(payload, destinationMac, mac, type);
        transmit(payload);
    }

    /** Hands a whole frame to the device, or queues it while the device is busy. Takes the buffer. */
    private void transmit(PacketBuffer frame) {
        host.counters().count(Counter.ETH_OUT_FRAMES);
        if (txCount == 0 && queueOrKick(frame)) {
            unflushed = true;
            if (!host.loop().batching()) {
                flush();
            }
            return;
        }
        if (txCount == txQueue.length) {
            host.counters().count(Counter.ETH_TX_QUEUE_FULL);
            frame.release();
            return;
        }
        txQueue[(txHead + txCount) % txQueue.length] = frame;
        txCount++;
    }

    /**
     * Queues a frame on the device. If the ring is full of frames not yet announced to the card,
     * announces them first (one tail write) and tries again: deferring the tail write to the end
     * of the batch is only right while the ring has room (Linux's xmit_more rule), or the card
     * would sit idle on a full ring while the rest of the batch overflows the queue.
     */
    private boolean queueOrKick(PacketBuffer frame) {
        if (device.queue(frame)) {
            return true;
        }
        if (!unflushed) {
            return false;
        }
        flush();
        return device.queue(frame);
    }

    /** Moves queued frames to the device while it takes them (the device's transmit waiter). */
    void drainTxQueue() {
        while (txCount > 0 && device.queue(txQueue[txHead])) {
            txQueue[txHead] = null;
            txHead = (txHead + 1) % txQueue.length;
            txCount--;
            unflushed = true;
        }
        flush();
    }

    /** One tail write for everything queued since the last one. */
    void flush() {
        if (unflushed) {
            unflushed = false;
            device.flush();
        }
    }

    boolean hasQueuedFrames() {
        return txCount > 0;
    }

    @Override
    public String toString() {
        return name + " " + Ipv4Address.format(address) + "/" + prefix;
    }
}
