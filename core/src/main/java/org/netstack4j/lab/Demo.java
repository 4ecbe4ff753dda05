package org.netstack4j.lab;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.Applications;
import org.netstack4j.socket.DnsResolver;
import org.netstack4j.socket.Ping;
import org.netstack4j.socket.TcpSocket;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.stack.Host;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.Ipv4Cidr;
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
 * lab's checks and more. Each check passes or fails with figures. The same checks can be pointed
 * at a real peer instead ({@link RealPeer}): our host alone on a TAP device, Linux on the far side.
 */
public final class Demo {
    private static final Duration WAIT = Duration.ofSeconds(2);

    /**
     * @param seed null for real threads in real time; a seed for simulated time (same seed, same capture)
     * @param peer null for the lab's world of two netstack4j hosts; else a real peer to run the checks against
     */
    public record Options(WakeMode mode, Long seed, Path capture, RealPeer peer) {
        public Options {
            if (peer != null && seed != null) {
                throw new IllegalArgumentException("a real peer runs in real time: no seed");
            }
        }

        public Options(WakeMode mode, Long seed, Path capture) {
            this(mode, seed, capture, null);
        }
    }

    /**
     * A peer outside the JVM: our host at {@code hostAddress} (a.b.c.d/prefix) with {@code mac} on
     * {@code medium}, and the peer's address. The peer is to answer what the lab's gateway
     * answers: ARP, ICMP echo, UDP port 2000 with "this is the host!", and DNS for
     * pdos.csail.mit.edu (128.52.129.126).
     */
    public record RealPeer(MediumSpec medium, String hostAddress, String mac, int address) {
        public RealPeer(MediumSpec medium, String hostAddress, int address) {
            this(medium, hostAddress, LabWorld.HOST_MAC, address);
        }
    }

    /** One check: a name, whether it held, a line for people and figures for JSON. */
    public record Check(String name, boolean ok, String line, Map<String, Object> figures) {
    }

    public record Report(List<Check> checks, String dnsAnswer, Path capture, List<Map<String, Object>> hosts) {
        public boolean ok() {
            return checks.stream().allMatch(Check::ok);
        }
    }

    private final Options options;
    private final Consumer<Check> progress;
    private final List<Check> checks = new ArrayList<>();
    private String dnsAnswer;
    private int peer;

    private Demo(Options options, Consumer<Check> progress) {
        this.options = options;
        this.progress = progress;
    }

    /** Runs the demo; {@code progress} sees each check as it completes. */
    public static Report run(Options options, Consumer<Check> progress) throws Exception {
        return new Demo(options, progress).run();
    }

    /** What the checks run on: our host, the peer it talks to, and how to end it all. */
    private interface World extends AutoCloseable {
        Network network();

        Host host();

        /** The peer's MAC, or -1 when any answer will do (a real peer). */
        long peerMac();

        boolean poolsFull();

        /** Every host's report ({@link HostReport}). */
        List<Map<String, Object>> hosts();
    }

    private World world() throws Exception {
        RealPeer real = options.peer();
        if (real == null) {
            LabWorld lab = new LabWorld(options.mode(), options.seed(), options.capture());
            return new World() {
                public Network network() {
                    return lab.network();
                }

                public Host host() {
                    return lab.guest().host();
                }

                public long peerMac() {
                    return lab.gateway().nic(0).mac();
                }

                public boolean poolsFull() {
                    return lab.poolsFull();
                }

                public List<Map<String, Object>> hosts() {
                    return lab.hosts();
                }

                public void close() throws Exception {
                    lab.close();
                }
            };
        }
        int prefix = Ipv4Cidr.parse(real.hostAddress()).prefix();
        StandaloneHost.Options o = new StandaloneHost.Options(real.mac(), real.hostAddress(), null,
                options.mode(), options.capture(), false, Map.of(), null);
        StandaloneHost sh = StandaloneHost.start(real.medium().open(), o);
        if (!Ipv4Address.sameSubnet(real.address(), sh.address(), prefix)) {
            sh.close();
            throw new IllegalArgumentException("the peer " + Ipv4Address.format(real.address()) + " is not on "
                    + real.hostAddress());
        }
        return new World() {
            public Network network() {
                return sh.network();
            }

            public Host host() {
                return sh.host();
            }

            public long peerMac() {
                return -1;
            }

            public boolean poolsFull() {
                return sh.poolsFull();
            }

            public List<Map<String, Object>> hosts() {
                return List.of(sh.report());
            }

            public void close() throws Exception {
                sh.close();
            }
        };
    }

    private Report run() throws Exception {
        peer = options.peer() == null ? LabWorld.GATEWAY_IP : options.peer().address();
        World world = world();
        try {
            Network net = world.network();
            Host h = world.host();
            check("arp", () -> arp(net, h, world.peerMac()));
            check("udp_ping", () -> onePing(net, h));
            check("udp_100_pings", () -> manyPings(net, h));
            check("udp_concurrent", () -> concurrentPings(net, h));
            check("dns", () -> dnsQuery(net, h));
            check("icmp_echo", () -> icmpEcho(net, h));
            if (options.peer() == null) { // a real peer runs no TCP services of ours
                check("tcp_http", () -> LabWorld.busyPollStarves(options.mode(), options.seed()) ? notRunHere("tcp_http")
                        : httpGet(net, h));
                check("tcp_echo", () -> LabWorld.busyPollStarves(options.mode(), options.seed()) ? notRunHere("tcp_echo")
                        : tcpEcho(net, h));
            }
        } finally {
            world.close();
        }
        boolean full = world.poolsFull();
        Check pools = new Check("buffers", full, full ? "every buffer pool is full again"
                : "buffers were not all returned", Map.of("pools_full", full));
        checks.add(pools);
        progress.accept(pools);
        return new Report(List.copyOf(checks), dnsAnswer, options.capture(), world.hosts());
    }

    @FunctionalInterface
    private interface Step {
        Check run() throws Exception;
    }

    /** Runs one check; one that throws fails under its own name, with the exception as its line. */
    private void check(String name, Step step) {
        Check c;
        try {
            c = step.run();
        } catch (Exception e) {
            c = new Check(name, false, e.toString(), Map.of("error", String.valueOf(e.getMessage())));
        }
        checks.add(c);
        progress.accept(c);
    }

    // ==== The checks ======================================================================

    private Check arp(Network net, Host h, long expected) throws Exception {
        long mac = net.run("arp", () -> h.resolve(peer, WAIT.toNanos()));
        boolean ok = expected < 0 ? mac >= 0 : mac == expected;
        String p = Ipv4Address.format(peer);
        String line = ok ? "ARP: " + p + " is at " + new MacAddress(mac)
                : mac >= 0 ? "ARP: " + p + " is at " + new MacAddress(mac) + ", expected " + new MacAddress(expected)
                : "ARP: no answer for " + p;
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

    private UdpSocket client(Host h) throws SocketException {
        UdpSocket s = UdpSocket.open(h);
        s.setTimeout(WAIT);
        s.connect(peer, LabWorld.SERVICE_PORT);
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
        List<Integer> addresses = net.run("dns-query", () -> new DnsResolver(h, peer).resolveA(LabWorld.DNS_NAME));
        dnsAnswer = addresses.isEmpty() ? null : Ipv4Address.format(addresses.getFirst());
        boolean ok = LabWorld.DNS_ADDRESS.equals(dnsAnswer);
        return new Check("dns", ok, "DNS: " + LabWorld.DNS_NAME + " is " + (dnsAnswer == null ? "(no answer)" : dnsAnswer),
                Map.of("query", LabWorld.DNS_NAME, "answer", dnsAnswer == null ? "" : dnsAnswer));
    }

    /** GET / from the gateway's HTTP service over a TCP connection. */
    private Check httpGet(Network net, Host h) throws Exception {
        String response = net.run("http-get", () -> {
            try (TcpSocket s = TcpSocket.connect(h, peer, TcpServices.HTTP, WAIT)) {
                s.setTimeout(WAIT);
                s.write(("GET / HTTP/1.1\r\nHost: " + Ipv4Address.format(peer) + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                return new String(s.inputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            }
        });
        String status = response.lines().findFirst().orElse("(nothing)");
        boolean ok = status.equals("HTTP/1.1 200 OK") && response.contains("netstack4j gateway");
        return new Check("tcp_http", ok, "TCP: GET http://" + Ipv4Address.format(peer) + "/ answered " + status,
                Map.of("status", status, "bytes", response.length()));
    }

    private static Check notRunHere(String name) {
        int cores = Runtime.getRuntime().availableProcessors();
        return new Check(name, true, "TCP: not run: busy-poll on real threads needs a core for each host and one "
                + "for the applications; this machine has " + cores, Map.of("skipped", true, "cores", cores));
    }

    /** A megabyte through the gateway's TCP echo service, written on one thread and read back on another. */
    private Check tcpEcho(Network net, Host h) throws Exception {
        byte[] data = new byte[1 << 20];
        new java.util.SplittableRandom(1).nextBytes(data);
        long start = net.timeline().nanos();
        byte[] back = net.run("tcp-echo", () -> {
            TcpSocket s = TcpSocket.connect(h, peer, TcpServices.ECHO, WAIT);
            s.setTimeout(Duration.ofSeconds(10)); // a stall fails the check; it never hangs the demo
            net.startApplication("tcp-echo-writer", () -> {
                try {
                    s.write(data);
                    s.shutdownOutput();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            byte[] got = s.inputStream().readAllBytes();
            s.close();
            return got;
        });
        double seconds = (net.timeline().nanos() - start) / 1e9;
        boolean ok = java.util.Arrays.equals(data, back);
        String note = options.seed() == null ? "" : " (simulated time)";
        return new Check("tcp_echo", ok, String.format(Locale.ROOT, "TCP: %,d of %,d bytes echoed %s in %.3f s%s",
                back.length, data.length, ok ? "byte-exact" : "WRONG", seconds, note),
                Map.of("bytes_sent", data.length, "bytes_back", back.length, "seconds", seconds));
    }

    private Check icmpEcho(Network net, Host h) throws Exception {
        int count = 10;
        long[] rtts = net.run("icmp-echo", () -> {
            long[] out = new long[count];
            try (Ping p = Ping.open(h, 64)) {
                for (int i = 0; i < count; i++) {
                    Ping.Reply r = p.ping(peer, i + 1, 56, WAIT);
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
                "ICMP: %d/%d echo replies from %s, rtt min/avg/max = %.3f/%.3f/%.3f ms%s", got, count, Ipv4Address.format(peer),
                min / 1e6, avg / 1e6, max / 1e6, note),
                Map.of("replies", got, "sent", count, "rtt_min_us", min / 1000.0, "rtt_avg_us", avg / 1000.0,
                        "rtt_max_us", max / 1000.0));
    }

}
