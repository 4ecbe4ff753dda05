package org.netstack4j.stack;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.Network;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One host under test on 10.0.2.15/24 with a {@link Prober} at 10.0.2.99 on the other end of
 * its cable, in simulated time. Tests put frames on the wire with {@link #prober}, let the
 * network run with {@link #idle}, and read what the prober saw and what the host counted.
 */
final class ProbedHost implements AutoCloseable {
    static final String HOST_MAC = "52:54:00:12:34:56";
    static final String PROBER_MAC = "52:54:00:00:00:99";
    static final int HOST = Ipv4Address.parseBits("10.0.2.15");
    static final int PROBER = Ipv4Address.parseBits("10.0.2.99");
    static final long MS = 1_000_000L;
    static final long SECOND = 1_000_000_000L;

    final Network net;
    final Network.Node node;
    final Host host;
    final Prober prober;
    final long hostMac = MacAddress.parse(HOST_MAC).bits();
    /** The host's and the prober's addresses: {@link #HOST} and {@link #PROBER} unless a test chose others. */
    final int hostAddress;
    final int proberAddress;
    private boolean closed;

    private ProbedHost(Network net, HostConfig config, WakeMode mode, String hostCidr, String proberAddress,
                       Customizer before, Runnable afterHost) {
        this.net = net;
        this.node = net.addHost("host", MacAddress.parse(HOST_MAC), hostCidr, mode, config);
        this.host = node.host();
        this.hostAddress = node.nic(0).address();
        afterHost.run();
        this.prober = Prober.attach(net, "prober", PROBER_MAC, proberAddress, node, 0);
        this.proberAddress = prober.ip;
        before.apply(this);
        net.start();
    }

    private ProbedHost(Network net, HostConfig config, WakeMode mode, Customizer before) {
        this(net, config, mode, "10.0.2.15/24", "10.0.2.99", before, () -> { });
    }

    /** Configuration between building and starting (static neighbours and the like). */
    @FunctionalInterface
    interface Customizer {
        void apply(ProbedHost h);
    }

    static ProbedHost simulated(HostConfig config) {
        return new ProbedHost(Network.simulated(1), config, WakeMode.NAPI, h -> { });
    }

    /**
     * As {@link #simulated(HostConfig)}, but the host's machine has only {@code txBuffers} transmit
     * buffers (the prober keeps the usual 1024, so it can send more than the host can answer).
     */
    static ProbedHost withTxBuffers(int txBuffers, HostConfig config) {
        Network net = Network.simulated(1).machineSize(txBuffers, 16L << 20);
        return new ProbedHost(net, config, WakeMode.NAPI, "10.0.2.15/24", "10.0.2.99", h -> { },
                () -> net.machineSize(1024, 16L << 20));
    }

    static ProbedHost simulated(HostConfig config, WakeMode mode, Customizer before) {
        return new ProbedHost(Network.simulated(1), config, mode, before);
    }

    /**
     * A host at {@code hostCidr} (a.b.c.d/prefix) and a prober at {@code proberAddress}, configured
     * by {@code before}, then 10 ms on.
     */
    static ProbedHost settled(String hostCidr, String proberAddress, HostConfig config, Customizer before)
            throws InterruptedException {
        ProbedHost h = new ProbedHost(Network.simulated(1), config, WakeMode.NAPI, hostCidr, proberAddress, before,
                () -> { });
        h.idle(10 * MS);
        return h;
    }

    /** As {@link #simulated(HostConfig)}, then 10 ms on: the host has announced itself and the wire is quiet. */
    static ProbedHost settled(HostConfig config) throws InterruptedException {
        ProbedHost h = simulated(config);
        h.idle(10 * MS);
        return h;
    }

    /** Lets simulated time pass. */
    void idle(long nanos) throws InterruptedException {
        net.idle(nanos);
    }

    long now() {
        return net.timeline().nanos();
    }

    long count(Counter c) {
        return host.counters().get(c);
    }

    <T> T run(Callable<T> body) throws Exception {
        return net.run("app", body);
    }

    /** A UDP socket of the host's, bound to {@code port} on every address. */
    UdpSocket bind(int port) throws Exception {
        return run(() -> UdpSocket.bind(host, port));
    }

    /** Every datagram waiting on {@code s}, without waiting (each whole: the buffer holds the largest). */
    List<byte[]> drain(UdpSocket s) throws Exception {
        return run(() -> {
            List<byte[]> out = new ArrayList<>();
            byte[] buf = new byte[70_000];
            int n;
            while ((n = s.receiveNow(buf, 0, buf.length)) >= 0) {
                out.add(Arrays.copyOf(buf, n));
            }
            return out;
        });
    }

    /** Closes {@code s} on an application thread. */
    void closeSocket(UdpSocket s) throws Exception {
        run(() -> {
            s.close();
            return null;
        });
    }

    /** Puts an IPv4 datagram on the wire to the host's MAC. */
    void toHost(byte[] datagram) {
        prober.sendIp(hostMac, datagram);
    }

    /** An echo request from the prober to the host, and whether its reply came back within 100 ms. */
    boolean pingAnswered(int id, int seq) throws InterruptedException {
        byte[] data = Packets.pattern(32, seq);
        toHost(Packets.ip(Packets.ICMP, proberAddress, hostAddress, Packets.echo(8, id, seq, data)).id(seq).bytes());
        idle(100 * MS);
        return !prober.frames(v -> v.isIcmp() && v.icmpType() == 0 && v.icmpId() == id && v.icmpSeq() == seq
                && Arrays.equals(v.ipPayload(), Packets.echo(0, id, seq, data))).isEmpty();
    }

    /** Closes the network and checks that every buffer came home. */
    @Override
    public void close() throws Exception {
        if (!closed) {
            closed = true;
            net.close();
            assertThat(net.poolsFull()).as("every pool full after close").isTrue();
        }
    }
}
