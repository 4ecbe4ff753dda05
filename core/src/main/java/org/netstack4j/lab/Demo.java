package org.netstack4j.lab;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.Applications;
import org.netstack4j.socket.DnsResolver;
import org.netstack4j.socket.DnsResponder;
import org.netstack4j.socket.Ping;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.stack.Host;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.stack.NetInterface;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The xv6 network lab's world, built of netstack4j hosts: a guest 10.0.2.15 and a gateway
 * 10.0.2.2 (QEMU's user network addresses), each an E1000 with its driver and a stack, on one
 * cable. The gateway answers UDP with "this is the host!" and serves DNS; the guest runs the
 * lab's checks and more. Each check passes or fails with figures.
 */
public final class Demo {
    public static final String HOST_MAC = "52:54:00:12:34:56";
    public static final String GATEWAY_MAC = "52:55:0a:00:02:02";
    public static final int HOST_IP = Ipv4Address.parseBits("10.0.2.15");
    public static final int GATEWAY_IP = Ipv4Address.parseBits("10.0.2.2");
    public static final int SERVICE_PORT = 2000;
    public static final String QUESTION = "a message from xv6!";
    public static final String ANSWER = "this is the host!";
    public static final String DNS_NAME = "pdos.csail.mit.edu";
    public static final String DNS_ADDRESS = "128.52.129.126";
    private static final Duration WAIT = Duration.ofSeconds(2);

    /**
     * @param seed null for real threads in real time; a seed for simulated time (same seed, same capture)
     */
    public record Options(WakeMode mode, Long seed, Path capture) {
    }

    /** One check: a name, whether it held, a line for people and figures for JSON. */
    public record Check(String name, boolean ok, String line, Map<String, Object> figures) {
    }

    public record Report(List<Check> checks, String dnsAnswer, Path capture,
                         Map<String, Map<String, Object>> counters) {
        public boolean ok() {
            return checks.stream().allMatch(Check::ok);
        }
    }

    private final Options options;
    private final Consumer<Check> progress;
    private final List<Check> checks = new ArrayList<>();
    private String dnsAnswer;

    private Demo(Options options, Consumer<Check> progress) {
        this.options = options;
        this.progress = progress;
    }

    /** Runs the demo; {@code progress} sees each check as it completes. */
    public static Report run(Options options, Consumer<Check> progress) throws Exception {
        return new Demo(options, progress).run();
    }

    private Report run() throws Exception {
        long seed = options.seed() == null ? System.nanoTime() : options.seed();
        Network net = options.seed() == null ? Network.real(seed) : Network.simulated(seed);
        Map<String, Map<String, Object>> counters = new LinkedHashMap<>();
        DnsResponder dns = null;
        UdpSocket service = null;
        try {
            if (options.capture() != null) {
                net.capture(options.capture());
            }
            Network.Node guest = net.addHost("host", MacAddress.parse(HOST_MAC), "10.0.2.15/24", options.mode(),
                    HostConfig.DEFAULT);
            Network.Node gateway = net.addHost("gateway", MacAddress.parse(GATEWAY_MAC), "10.0.2.2/24",
                    options.mode(), HostConfig.DEFAULT);
            guest.host().setDefaultGateway(GATEWAY_IP);
            net.cable(guest, gateway);
            net.start();

            Host gw = gateway.host();
            service = net.run("service-bind", () -> UdpSocket.bind(gw, SERVICE_PORT));
            startService(net, service);
            dns = net.run("dns-bind", () -> new DnsResponder(gw, Map.of(DNS_NAME, List.of(
                    Ipv4Address.parseBits(DNS_ADDRESS))), Map.of()));
            DnsResponder responder = dns;
            net.startApplication("dns", () -> {
                try {
                    responder.serve();
                } catch (Exception e) {
                    // closed at the end of the demo
                }
            });

            Host h = guest.host();
            check(() -> arp(net, h, gateway));
            check(() -> onePing(net, h));
            check(() -> manyPings(net, h));
            check(() -> concurrentPings(net, h));
            check(() -> dnsQuery(net, h));
            check(() -> icmpEcho(net, h));

            UdpSocket s = service;
            net.run("shutdown", () -> {
                s.close();
                responder.close();
                return null;
            });
            service = null;
            dns = null;
        } finally {
            net.close();
        }
        for (Network.Node n : net.nodes()) {
            counters.put(n.host().name(), countersOf(n.host()));
        }
        boolean full = net.poolsFull();
        Check pools = new Check("buffers", full, full ? "every buffer pool is full again"
                : "buffers were not all returned", Map.of("pools_full", full));
        checks.add(pools);
        progress.accept(pools);
        return new Report(List.copyOf(checks), dnsAnswer, options.capture(), counters);
    }

    @FunctionalInterface
    private interface Step {
        Check run() throws Exception;
    }

    private void check(Step step) {
        Check c;
        try {
            c = step.run();
        } catch (Exception e) {
            c = new Check("error", false, e.toString(), Map.of("error", String.valueOf(e.getMessage())));
        }
        checks.add(c);
        progress.accept(c);
    }

    /** The gateway's UDP service: answers every datagram with the lab's reply, until closed. */
    private static void startService(Network net, UdpSocket socket) {
        net.startApplication("service", () -> {
            byte[] buffer = new byte[2048];
            byte[] answer = ANSWER.getBytes(StandardCharsets.US_ASCII);
            try {
                while (true) {
                    socket.receive(buffer);
                    socket.sendTo(answer, 0, answer.length, socket.sourceAddress(), socket.sourcePort());
                }
            } catch (SocketException | java.net.SocketTimeoutException e) {
                // closed: the demo is over
            }
        });
    }

    // ==== The checks ======================================================================

    private Check arp(Network net, Host h, Network.Node gateway) throws Exception {
        long expected = gateway.nic(0).mac();
        long mac = net.run("arp", () -> h.resolve(GATEWAY_IP, WAIT.toNanos()));
        boolean ok = mac == expected;
        String line = ok ? "ARP: 10.0.2.2 is at " + new MacAddress(mac)
                : "ARP: no answer for 10.0.2.2 (expected " + new MacAddress(expected) + ")";
        return new Check("arp", ok, line, Map.of("gateway_mac", mac < 0 ? "" : new MacAddress(mac).toString()));
    }

    /** One exchange with the service; returns the answer or null. */
    private static String ask(UdpSocket s) throws Exception {
        byte[] q = QUESTION.getBytes(StandardCharsets.US_ASCII);
        byte[] buf = new byte[256];
        s.send(q);
        try {
            int n = s.receive(buf);
            return new String(buf, 0, n, StandardCharsets.US_ASCII);
        } catch (java.net.SocketTimeoutException e) {
            return null;
        }
    }

    private static UdpSocket client(Host h) throws SocketException {
        UdpSocket s = UdpSocket.open(h);
        s.setTimeout(WAIT);
        s.connect(GATEWAY_IP, SERVICE_PORT);
        return s;
    }

    private Check onePing(Network net, Host h) throws Exception {
        String answer = net.run("udp-ping", () -> {
            try (UdpSocket s = client(h)) {
                return ask(s);
            }
        });
        boolean ok = ANSWER.equals(answer);
        return new Check("udp_ping", ok, "UDP: sent \"" + QUESTION + "\", got " + (answer == null ? "nothing"
                : "\"" + answer + "\""), Map.of("answer", answer == null ? "" : answer));
    }

    private Check manyPings(Network net, Host h) throws Exception {
        int count = 100;
        Applications apps = net.applications();
        long[] result = net.run("udp-100", () -> {
            try (UdpSocket s = client(h)) {
                long start = apps.clock().nanos();
                int good = 0;
                for (int i = 0; i < count; i++) {
                    if (ANSWER.equals(ask(s))) {
                        good++;
                    }
                }
                return new long[]{good, apps.clock().nanos() - start};
            }
        });
        boolean ok = result[0] == count;
        return new Check("udp_100_pings", ok, String.format(Locale.ROOT, "UDP: %d of %d pings from one socket answered (%.2f ms)",
                result[0], count, result[1] / 1e6), Map.of("answered", result[0], "sent", count, "elapsed_us", result[1] / 1000));
    }

    private Check concurrentPings(Network net, Host h) throws Exception {
        int sockets = 10;
        int each = 10;
        Applications apps = net.applications();
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        net.run("udp-10x10", () -> {
            for (int t = 0; t < sockets; t++) {
                apps.start("udp-client-" + t, () -> {
                    try (UdpSocket s = client(h)) {
                        for (int i = 0; i < each; i++) {
                            if (ANSWER.equals(ask(s))) {
                                answered.incrementAndGet();
                            }
                        }
                    } catch (Exception e) {
                        // counted as unanswered
                    } finally {
                        finished.incrementAndGet();
                    }
                });
            }
            long deadline = apps.clock().nanos() + 30_000_000_000L;
            while (finished.get() < sockets && apps.clock().nanos() < deadline) {
                apps.block(apps.clock().nanos() + 1_000_000);
            }
            return null;
        });
        boolean ok = answered.get() == sockets * each;
        return new Check("udp_concurrent", ok, String.format(Locale.ROOT,
                "UDP: %d sockets on %d threads at once, %d of %d pings answered", sockets, sockets,
                answered.get(), sockets * each), Map.of("sockets", sockets, "answered", answered.get(), "sent", sockets * each));
    }

    private Check dnsQuery(Network net, Host h) throws Exception {
        List<Integer> addresses = net.run("dns-query", () -> new DnsResolver(h, GATEWAY_IP).resolveA(DNS_NAME));
        dnsAnswer = addresses.isEmpty() ? null : Ipv4Address.format(addresses.getFirst());
        boolean ok = DNS_ADDRESS.equals(dnsAnswer);
        return new Check("dns", ok, "DNS: " + DNS_NAME + " is " + (dnsAnswer == null ? "(no answer)" : dnsAnswer),
                Map.of("name", DNS_NAME, "answer", dnsAnswer == null ? "" : dnsAnswer));
    }

    private Check icmpEcho(Network net, Host h) throws Exception {
        int count = 10;
        long[] rtts = net.run("icmp-echo", () -> {
            long[] out = new long[count];
            try (Ping p = Ping.open(h, 64)) {
                for (int i = 0; i < count; i++) {
                    Ping.Reply r = p.ping(GATEWAY_IP, i + 1, 56, WAIT);
                    out[i] = r == null ? -1 : r.roundTripNanos();
                }
            }
            return out;
        });
        long min = Long.MAX_VALUE;
        long max = 0;
        long sum = 0;
        int got = 0;
        for (long r : rtts) {
            if (r >= 0) {
                got++;
                min = Math.min(min, r);
                max = Math.max(max, r);
                sum += r;
            }
        }
        boolean ok = got == count;
        double avg = got == 0 ? 0 : sum / (double) got;
        if (got == 0) {
            min = 0;
        }
        return new Check("icmp_echo", ok, String.format(Locale.ROOT,
                "ICMP: %d/%d echo replies from 10.0.2.2, rtt min/avg/max = %.3f/%.3f/%.3f ms", got, count,
                min / 1e6, avg / 1e6, max / 1e6),
                Map.of("replies", got, "sent", count, "rtt_min_us", min / 1000.0, "rtt_avg_us", avg / 1000.0,
                        "rtt_max_us", max / 1000.0));
    }

    // ==== Counters ========================================================================

    private static Map<String, Object> countersOf(Host host) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (NetInterface nic : host.interfaces()) {
            Map<String, Object> i = new LinkedHashMap<>();
            i.put("address", Ipv4Address.format(nic.address()) + "/" + nic.prefix());
            i.put("mac", new MacAddress(nic.mac()).toString());
            i.put("driver", nic.deviceCounters());
            i.put("neighbors", nic.neighborSnapshot().stream()
                    .map(n -> n.address() + " " + n.mac() + " " + n.state()).toList());
            m.put(nic.name(), i);
        }
        m.put("protocols", host.counters().byProtocol());
        return m;
    }
}
