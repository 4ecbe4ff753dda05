package org.netstack4j.lab;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.stack.Host;
import org.netstack4j.stack.TcpLayer;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.stack.NetInterface;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The xv6 network lab's world of netstack4j hosts: a guest 10.0.2.15 (52:54:00:12:34:56) and a
 * gateway 10.0.2.2 (QEMU's user-network addresses) on one cable. The gateway answers any UDP
 * datagram to port 2000 with "this is the host!" and serves DNS for pdos.csail.mit.edu. Used by
 * the demo, {@code ping} and {@code stats}.
 */
public final class LabWorld implements AutoCloseable {
    public static final String HOST_MAC = "52:54:00:12:34:56";
    public static final String GATEWAY_MAC = "52:55:0a:00:02:02";
    public static final int HOST_IP = Ipv4Address.parseBits("10.0.2.15");
    public static final int GATEWAY_IP = Ipv4Address.parseBits("10.0.2.2");
    public static final int SERVICE_PORT = 2000;
    public static final String QUESTION = "a message from xv6!";
    public static final String ANSWER = "this is the host!";
    public static final String DNS_NAME = "pdos.csail.mit.edu";
    public static final String DNS_ADDRESS = "128.52.129.126";

    private final Network net;
    private final Network.Node guest;
    private final Network.Node gateway;
    private LabServices services;
    private TcpServices tcpServices;
    private boolean closed;

    /**
     * Builds and starts the world.
     *
     * @param seed    null for real threads in real time; else simulated time from this seed
     * @param capture where to write a pcap of the cable, or null
     */
    public LabWorld(WakeMode mode, Long seed, Path capture) throws Exception {
        net = seed == null ? Network.real(System.nanoTime()) : Network.simulated(seed);
        try {
            if (capture != null) {
                net.capture(capture);
            }
            guest = net.addHost("host", MacAddress.parse(HOST_MAC), "10.0.2.15/24", mode, HostConfig.DEFAULT);
            // A router, as QEMU's user-network gateway is: with no route beyond 10.0.2.0/24 it answers
            // datagrams for the outside with ICMP net unreachable, as Linux would, rather than silence.
            gateway = net.addHost("gateway", MacAddress.parse(GATEWAY_MAC), "10.0.2.2/24", mode,
                    HostConfig.DEFAULT.withForwarding(true));
            guest.host().setDefaultGateway(GATEWAY_IP);
            net.cable(guest, gateway);
            net.start();
            services = LabServices.start(net, gateway.host(), SERVICE_PORT,
                    Map.of(DNS_NAME, List.of(Ipv4Address.parseBits(DNS_ADDRESS))));
            if (!busyPollStarves(mode, seed)) {
                tcpServices = TcpServices.start(net, gateway.host(),
                        () -> "netstack4j gateway " + Ipv4Address.format(GATEWAY_IP) + "\n");
            }
        } catch (Exception e) {
            net.close();
            throw e;
        }
    }

    /** True if the gateway serves TCP (echo 7, discard 9, HTTP 80). */
    public boolean servesTcp() {
        return tcpServices != null;
    }

    /**
     * Busy-polling on real threads, each host's CPU thread spins on a core: with fewer than three
     * cores the application threads (TCP's many hand-offs) get the CPU only when the scheduler takes
     * it from a spinning thread, so the TCP services are not run there (see the deployment-path issue).
     */
    public static boolean busyPollStarves(WakeMode mode, Long seed) {
        return seed == null && mode == WakeMode.BUSY_POLL && Runtime.getRuntime().availableProcessors() < 3;
    }

    public Network network() {
        return net;
    }

    public Network.Node guest() {
        return guest;
    }

    public Network.Node gateway() {
        return gateway;
    }

    /**
     * Stops the services, the CPUs and the hosts. Afterwards {@link #poolsFull()} tells whether
     * every buffer came back, and the counters are final.
     */
    @Override
    public void close() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        try {
            LabServices s = services;
            TcpServices t = tcpServices;
            net.run("shutdown", () -> {
                s.close();
                if (t != null) {
                    t.close();
                }
                return null;
            });
        } finally {
            net.close();
        }
    }

    public boolean poolsFull() {
        return net.poolsFull();
    }

    /** Every host's report, in the one schema every command uses ({@link HostReport}). */
    public List<Map<String, Object>> hosts() {
        List<Map<String, Object>> out = new java.util.ArrayList<>();
        for (Network.Node n : net.nodes()) {
            Map<String, Object> h = HostReport.of(n.host());
            var cpu = net.cpuThreadFigures(n);
            if (cpu != null) {
                h.put("cpu_thread", cpu.toMap()); // real time only: what the host's CPU thread did
            }
            out.add(h);
        }
        return out;
    }
}
