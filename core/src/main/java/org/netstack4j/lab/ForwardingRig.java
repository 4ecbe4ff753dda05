package org.netstack4j.lab;

import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.driver.E1000Driver;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.Cpu;
import org.netstack4j.exec.Job;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.wire.EthernetFrame;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.Ipv4Packet;
import org.netstack4j.wire.MacAddress;

import java.io.IOException;

/**
 * A netstack4j router with two cards between a traffic generator and a sink, for measuring the
 * forwarding path: the generator (a bare machine whose job drives its driver directly, one tail
 * write per batch) sends minimum-size UDP/IPv4 frames to the router's first card; the router
 * receives them, checks them, decrements the TTL, looks up the route and sends them out of its
 * second card to the sink (a bare machine that counts and frees them).
 *
 * <p>All three CPUs run on the calling thread, one pass each in turn, with simulated time
 * standing still (nothing here needs a timer): run-to-completion on one core. The router's passes
 * are timed on their own, so {@link #routerNanos()} is the router's CPU time. That time includes
 * the hardware work a router's CPU sets going, as everywhere in netstack4j (a tail write runs the
 * card's transmit and the far card's receive DMA on the writer's thread); the generator's time
 * likewise includes the router card's receive DMA.
 *
 * <p>After {@link #open} warms it up, {@link #forward} allocates nothing.
 */
public final class ForwardingRig implements AutoCloseable {
    /** Frame length without the FCS: 60 bytes, a 64-byte frame on the wire (the Ethernet minimum). */
    public static final int FRAME_BYTES = 60;
    public static final MacAddress GENERATOR_MAC = MacAddress.parse("02:00:00:00:01:01");
    public static final MacAddress ROUTER_IN_MAC = MacAddress.parse("02:00:00:00:01:02");
    public static final MacAddress ROUTER_OUT_MAC = MacAddress.parse("02:00:00:00:02:01");
    public static final MacAddress SINK_MAC = MacAddress.parse("02:00:00:00:02:02");
    public static final String GENERATOR_ADDRESS = "10.0.1.2";
    public static final String SINK_ADDRESS = "10.0.2.2";
    private static final int BATCH = 64;
    private static final int MAX_IDLE_PASSES = 10_000;

    private final Network net;
    private final WakeMode mode;
    private final Cpu generatorCpu;
    private final Cpu routerCpu;
    private final Cpu sinkCpu;
    private final Generator generator;
    private final Sink sink;
    private final Network.Node router;
    private long routerNanos;
    private boolean closed;

    private ForwardingRig(WakeMode mode) {
        this.mode = mode;
        net = Network.simulated(1);
        router = net.addHost("router", ROUTER_IN_MAC, "10.0.1.1/24", mode,
                HostConfig.DEFAULT.withForwarding(true));
        net.addInterface(router, "eth1", ROUTER_OUT_MAC, "10.0.2.1/24", mode);
        Machine gen = net.addMachine("generator", GENERATOR_MAC, mode);
        Machine snk = net.addMachine("sink", SINK_MAC, mode);
        net.cable(router, 0, gen);
        net.cable(router, 1, snk);
        // No resolution traffic on the measured path: the sink's MAC is configured (RTnet's static ARP).
        router.host().addStaticNeighbor(router.nic(1), Ipv4Address.parseBits(SINK_ADDRESS), SINK_MAC.bits());
        generatorCpu = gen.cpu();
        routerCpu = router.machine().cpu();
        sinkCpu = snk.cpu();
        generator = new Generator(gen);
        sink = new Sink();
        snk.nics().get(0).driver().bringUp(sink);
        net.start();
        net.simulation().runUntilQuiet(net.simulation().nanos()); // bring-up and gratuitous ARP, now
    }

    /** Builds the three machines and forwards a first few thousand frames (warm-up). */
    public static ForwardingRig open(WakeMode mode) {
        ForwardingRig rig = new ForwardingRig(mode);
        try {
            rig.forward(4096);
        } catch (RuntimeException | Error e) {
            try {
                rig.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        rig.routerNanos = 0;
        return rig;
    }

    public WakeMode mode() {
        return mode;
    }

    /**
     * The generator sends {@code count} frames; the three CPUs take turns until the sink has them
     * all. Returns the frames the sink received (always {@code count}: a loss stalls and throws).
     */
    public long forward(long count) {
        long target = sink.received + count;
        generator.add(count);
        int idle = 0;
        while (sink.received < target) {
            boolean progress = generatorCpu.runOnce();
            long t0 = System.nanoTime();
            progress |= routerCpu.runOnce();
            routerNanos += System.nanoTime() - t0;
            progress |= sinkCpu.runOnce();
            idle = progress ? 0 : idle + 1;
            if (idle > MAX_IDLE_PASSES) {
                throw new IllegalStateException("forwarding stalled in " + mode.cliName() + " mode: generator sent "
                        + generator.sent + ", sink received " + sink.received + " of " + target
                        + ", sink saw " + sink.bad + " unexpected frames");
            }
        }
        return count;
    }

    /** Wall-clock nanoseconds the router's CPU has spent in its passes since {@link #open}. */
    public long routerNanos() {
        return routerNanos;
    }

    /** Frames the sink took that were not the generator's, forwarded once (expected: 0). */
    public long unexpectedFrames() {
        return sink.bad;
    }

    /** The driver counters of the router's outgoing card ({@code tx_packets}, {@code tdt_writes}, ...). */
    public java.util.Map<String, Long> routerOutCounters() {
        return router.nic(1).deviceCounters();
    }

    public boolean poolsFull() {
        return net.poolsFull();
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            net.close();
        }
    }

    /** A generator job on a bare machine: copies a template frame into pool buffers, one tail write per batch. */
    private static final class Generator implements Job.Body {
        private final Machine machine;
        private final E1000Driver driver;
        private final Job job;
        private final byte[] template;
        private long total;
        long sent;

        Generator(Machine machine) {
            this.machine = machine;
            this.driver = machine.nics().get(0).driver();
            this.job = machine.cpu().newJob("generator", this);
            this.template = template(machine);
            driver.bringUp(PacketBuffer::release); // it hears only the router's gratuitous ARP
            driver.setTransmitWaiter(job);
        }

        /** A UDP/IPv4 datagram from the generator to the sink, addressed to the router's first card. */
        private static byte[] template(Machine machine) {
            PacketBuffer b = machine.txPool().take();
            try {
                b.append(FRAME_BYTES);
                EthernetFrame.write(b, ROUTER_IN_MAC.bits(), GENERATOR_MAC.bits(), EthernetFrame.TYPE_IPV4);
                b.trimFront(EthernetFrame.HEADER_LENGTH);
                int ipLength = FRAME_BYTES - EthernetFrame.HEADER_LENGTH;
                Ipv4Packet.writeHeader(b, 0, ipLength, 1, 0, 64, Ipv4Packet.PROTO_UDP,
                        Ipv4Address.parseBits(GENERATOR_ADDRESS), Ipv4Address.parseBits(SINK_ADDRESS));
                b.setU16(20, 9); // UDP discard port to discard port, no checksum (allowed over IPv4)
                b.setU16(22, 9);
                b.setU16(24, ipLength - 20);
                b.setU16(26, 0);
                b.prepend(EthernetFrame.HEADER_LENGTH);
                return b.toByteArray();
            } finally {
                b.release();
            }
        }

        void add(long frames) {
            total += frames;
            job.schedule();
        }

        @Override
        public Job.Result run() {
            int n = 0;
            while (n < BATCH && sent < total) {
                PacketBuffer frame = machine.txPool().take();
                if (frame == null) {
                    driver.reclaimTransmitted();
                    frame = machine.txPool().take();
                    if (frame == null) {
                        break;
                    }
                }
                frame.append(FRAME_BYTES);
                frame.copyFrom(template, 0, 0, FRAME_BYTES);
                if (!driver.queue(frame)) {
                    frame.release(); // ring full: the driver schedules us again when it has reclaimed room
                    driver.flush();
                    return Job.Result.DONE;
                }
                sent++;
                n++;
            }
            driver.flush();
            return sent < total ? Job.Result.MORE : Job.Result.DONE;
        }
    }

    /** Counts forwarded frames (TTL one less than sent) and frees them. */
    private static final class Sink implements org.netstack4j.driver.FrameSink {
        long received;
        long bad;

        @Override
        public void receive(PacketBuffer frame) {
            if (frame.getU16(12) == EthernetFrame.TYPE_ARP) {
                frame.release(); // the router's gratuitous ARP at start
                return;
            }
            if (frame.length() == FRAME_BYTES && frame.getU16(12) == EthernetFrame.TYPE_IPV4
                    && (frame.getByte(22) & 0xFF) == 63) {
                received++;
            } else {
                bad++;
            }
            frame.release();
        }
    }
}
