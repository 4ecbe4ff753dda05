package org.netstack4j.lab;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.Applications;
import org.netstack4j.socket.DnsResolver;
import org.netstack4j.socket.Ping;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.stack.Host;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
        LabWorld world = new LabWorld(options.mode(), options.seed(), options.capture());
        try {
            Network net = world.network();
            Host h = world.guest().host();
            check(() -> arp(net, h, world.gateway()));
            check(() -> onePing(net, h));
            check(() -> manyPings(net, h));
            check(() -> concurrentPings(net, h));
            check(() -> dnsQuery(net, h));
            check(() -> icmpEcho(net, h));
        } finally {
            world.close();
        }
        boolean full = world.poolsFull();
        Check pools = new Check("buffers", full, full ? "every buffer pool is full again"
                : "buffers were not all returned", Map.of("pools_full", full));
        checks.add(pools);
        progress.accept(pools);
        return new Report(List.copyOf(checks), dnsAnswer, options.capture(), world.counters());
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

    // ==== The checks ======================================================================

    private Check arp(Network net, Host h, Network.Node gateway) throws Exception {
        long expected = gateway.nic(0).mac();
        long mac = net.run("arp", () -> h.resolve(LabWorld.GATEWAY_IP, WAIT.toNanos()));
        boolean ok = mac == expected;
        String line = ok ? "ARP: 10.0.2.2 is at " + new MacAddress(mac)
                : "ARP: no answer for 10.0.2.2 (expected " + new MacAddress(expected) + ")";
        return new Check("arp", ok, line, Map.of("gateway_mac", mac < 0 ? "" : new MacAddress(mac).toString()));
    }

    /** One exchange with the service; returns the answer or null. */
    private static String ask(UdpSocket s) throws Exception {
        byte[] q = LabWorld.QUESTION.getBytes(StandardCharsets.US_ASCII);
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
        s.connect(LabWorld.GATEWAY_IP, LabWorld.SERVICE_PORT);
        return s;
    }

    private Check onePing(Network net, Host h) throws Exception {
        String answer = net.run("udp-ping", () -> {
            try (UdpSocket s = client(h)) {
                return ask(s);
            }
        });
        boolean ok = LabWorld.ANSWER.equals(answer);
        return new Check("udp_ping", ok, "UDP: sent \"" + LabWorld.QUESTION + "\", got " + (answer == null ? "nothing"
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
                    if (LabWorld.ANSWER.equals(ask(s))) {
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
                            if (LabWorld.ANSWER.equals(ask(s))) {
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
        List<Integer> addresses = net.run("dns-query", () -> new DnsResolver(h, LabWorld.GATEWAY_IP).resolveA(LabWorld.DNS_NAME));
        dnsAnswer = addresses.isEmpty() ? null : Ipv4Address.format(addresses.getFirst());
        boolean ok = LabWorld.DNS_ADDRESS.equals(dnsAnswer);
        return new Check("dns", ok, "DNS: " + LabWorld.DNS_NAME + " is " + (dnsAnswer == null ? "(no answer)" : dnsAnswer),
                Map.of("query", LabWorld.DNS_NAME, "answer", dnsAnswer == null ? "" : dnsAnswer));
    }

    private Check icmpEcho(Network net, Host h) throws Exception {
        int count = 10;
        long[] rtts = net.run("icmp-echo", () -> {
            long[] out = new long[count];
            try (Ping p = Ping.open(h, 64)) {
                for (int i = 0; i < count; i++) {
                    Ping.Reply r = p.ping(LabWorld.GATEWAY_IP, i + 1, 56, WAIT);
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
        String note = options.seed() == null ? "" : " (simulated time: wire and CPU time are not modelled)";
        return new Check("icmp_echo", ok, String.format(Locale.ROOT,
                "ICMP: %d/%d echo replies from 10.0.2.2, rtt min/avg/max = %.3f/%.3f/%.3f ms%s", got, count,
                min / 1e6, avg / 1e6, max / 1e6, note),
                Map.of("replies", got, "sent", count, "rtt_min_us", min / 1000.0, "rtt_avg_us", avg / 1000.0,
                        "rtt_max_us", max / 1000.0));
    }

}
