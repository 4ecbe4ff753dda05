package org.netstack4j.lab;

import org.netstack4j.socket.DhcpClient;
import org.netstack4j.stack.Host;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.hw.link.FaultInjector;
import org.netstack4j.hw.link.ExternalMedium;
import org.netstack4j.stack.Host;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One netstack4j host on a real network: a machine with one E1000 whose connector is plugged
 * into a medium outside the JVM (a TAP device), a host stack on it in real time, and optionally
 * the lab's services (UDP "this is the host!" on port 2000, DNS on port 53). What {@code up} runs,
 * and the client side of {@code demo --tap}.
 */
public final class StandaloneHost implements AutoCloseable {

    /**
     * @param mac        the card's MAC address
     * @param address    a.b.c.d/prefix, or null to take a lease by DHCP (address, router, DNS)
     * @param gateway    the default router, or null for none
     * @param mode       how the driver is woken
     * @param capture    where to write a pcap of everything on the medium, or null
     * @param services   whether to run the UDP service and the DNS responder
     * @param dnsRecords the A records the DNS responder serves (name to addresses)
     * @param faults     faults to inject between the medium and the card, each way (loss, reordering,
     *                   duplication, corruption), or null for none
     */
    public record Options(String mac, String address, Integer gateway, WakeMode mode, Path capture,
                          boolean services, Map<String, List<Integer>> dnsRecords, FaultInjector.Rates faults) {
        public Options {
            Objects.requireNonNull(mac, "mac");
            Objects.requireNonNull(mode, "mode");
            dnsRecords = Map.copyOf(dnsRecords);
        }

        /** The lab guest's identity: 10.0.2.15/24 at 52:54:00:12:34:56, router 10.0.2.2, no services. */
        public static Options labGuest(WakeMode mode) {
            return new Options(LabWorld.HOST_MAC, "10.0.2.15/24", LabWorld.GATEWAY_IP, mode, null, false, Map.of(), null);
        }

        public Options withServices(Map<String, List<Integer>> records) {
            return new Options(mac, address, gateway, mode, capture, true, records, faults);
        }

        public Options withCapture(Path file) {
            return new Options(mac, address, gateway, mode, file, services, dnsRecords, faults);
        }

        public Options withAddress(String cidr, Integer router) {
            return new Options(mac, cidr, router, mode, capture, services, dnsRecords, faults);
        }

        /** The same, with {@code rates} of faults injected each way between the medium and the card. */
        public Options withFaults(FaultInjector.Rates rates) {
            return new Options(mac, address, gateway, mode, capture, services, dnsRecords, rates);
        }
    }

    private final ExternalMedium medium;
    private final Options options;
    private final Network net;
    private final Network.Node node;
    /** The fault injectors between the medium and the card (card to medium first), if faults were asked for. */
    private final List<FaultInjector> injectors = new java.util.concurrent.CopyOnWriteArrayList<>();
    private LabServices services;
    private TcpServices tcpServices;
    private DhcpClient dhcp;
    private boolean closed;

    private StandaloneHost(ExternalMedium medium, Options options) throws Exception {
        this.medium = medium;
        this.options = options;
        this.net = Network.real(System.nanoTime());
        try {
            if (options.capture() != null) {
                net.capture(options.capture());
            }
            node = net.addHost("host", MacAddress.parse(options.mac()),
                    options.address() == null ? "0.0.0.0/0" : options.address(), options.mode(), HostConfig.DEFAULT);
            if (options.gateway() != null) {
                node.host().setDefaultGateway(options.gateway());
            }
            if (options.faults() != null) {
                long seed = System.nanoTime();
                net.plug(node, 0, medium, link -> {
                    FaultInjector f = new FaultInjector(link, net.timeline(), options.faults(), seed + injectors.size());
                    injectors.add(f);
                    return f;
                });
            } else {
                net.plug(node, 0, medium);
            }
            net.start();
            if (options.address() == null) {
                Host h = node.host();
                dhcp = net.run("dhcp", () -> new DhcpClient(h, h.interfaces().getFirst(), DhcpClient.Options.DEFAULT));
                DhcpClient client = dhcp;
                net.run("dhcp-acquire", client::acquire);
                net.startApplication("dhcp", client::maintain);
            }
            if (options.services()) {
                services = LabServices.start(net, node.host(), LabWorld.SERVICE_PORT, options.dnsRecords());
                tcpServices = TcpServices.start(net, node.host(), this::page);
            }
        } catch (Exception | Error e) {
            medium.close();
            net.close();
            throw e;
        }
    }

    /**
     * Starts a host on {@code medium}, which it owns from here on (closing the host closes it,
     * and so does a failure to start).
     */
    public static StandaloneHost start(ExternalMedium medium, Options options) throws Exception {
        return new StandaloneHost(Objects.requireNonNull(medium, "medium"), Objects.requireNonNull(options, "options"));
    }

    public Network network() {
        return net;
    }

    public Host host() {
        return node.host();
    }

    public Network.Node node() {
        return node;
    }

    public ExternalMedium medium() {
        return medium;
    }

    public Options options() {
        return options;
    }

    /** What the fault injectors did, card to medium then medium to card; empty without faults. */
    public List<FaultInjector.Counters> faultCounters() {
        return injectors.stream().map(FaultInjector::counters).toList();
    }

    /** The services, or null when the host runs none. */
    public LabServices services() {
        return services;
    }

    /** The TCP services (echo, discard, HTTP), or null when the host runs none. */
    public TcpServices tcpServices() {
        return tcpServices;
    }

    /** Every service whose thread still runs: udp/2000, dns/53, tcp/7, tcp/9, tcp/80 when all do. */
    public java.util.List<String> runningServices() {
        java.util.List<String> names = new java.util.ArrayList<>();
        if (services != null) {
            names.addAll(services.running());
        }
        if (tcpServices != null) {
            names.addAll(tcpServices.running());
        }
        return names;
    }

    /** The HTTP page: the host's address and every counter, one per line. */
    private String page() {
        StringBuilder b = new StringBuilder("netstack4j host ").append(Ipv4Address.format(address())).append('\n');
        appendCounters(b, "", report());
        return b.toString();
    }

    @SuppressWarnings("unchecked")
    private static void appendCounters(StringBuilder b, String prefix, Map<String, Object> m) {
        m.forEach((k, v) -> {
            if (v instanceof Map<?, ?> inner) {
                appendCounters(b, prefix + k + ".", (Map<String, Object>) inner);
            } else if (v instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Map<?, ?>) {
                for (int i = 0; i < list.size(); i++) {
                    Map<String, Object> item = (Map<String, Object>) list.get(i);
                    Object name = item.getOrDefault("ifname", item.getOrDefault("dst", item.getOrDefault("remote", i)));
                    appendCounters(b, prefix + k + "." + name + ".", item);
                }
            } else {
                b.append(prefix).append(k).append(' ').append(v).append('\n');
            }
        });
    }

    /** The DHCP client keeping the lease, or null with a static address. */
    public DhcpClient dhcp() {
        return dhcp;
    }

    /** The host's address. */
    public int address() {
        return node.host().address();
    }

    /**
     * The host's report ({@link HostReport}: interfaces, neighbours, routes, protocols, TCP
     * connections) with what a host on a real medium adds: the medium's frames and errors, the
     * services, DHCP. Final once the host is closed.
     */
    public Map<String, Object> report() {
        Map<String, Object> m = HostReport.of(node.host());
        Map<String, Object> med = new LinkedHashMap<>();
        med.put("name", medium.describe());
        med.put("counters", medium.counters());
        String error = medium.lastError();
        if (error != null) {
            med.put("last_error", error);
        }
        m.put("medium", med);
        var cpu = net.cpuThreadFigures(node);
        if (cpu != null) {
            m.put("cpu_thread", cpu.toMap()); // why a configuration is slow: parks, wake-ups, time awake
        }
        if (services != null) {
            Map<String, Long> all = new LinkedHashMap<>(services.counters());
            if (tcpServices != null) {
                all.putAll(tcpServices.counters());
            }
            m.put("services", all);
        }
        if (dhcp != null) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("state", dhcp.state().name().toLowerCase());
            d.put("discovers", dhcp.discovers());
            d.put("requests", dhcp.requests());
            d.put("acks", dhcp.acks());
            d.put("naks", dhcp.naks());
            d.put("declines", dhcp.declines());
            d.put("renewals", dhcp.renewals());
            d.put("rebinds", dhcp.rebinds());
            d.put("expiries", dhcp.expiries());
            m.put("dhcp", d);
        }
        return m;
    }

    /** Stops the services, closes the medium, stops the CPU and tears the host down. Idempotent. */
    @Override
    public void close() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        try {
            LabServices s = services;
            TcpServices t = tcpServices;
            DhcpClient d = dhcp;
            long sentBefore = medium.counters().getOrDefault("tx_frames", 0L);
            if (s != null || d != null) {
                net.run("shutdown", () -> {
                    if (d != null) {
                        d.close(); // RELEASE: the server may give the address to someone else
                    }
                    if (s != null) {
                        s.close();
                    }
                    if (t != null) {
                        t.close();
                    }
                    return null;
                });
            }
            if (d != null) {
                awaitSent(sentBefore, RELEASE_WAIT_NANOS);
            }
        } finally {
            net.close();
        }
    }

    /** How long close waits for the DHCP RELEASE to reach the medium before closing it. */
    private static final long RELEASE_WAIT_NANOS = 500_000_000L;

    /**
     * Waits until the medium has sent a frame more than {@code before} (the RELEASE, handed to the
     * loop and the card a moment ago), at most {@code nanos}: closing the medium first would drop it.
     */
    private void awaitSent(long before, long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        while (medium.counters().getOrDefault("tx_frames", 0L) <= before && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
    }

    public boolean poolsFull() {
        return net.poolsFull();
    }

    @Override
    public String toString() {
        return "StandaloneHost[" + Ipv4Address.format(address()) + " on " + medium.describe() + "]";
    }
}
