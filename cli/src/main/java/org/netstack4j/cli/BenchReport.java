package org.netstack4j.cli;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import java.awt.Color;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The bench's results shown four ways: a table with ratios to the JDK, CSV, one JSON object, and
 * PNG charts. Ratios compare with the JDK's best arrangement for that figure in the same run (the
 * fastest rate, the lowest latency), so they are never flattered by a slow JDK setup; above 1
 * means netstack4j is better (more packets, or that many times lower latency).
 */
final class BenchReport {
    /** What the issue asks for: one-way 10x the JDK, echo p99.9 a tenth of the JDK's (busy-poll), 5 Mpps per core. */
    static final double TARGET_PPS_RATIO = 10;
    static final double TARGET_P999_RATIO = 10;
    static final double TARGET_FORWARD_PPS = 5e6;
    static final double TARGET_TCP_BULK_RATIO = 0.5;
    static final double TARGET_TCP_RR_RATIO = 3;
    /** The wake mode whose figures are the headline ones (the mode the latency target names). */
    static final String HEADLINE_MODE = "poll";

    static final String HOW_NETSTACK4J = "netstack4j: two (or, forwarding, three) simulated machines with E1000 "
            + "models, drivers and stacks; every CPU, card model and application on one thread in simulated time "
            + "with the clock standing still (run-to-completion on one core, no thread hand-offs), timed by the wall clock; "
            + "each case in a JVM of its own";
    static final String HOW_JDK = "JDK: DatagramChannel pairs over the kernel's loopback (127.0.0.1), connected; "
            + "jdk-blocking = receiver/server on its own thread, blocking calls; jdk-spin = the same threads spinning "
            + "on non-blocking calls; jdk-1thread = both ends on one thread, non-blocking, in netstack4j's batches. "
            + "TCP: a SocketChannel pair over loopback with TCP_NODELAY, the server end on its own thread in blocking "
            + "calls (bulk: it reads 64 KB at a time; request/response: it answers each byte), the client on the "
            + "measuring thread; the kernel's TCP runs on whichever cores it likes. netstack4j's TCP applications "
            + "use the loop's non-blocking calls between simulation steps, Nagle off; MTU 1500, and 9000 with the "
            + "card's jumbo frames (the kernel's loopback has an MTU of 65,536)";
    static final String HOW_DEPLOYED = "deployed rows (rt_*, tap_*): each host's CPU on a platform thread of its own "
            + "in real time, woken as the mode says; blocking applications on platform threads of their own (the "
            + "client: the measuring thread), or (apps on the loops) on the hosts' loop threads; TAP: one host on a "
            + "TAP device against Linux's stack in a namespace, its echo server a JDK DatagramSocket there; beside it "
            + "the JDK's DatagramSocket on Linux over a veth pair to the same server. Set beside the JDK's blocking rows";
    static final String HOW_ALLOC = "alloc = Java heap bytes allocated per packet (ThreadMXBean, every thread "
            + "taking part, measured interval only); an echo is two packets; the short-connection rows count per connection";

    private final List<BenchResult> results;
    private final BenchResult.NoiseFloor noiseFloor;
    private final String budget;
    private final String loadBefore;
    private final String loadAfter;
    private final String tapSkipped;

    /** {@code tapSkipped}: why the TAP rows were not measured here, or null when they were. */
    BenchReport(List<BenchResult> results, BenchResult.NoiseFloor noiseFloor, String budget, String loadBefore,
                String loadAfter, String tapSkipped) {
        this.results = List.copyOf(results);
        this.tapSkipped = tapSkipped;
        this.noiseFloor = noiseFloor;
        this.budget = budget;
        this.loadBefore = loadBefore;
        this.loadAfter = loadAfter;
    }

    List<BenchResult> results() {
        return results;
    }

    // ==== Figures ========================================================================

    Optional<BenchResult> find(String test, String stack, String variant) {
        return results.stream().filter(r -> r.test().equals(test) && r.stack().equals(stack)
                && r.variant().equals(variant)).findFirst();
    }

    /** The JDK's best row for a test: the highest rate, or (latency tests) the lowest value of {@code latency}. */
    Optional<BenchResult> jdkBest(String test, ToDoubleFunction<BenchResult.Latency> latency) {
        var jdk = results.stream().filter(r -> r.test().equals(test) && r.stack().equals("jdk"));
        if (latency == null) {
            return jdk.max(Comparator.comparingDouble(BenchResult::rate));
        }
        return jdk.filter(r -> r.latency() != null).min(Comparator.comparingDouble(r -> latency.applyAsDouble(r.latency())));
    }

    /** netstack4j's advantage over the JDK's best on this row's headline figure (NaN where there is no JDK row). */
    double ratio(BenchResult r) {
        if (r.test().equals(BenchResult.RT_UDP_ECHO)) { // against the JDK's blocking threads, at the median
            return jdkBlocking(BenchResult.UDP_ECHO).map(j -> j.latency().p50() / r.latency().p50()).orElse(Double.NaN);
        }
        if (r.test().equals(BenchResult.RT_TCP_RR_LOOP) || r.test().equals(BenchResult.RT_TCP_RR_BLOCKING)) {
            // against the JDK's request/response (a thread each end, blocking), at the median
            return jdkBest(BenchResult.TCP_RR, null).map(j -> j.latency().p50() / r.latency().p50()).orElse(Double.NaN);
        }
        if (r.test().equals(BenchResult.RT_UDP_ONE_WAY)) {
            return jdkBlocking(BenchResult.UDP_ONE_WAY).map(j -> r.rate() / j.rate()).orElse(Double.NaN);
        }
        if (BenchResult.isLoss(r.test())) { // the default recovery against NewReno without SACK
            return find(r.test(), "netstack4j", Bench.NEWRENO_NO_SACK).map(j -> r.rate() / j.rate())
                    .orElse(Double.NaN);
        }
        if (r.test().equals(BenchResult.TCP_COST)) { // the cost per segment against the cost with one connection
            String one = r.variant().endsWith(BenchResult.OFFLOAD_SUFFIX) ? "1" + BenchResult.OFFLOAD_SUFFIX : "1";
            return find(BenchResult.TCP_COST, "netstack4j", one).map(o -> o.rate() / r.rate()).orElse(Double.NaN);
        }
        if (r.test().equals(BenchResult.TCP_BULK_OFFLOAD)) { // CPU per byte against the offloads off
            return find(BenchResult.TCP_BULK_OFFLOAD, "netstack4j", Bench.OFFLOAD_OFF)
                    .map(off -> off.wholeRate() / r.wholeRate()).orElse(Double.NaN);
        }
        if (r.test().equals(BenchResult.TAP_UDP_ECHO) || r.test().equals(BenchResult.TAP_UDP_WINDOW)) {
            // echoes per second against the JDK on Linux over veth, the same echo server
            return find(r.test(), "jdk", Bench.VETH).map(j -> r.rate() / j.rate()).orElse(Double.NaN);
        }
        if (r.test().equals(BenchResult.UDP_ECHO)) {
            return latencyRatio(r, BenchResult.Latency::p999);
        }
        if (r.test().equals(BenchResult.TCP_RR)) {
            return latencyRatio(r, BenchResult.Latency::p99);
        }
        if (r.test().equals(BenchResult.TCP_BULK_JUMBO)) { // against the JDK's one bulk row (loopback's MTU is 65,536)
            return jdkBest(BenchResult.TCP_BULK, null).map(j -> r.rate() / j.rate()).orElse(Double.NaN);
        }
        return jdkBest(r.test(), null).map(j -> r.rate() / j.rate()).orElse(Double.NaN);
    }

    /** How many times lower than the JDK's best the given percentile is (above 1: netstack4j is faster). */
    double latencyRatio(BenchResult r, ToDoubleFunction<BenchResult.Latency> which) {
        return jdkBest(r.test(), which).map(j -> which.applyAsDouble(j.latency()) / which.applyAsDouble(r.latency()))
                .orElse(Double.NaN);
    }

    /** The JDK's row with a thread at each end and blocking calls: what the deployment path is set beside. */
    private Optional<BenchResult> jdkBlocking(String test) {
        return results.stream().filter(r -> r.test().equals(test) && !r.isNetstack4j()
                && r.variant().equals(JdkUdp.Arrangement.BLOCKING.label)).findFirst();
    }

    private Optional<BenchResult> headline(String test) {
        return headline(results, test);
    }

    /** netstack4j's row for a test in the headline mode, else in any mode. */
    private static Optional<BenchResult> headline(List<BenchResult> results, String test) {
        var rows = results.stream().filter(r -> r.test().equals(test) && r.isNetstack4j()).toList();
        return rows.stream().filter(r -> r.variant().equals(HEADLINE_MODE)).findFirst().or(() -> rows.stream().findFirst());
    }

    /**
     * The median netstack4j echo in the headline mode (else any mode), in nanoseconds: the length of
     * the noise floor's busy loop. 1 us when no echo was measured.
     */
    static long headlineEchoNanos(List<BenchResult> results) {
        return headline(results, BenchResult.UDP_ECHO).map(r -> Math.max(100, Math.round(r.latency().p50() * 1e3))).orElse(1_000L);
    }

    double maxAllocPerPacket() {
        // A short connection allocates its state by design: its row counts bytes per connection, not per packet.
        return results.stream().filter(r -> r.isNetstack4j() && !r.test().equals(BenchResult.TCP_CONN))
                .mapToDouble(BenchResult::allocBytesPerPacket).max().orElse(Double.NaN);
    }

    // ==== JSON ===========================================================================

    /** One object: the headline keys first (busy-poll for netstack4j, the JDK's best), then every row. */
    Map<String, Object> toJson(Map<String, Object> files) {
        Map<String, Object> m = new LinkedHashMap<>();
        var oneWay = headline(BenchResult.UDP_ONE_WAY);
        var jdkOneWay = jdkBest(BenchResult.UDP_ONE_WAY, null);
        var echo = headline(BenchResult.UDP_ECHO);
        var jdkP99 = jdkBest(BenchResult.UDP_ECHO, BenchResult.Latency::p99);
        var jdkP999 = jdkBest(BenchResult.UDP_ECHO, BenchResult.Latency::p999);
        var forward = headline(BenchResult.FORWARD);
        m.put("headline_mode", oneWay.map(BenchResult::variant).orElse(null));
        m.put("udp_pps", oneWay.map(r -> Math.round(r.rate())).orElse(null));
        m.put("jdk_udp_pps", jdkOneWay.map(r -> Math.round(r.rate())).orElse(null));
        m.put("jdk_udp_pps_variant", jdkOneWay.map(BenchResult::variant).orElse(null));
        m.put("udp_pps_ratio", oneWay.map(r -> round(ratio(r), 2)).orElse(null));
        m.put("udp_rtt_p50_us", echo.map(r -> round(r.latency().p50(), 2)).orElse(null));
        m.put("udp_rtt_p99_us", echo.map(r -> round(r.latency().p99(), 2)).orElse(null));
        m.put("udp_rtt_p999_us", echo.map(r -> round(r.latency().p999(), 2)).orElse(null));
        m.put("udp_rtt_max_us", echo.map(r -> round(r.latency().max(), 2)).orElse(null));
        m.put("jdk_udp_rtt_p99_us", jdkP99.map(r -> round(r.latency().p99(), 2)).orElse(null));
        m.put("jdk_udp_rtt_p99_variant", jdkP99.map(BenchResult::variant).orElse(null));
        m.put("jdk_udp_rtt_p999_us", jdkP999.map(r -> round(r.latency().p999(), 2)).orElse(null));
        m.put("udp_rtt_p99_ratio", echo.map(r -> round(latencyRatio(r, BenchResult.Latency::p99), 2)).orElse(null));
        m.put("udp_rtt_p999_ratio", echo.map(r -> round(latencyRatio(r, BenchResult.Latency::p999), 2)).orElse(null));
        if (noiseFloor != null) {
            m.put("noise_floor_work_us", round(noiseFloor.workNanos() / 1e3, 3));
            m.put("noise_floor_p99_us", round(noiseFloor.latency().p99(), 2));
            m.put("noise_floor_p999_us", round(noiseFloor.latency().p999(), 2));
            m.put("machine_stalls_per_s", Math.round(noiseFloor.stallsPerSecond()));
            m.put("machine_stalled_fraction", round(noiseFloor.stalledFraction(), 4));
            double free = noiseFloor.stallFreeWorkAtP999Nanos();
            m.put("stall_free_work_at_p999_us", Double.isFinite(free) ? round(free / 1e3, 3) : null);
        }
        var bulk = headline(BenchResult.TCP_BULK);
        var jdkBulk = jdkBest(BenchResult.TCP_BULK, null);
        var rr = headline(BenchResult.TCP_RR);
        var jdkRr = jdkBest(BenchResult.TCP_RR, BenchResult.Latency::p99);
        m.put("tcp_gbps", bulk.map(r -> round(r.rate() * 8 / 1e9, 3)).orElse(null));
        m.put("jdk_tcp_gbps", jdkBulk.map(r -> round(r.rate() * 8 / 1e9, 3)).orElse(null));
        m.put("tcp_gbps_ratio", bulk.map(r -> round(ratio(r), 2)).orElse(null));
        var jumbo = headline(BenchResult.TCP_BULK_JUMBO);
        m.put("tcp_gbps_mtu9000", jumbo.map(r -> round(r.rate() * 8 / 1e9, 3)).orElse(null));
        m.put("tcp_gbps_mtu9000_ratio", jumbo.map(r -> round(ratio(r), 2)).orElse(null));
        m.put("tcp_rr_p50_us", rr.map(r -> round(r.latency().p50(), 2)).orElse(null));
        m.put("tcp_rr_p99_us", rr.map(r -> round(r.latency().p99(), 2)).orElse(null));
        m.put("tcp_rr_p999_us", rr.map(r -> round(r.latency().p999(), 2)).orElse(null));
        m.put("jdk_tcp_rr_p50_us", jdkRr.map(r -> round(r.latency().p50(), 2)).orElse(null));
        m.put("jdk_tcp_rr_p99_us", jdkRr.map(r -> round(r.latency().p99(), 2)).orElse(null));
        m.put("jdk_tcp_rr_p999_us", jdkRr.map(r -> round(r.latency().p999(), 2)).orElse(null));
        m.put("tcp_rr_p99_ratio", rr.map(r -> round(ratio(r), 2)).orElse(null));
        m.put("forward_mpps", forward.map(r -> round(r.rate() / 1e6, 3)).orElse(null));
        var rtEcho = headline(BenchResult.RT_UDP_ECHO);
        var rtOneWay = headline(BenchResult.RT_UDP_ONE_WAY);
        var jdkBlockingEcho = jdkBlocking(BenchResult.UDP_ECHO);
        m.put("rt_udp_rtt_p50_us", rtEcho.map(r -> round(r.latency().p50(), 2)).orElse(null));
        m.put("rt_udp_rtt_p99_us", rtEcho.map(r -> round(r.latency().p99(), 2)).orElse(null));
        m.put("rt_udp_rtt_p999_us", rtEcho.map(r -> round(r.latency().p999(), 2)).orElse(null));
        m.put("rt_udp_rtt_max_us", rtEcho.map(r -> round(r.latency().max(), 2)).orElse(null));
        m.put("jdk_blocking_udp_rtt_p50_us", jdkBlockingEcho.map(r -> round(r.latency().p50(), 2)).orElse(null));
        m.put("jdk_blocking_udp_rtt_p999_us", jdkBlockingEcho.map(r -> round(r.latency().p999(), 2)).orElse(null));
        m.put("rt_udp_rtt_p50_ratio", rtEcho.map(r -> round(ratio(r), 2)).orElse(null));
        m.put("rt_udp_pps", rtOneWay.map(r -> Math.round(r.rate())).orElse(null));
        m.put("jdk_blocking_udp_pps", jdkBlocking(BenchResult.UDP_ONE_WAY).map(r -> Math.round(r.rate())).orElse(null));
        m.put("rt_udp_pps_ratio", rtOneWay.map(r -> round(ratio(r), 2)).orElse(null));
        var rtLoop = headline(BenchResult.RT_TCP_RR_LOOP);
        var rtBlocking = headline(BenchResult.RT_TCP_RR_BLOCKING);
        m.put("rt_tcp_rr_loop_p50_us", rtLoop.map(r -> round(r.latency().p50(), 2)).orElse(null));
        m.put("rt_tcp_rr_loop_p999_us", rtLoop.map(r -> round(r.latency().p999(), 2)).orElse(null));
        m.put("rt_tcp_rr_loop_p50_ratio", rtLoop.map(r -> round(ratio(r), 2)).orElse(null));
        m.put("rt_tcp_rr_blocking_p50_us", rtBlocking.map(r -> round(r.latency().p50(), 2)).orElse(null));
        m.put("rt_tcp_rr_blocking_p999_us", rtBlocking.map(r -> round(r.latency().p999(), 2)).orElse(null));
        m.put("rt_tcp_rr_blocking_p50_ratio", rtBlocking.map(r -> round(ratio(r), 2)).orElse(null));
        var tap = headline(BenchResult.TAP_UDP_ECHO);
        var veth = find(BenchResult.TAP_UDP_ECHO, "jdk", Bench.VETH);
        var tapWindow = headline(BenchResult.TAP_UDP_WINDOW);
        var vethWindow = find(BenchResult.TAP_UDP_WINDOW, "jdk", Bench.VETH);
        m.put("tap_skipped", tapSkipped);
        m.put("tap_mode", tap.map(BenchResult::variant).orElse(null));
        m.put("tap_udp_rtt_p50_us", tap.map(r -> round(r.latency().p50(), 2)).orElse(null));
        m.put("tap_udp_rtt_p999_us", tap.map(r -> round(r.latency().p999(), 2)).orElse(null));
        m.put("veth_udp_rtt_p50_us", veth.map(r -> round(r.latency().p50(), 2)).orElse(null));
        m.put("veth_udp_rtt_p999_us", veth.map(r -> round(r.latency().p999(), 2)).orElse(null));
        m.put("tap_echo_per_s", tap.map(r -> Math.round(r.rate())).orElse(null));
        m.put("veth_echo_per_s", veth.map(r -> Math.round(r.rate())).orElse(null));
        m.put("tap_echo_ratio", tap.map(r -> round(ratio(r), 2)).orElse(null));
        m.put("tap_echo_w32_per_s", tapWindow.map(r -> Math.round(r.rate())).orElse(null));
        m.put("veth_echo_w32_per_s", vethWindow.map(r -> Math.round(r.rate())).orElse(null));
        m.put("tap_echo_w32_ratio", tapWindow.map(r -> round(ratio(r), 2)).orElse(null));
        var loss0 = find(BenchResult.TCP_LOSS0, "netstack4j", Bench.SACK_CUBIC);
        var loss0Plain = find(BenchResult.TCP_LOSS0, "netstack4j", Bench.NEWRENO_NO_SACK);
        m.put("tcp_loss0_gbps", loss0.map(r -> round(r.rate() * 8 / 1e9, 4)).orElse(null));
        m.put("tcp_loss0_gbps_newreno_nosack", loss0Plain.map(r -> round(r.rate() * 8 / 1e9, 4)).orElse(null));
        var loss = find(BenchResult.TCP_LOSS1, "netstack4j", Bench.SACK_CUBIC);
        var lossPlain = find(BenchResult.TCP_LOSS1, "netstack4j", Bench.NEWRENO_NO_SACK);
        m.put("tcp_loss1_gbps", loss.map(r -> round(r.rate() * 8 / 1e9, 4)).orElse(null));
        m.put("tcp_loss1_gbps_newreno_nosack", lossPlain.map(r -> round(r.rate() * 8 / 1e9, 4)).orElse(null));
        var conn = headline(BenchResult.TCP_CONN);
        var jdkConn = jdkBest(BenchResult.TCP_CONN, null);
        m.put("tcp_conn_per_s", conn.map(r -> Math.round(r.rate())).orElse(null));
        m.put("jdk_tcp_conn_per_s", jdkConn.map(r -> Math.round(r.rate())).orElse(null));
        m.put("tcp_conn_per_s_ratio", conn.map(r -> round(ratio(r), 2)).orElse(null));
        var costMost = find(BenchResult.TCP_COST, "netstack4j", Integer.toString(BenchResult.TCP_COST_CONNECTIONS.getLast()));
        m.put("tcp_cost_flat_ratio", costMost.map(r -> round(ratio(r), 3)).orElse(null));
        for (int n : BenchResult.TCP_COST_CONNECTIONS) {
            m.put("tcp_cost_ns_per_packet_" + n, find(BenchResult.TCP_COST, "netstack4j", Integer.toString(n))
                    .map(r -> round(1e9 / r.rate(), 1)).orElse(null));
        }
        for (int n : BenchResult.TCP_COST_CONNECTIONS) {
            m.put("tcp_cost_ns_per_packet_" + n + "_offload", find(BenchResult.TCP_COST, "netstack4j",
                    n + BenchResult.OFFLOAD_SUFFIX).map(r -> round(1e9 / r.rate(), 1)).orElse(null));
        }
        var costMostOffload = find(BenchResult.TCP_COST, "netstack4j",
                BenchResult.TCP_COST_CONNECTIONS.getLast() + BenchResult.OFFLOAD_SUFFIX);
        m.put("tcp_cost_flat_ratio_offload", costMostOffload.map(r -> round(ratio(r), 3)).orElse(null));
        for (String onOff : List.of(Bench.OFFLOAD_ON, Bench.OFFLOAD_OFF)) {
            var offloadBulk = find(BenchResult.TCP_BULK_OFFLOAD, "netstack4j", onOff);
            // packets: the sender's transmit descriptors; rate x seconds: the bytes moved.
            m.put("tcp_bulk_tx_descriptors_per_mb_offload_" + onOff,
                    offloadBulk.map(r -> round(r.packets() / (r.rate() * r.seconds() / 1048576.0), 1)).orElse(null));
            m.put("tcp_bulk_cpu_ns_per_kb_offload_" + onOff, offloadBulk.map(r -> round(r.wholeRate(), 1)).orElse(null));
        }
        m.put("forward_whole_network_mpps", forward.map(r -> round(r.wholeRate() / 1e6, 3)).orElse(null));
        m.put("alloc_bytes_per_packet", round(maxAllocPerPacket(), 4));
        for (BenchResult r : results) {
            if (r.isNetstack4j()) {
                String key = switch (r.test()) {
                    case BenchResult.UDP_ONE_WAY -> "udp_pps_" + r.variant();
                    case BenchResult.UDP_ECHO -> "udp_rtt_p999_us_" + r.variant();
                    case BenchResult.TCP_BULK -> "tcp_gbps_" + r.variant();
                    case BenchResult.TCP_BULK_JUMBO -> "tcp_gbps_mtu9000_" + r.variant();
                    case BenchResult.TCP_RR -> "tcp_rr_p99_us_" + r.variant();
                    case BenchResult.RT_UDP_ONE_WAY -> "rt_udp_pps_" + r.variant();
                    case BenchResult.RT_UDP_ECHO -> "rt_udp_rtt_p50_us_" + r.variant();
                    case BenchResult.RT_TCP_RR_LOOP -> "rt_tcp_rr_loop_p50_us_" + r.variant();
                    case BenchResult.RT_TCP_RR_BLOCKING -> "rt_tcp_rr_blocking_p50_us_" + r.variant();
                    case BenchResult.TAP_UDP_ECHO -> "tap_echo_ratio_" + r.variant();
                    case BenchResult.TCP_COST, BenchResult.TCP_LOSS0, BenchResult.TCP_LOSS1, BenchResult.TCP_BULK_OFFLOAD ->
                            null; // keys above
                    case BenchResult.TCP_CONN -> "tcp_conn_per_s_" + r.variant();
                    case BenchResult.TAP_UDP_WINDOW -> "tap_echo_w32_ratio_" + r.variant();
                    default -> "forward_mpps_" + r.variant();
                };
                Object value = switch (r.test()) {
                    case BenchResult.FORWARD -> round(r.rate() / 1e6, 3);
                    case BenchResult.TCP_BULK, BenchResult.TCP_BULK_JUMBO -> round(r.rate() * 8 / 1e9, 3);
                    case BenchResult.TCP_RR -> round(r.latency().p99(), 2);
                    case BenchResult.RT_UDP_ECHO, BenchResult.RT_TCP_RR_LOOP, BenchResult.RT_TCP_RR_BLOCKING ->
                            round(r.latency().p50(), 2);
                    case BenchResult.TAP_UDP_ECHO, BenchResult.TAP_UDP_WINDOW, BenchResult.TCP_COST -> round(ratio(r), 2);
                    default -> r.latency() != null ? round(r.latency().p999(), 2) : Math.round(r.rate());
                };
                if (key != null) {
                    m.put(key.replace('-', '_'), value); // "poll-1cpu" -> "..._poll_1cpu": keys stay snake_case
                }
            }
        }
        m.put("budget", budget);
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("load_average_before", loadBefore);
        m.put("load_average_after", loadAfter);
        m.put("how_netstack4j_runs", HOW_NETSTACK4J);
        m.put("how_jdk_runs", HOW_JDK);
        m.put("how_deployed_runs", HOW_DEPLOYED);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (BenchResult r : results) {
            rows.add(row(r));
        }
        m.put("results", rows);
        m.putAll(files);
        return m;
    }

    private Map<String, Object> row(BenchResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("test", r.test());
        m.put("stack", r.stack());
        m.put("variant", r.variant());
        m.put("packets", r.packets());
        m.put("seconds", round(r.seconds(), 3));
        m.put("rate_per_s", Math.round(r.rate()));
        if (r.test().equals(BenchResult.TCP_BULK_OFFLOAD)) {
            m.put("tx_descriptors", r.packets());
            m.put("cpu_ns_per_kb", round(r.wholeRate(), 1));
        } else if (!Double.isNaN(r.wholeRate())) {
            m.put("whole_network_rate_per_s", Math.round(r.wholeRate()));
        }
        if (r.latency() != null) {
            m.put("p50_us", round(r.latency().p50(), 3));
            m.put("p99_us", round(r.latency().p99(), 3));
            m.put("p999_us", round(r.latency().p999(), 3));
            m.put("max_us", round(r.latency().max(), 3));
            m.put("mean_us", round(r.latency().mean(), 3));
        }
        m.put("alloc_bytes_per_packet", round(r.allocBytesPerPacket(), 4));
        m.put("loss", round(r.loss(), 4));
        if (r.isNetstack4j()) {
            m.put("ratio_vs_jdk_best", round(ratio(r), 2));
        }
        return m;
    }

    private static double round(double v, int digits) {
        if (!Double.isFinite(v)) {
            return v;
        }
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    // ==== Table ==========================================================================

    void printTable(PrintWriter out) {
        out.printf(Locale.ROOT, "netstack4j bench (%s): %d cores, load average %s before, %s after%n", budget,
                Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter);
        for (String line : new String[] {HOW_NETSTACK4J, HOW_JDK, HOW_DEPLOYED, HOW_ALLOC}) {
            out.println(wrap(line, "  "));
        }
        out.println();
        out.printf(Locale.ROOT, "%-34s %-24s %-40s %9s  %s%n", "test", "stack / mode", "result", "alloc B/p", "vs JDK best");
        for (BenchResult.Test test : BenchResult.TESTS) {
            List<BenchResult> rows = results.stream().filter(r -> r.test().equals(test.id())).toList();
            if (test.missing() != null) {
                out.printf(Locale.ROOT, "%-34s %s%n", test.title(), "(" + test.missing() + ")");
                continue;
            }
            if (rows.isEmpty() && tapSkipped != null && isTap(test.id())) {
                out.printf(Locale.ROOT, "%-34s %s%n", test.title(), "(skipped: " + tapSkipped + ")");
                continue;
            }
            String title = test.title();
            for (BenchResult r : rows) {
                out.printf(Locale.ROOT, "%-34s %-24s %-40s %9.3f  %s%n", title, r.label(), result(r),
                        r.allocBytesPerPacket(), r.isNetstack4j() ? ratioText(r) : jdkNote(r));
                title = "";
            }
            if (test.id().equals(BenchResult.UDP_ECHO) && noiseFloor != null) {
                BenchResult.Latency l = noiseFloor.latency();
                out.printf(Locale.ROOT, "%-34s %-24s %-40s%n", "", "(machine noise floor)", String.format(Locale.ROOT,
                        "%s / %s / %s / %s us", num(l.p50()), num(l.p99()), num(l.p999()), num(l.max()))
                        + String.format(Locale.ROOT, "  a %.2f us busy loop timed the same way", noiseFloor.workNanos() / 1e3));
            }
        }
        out.println();
        out.println("targets (the project's performance goals), headline mode " + HEADLINE_MODE + ":");
        headline(BenchResult.UDP_ONE_WAY).ifPresent(r -> out.printf(Locale.ROOT,
                "  UDP one-way >= %.0fx the JDK's best: %.1fx  %s%n", TARGET_PPS_RATIO, ratio(r), verdict(ratio(r) >= TARGET_PPS_RATIO)));
        headline(BenchResult.UDP_ECHO).ifPresent(r -> out.printf(Locale.ROOT,
                "  echo p99.9 <= 1/%.0f of the JDK's best: %.1fx lower  %s%n", TARGET_P999_RATIO,
                latencyRatio(r, BenchResult.Latency::p999), verdict(latencyRatio(r, BenchResult.Latency::p999) >= TARGET_P999_RATIO)));
        headline(BenchResult.UDP_ECHO).ifPresent(r -> out.printf(Locale.ROOT, "    (p99 %.1fx lower)%n",
                latencyRatio(r, BenchResult.Latency::p99)));
        if (noiseFloor != null) {
            out.printf(Locale.ROOT, "    the machine stalls this thread %,.0f times a second for 10 us or more (%.1f%% of the time),%n"
                            + "    so work longer than %.2f us meets a stall more often than once in 1,000 and has a p99.9%n"
                            + "    at least one stall long (the noise floor's p99.9 here: %s us)%n",
                    noiseFloor.stallsPerSecond(), 100 * noiseFloor.stalledFraction(),
                    noiseFloor.stallFreeWorkAtP999Nanos() / 1e3, num(noiseFloor.latency().p999()));
        }
        headline(BenchResult.TCP_BULK).ifPresent(r -> out.printf(Locale.ROOT,
                "  TCP bulk >= %.1fx the JDK's (our goal 1x): %.2fx  %s%n", TARGET_TCP_BULK_RATIO, ratio(r),
                verdict(ratio(r) >= TARGET_TCP_BULK_RATIO)));
        headline(BenchResult.TCP_BULK_JUMBO).ifPresent(r -> out.printf(Locale.ROOT,
                "    with MTU 9000 (the JDK's loopback carries 64 KB): %.2fx  %s%n", ratio(r),
                verdict(ratio(r) >= TARGET_TCP_BULK_RATIO)));
        headline(BenchResult.TCP_RR).ifPresent(r -> out.printf(Locale.ROOT,
                "  TCP request/response p99 <= 1/%.0f of the JDK's: %.1fx lower  %s%n", TARGET_TCP_RR_RATIO, ratio(r),
                verdict(ratio(r) >= TARGET_TCP_RR_RATIO)));
        headline(BenchResult.FORWARD).ifPresent(r -> out.printf(Locale.ROOT,
                "  forwarding >= %.0f Mpps per core: %.2f Mpps per router core  %s%n", TARGET_FORWARD_PPS / 1e6,
                r.rate() / 1e6, verdict(r.rate() >= TARGET_FORWARD_PPS)));
        headline(BenchResult.TCP_CONN).ifPresent(r -> out.printf(Locale.ROOT,
                "  TCP connections per second >= 2x the JDK's: %.2fx  %s%n", ratio(r), verdict(ratio(r) >= 2)));
        find(BenchResult.TCP_COST, "netstack4j", Integer.toString(BenchResult.TCP_COST_CONNECTIONS.getLast()))
                .ifPresent(r -> out.printf(Locale.ROOT, "  TCP cost per packet at %s connections <= 1.5x at 1: %.2fx  %s%n",
                        r.variant(), ratio(r), verdict(ratio(r) <= 1.5)));
        out.printf(Locale.ROOT, "  allocation: at most %.3f B per packet in any netstack4j case%n", maxAllocPerPacket());
        printDeployedTargets(out);
    }

    private static boolean isTap(String test) {
        return test.equals(BenchResult.TAP_UDP_ECHO) || test.equals(BenchResult.TAP_UDP_WINDOW);
    }

    /**
     * The deployment path's targets: with applications on the loops, p50 at most a quarter of the
     * JDK's and p99.9 no worse; with blocking applications, p50 no worse and p99.9 at most twice;
     * one-way at least 3x the JDK's packets; over TAP at least 0.8x Linux over veth with one
     * datagram in flight and 1.0x with 32.
     */
    private void printDeployedTargets(PrintWriter out) {
        out.println("deployment-path targets, every configuration measured (real threads; the JDK's blocking rows beside them):");
        Optional<BenchResult> jdkRr = jdkBest(BenchResult.TCP_RR, BenchResult.Latency::p50);
        Optional<BenchResult> jdkEcho = jdkBlocking(BenchResult.UDP_ECHO);
        jdkRr.ifPresent(j -> netstack4jRows(BenchResult.RT_TCP_RR_LOOP).forEach(r -> out.printf(Locale.ROOT,
                "  TCP req/resp, apps on the loops, %-11s p50 %5s <= %5s us (1/4 JDK) %-9s  p99.9 %5s <= %5s us %s%n",
                r.variant() + ":", num(r.latency().p50()), num(j.latency().p50() / 4),
                verdict(r.latency().p50() <= j.latency().p50() / 4), num(r.latency().p999()), num(j.latency().p999()),
                verdict(r.latency().p999() <= j.latency().p999()))));
        for (String test : List.of(BenchResult.RT_UDP_ECHO, BenchResult.RT_TCP_RR_BLOCKING)) {
            Optional<BenchResult> jdk = test.equals(BenchResult.RT_UDP_ECHO) ? jdkEcho : jdkRr;
            String what = test.equals(BenchResult.RT_UDP_ECHO) ? "UDP echo, blocking apps,    " : "TCP req/resp, blocking apps,";
            jdk.ifPresent(j -> netstack4jRows(test).forEach(r -> out.printf(Locale.ROOT,
                    "  %s %-11s p50 %5s <= %5s us (JDK)     %-9s  p99.9 %5s <= %5s us (2x JDK) %s%n", what,
                    r.variant() + ":", num(r.latency().p50()), num(j.latency().p50()), verdict(r.latency().p50() <= j.latency().p50()),
                    num(r.latency().p999()), num(2 * j.latency().p999()), verdict(r.latency().p999() <= 2 * j.latency().p999()))));
        }
        netstack4jRows(BenchResult.RT_UDP_ONE_WAY).forEach(r -> out.printf(Locale.ROOT,
                "  UDP one-way >= 3x the JDK's blocking, %-11s %.2fx  %s%n", r.variant() + ":", ratio(r), verdict(ratio(r) >= 3)));
        netstack4jRows(BenchResult.TAP_UDP_ECHO).forEach(r -> out.printf(Locale.ROOT,
                "  over TAP, 1 in flight >= 0.8x Linux over veth, %-11s %.2fx  %s%n", r.variant() + ":", ratio(r),
                verdict(ratio(r) >= 0.8)));
        netstack4jRows(BenchResult.TAP_UDP_WINDOW).forEach(r -> out.printf(Locale.ROOT,
                "  over TAP, 32 in flight >= 1.0x Linux over veth, %-11s %.2fx  %s%n", r.variant() + ":", ratio(r),
                verdict(ratio(r) >= 1.0)));
        if (tapSkipped != null) {
            out.println("  over TAP: skipped (" + tapSkipped + ")");
        }
    }

    private List<BenchResult> netstack4jRows(String test) {
        return results.stream().filter(r -> r.test().equals(test) && r.isNetstack4j()).toList();
    }

    private static String verdict(boolean met) {
        return met ? "(met)" : "(not yet)";
    }

    private String result(BenchResult r) {
        if (r.latency() != null) {
            BenchResult.Latency l = r.latency();
            return String.format(Locale.ROOT, "%s / %s / %s / %s us", num(l.p50()), num(l.p99()), num(l.p999()), num(l.max()));
        }
        if (r.test().equals(BenchResult.FORWARD)) {
            return String.format(Locale.ROOT, "%s/s per core (%s/s all 3 on 1)", si(r.rate()), si(r.wholeRate()));
        }
        if (r.test().equals(BenchResult.TCP_BULK) || r.test().equals(BenchResult.TCP_BULK_JUMBO)) {
            return String.format(Locale.ROOT, "%.2f Gbit/s", r.rate() * 8 / 1e9);
        }
        if (BenchResult.isLoss(r.test())) {
            return String.format(Locale.ROOT, "%.2f Mbit/s simulated, %d sent again", r.rate() * 8 / 1e6, r.packets());
        }
        if (r.test().equals(BenchResult.TCP_COST)) {
            boolean offload = r.variant().endsWith(BenchResult.OFFLOAD_SUFFIX);
            return String.format(Locale.ROOT, "%.0f ns per segment (%s connections%s)", 1e9 / r.rate(),
                    offload ? r.variant().substring(0, r.variant().length() - BenchResult.OFFLOAD_SUFFIX.length())
                            : r.variant(), offload ? ", offloads on" : "");
        }
        if (r.test().equals(BenchResult.TCP_BULK_OFFLOAD)) {
            return String.format(Locale.ROOT, "%.0f descriptors/MB, %.0f CPU ns/KB (sim.)",
                    r.packets() / (r.rate() * r.seconds() / 1048576.0), r.wholeRate());
        }
        return si(r.rate()) + "/s";
    }

    private String ratioText(BenchResult r) {
        double x = ratio(r);
        if (Double.isNaN(x)) {
            return "";
        }
        return switch (r.test()) {
            case BenchResult.UDP_ECHO -> String.format(Locale.ROOT, "p99.9 %.1fx lower", x);
            case BenchResult.RT_UDP_ECHO -> String.format(Locale.ROOT, "p50 %.2fx (vs jdk-blocking)", x);
            case BenchResult.RT_UDP_ONE_WAY -> String.format(Locale.ROOT, "%.2fx (vs jdk-blocking)", x);
            case BenchResult.RT_TCP_RR_LOOP, BenchResult.RT_TCP_RR_BLOCKING -> String.format(Locale.ROOT, "p50 %.2fx", x);
            case BenchResult.TAP_UDP_ECHO, BenchResult.TAP_UDP_WINDOW -> String.format(Locale.ROOT, "%.2fx echoes/s (vs veth)", x);
            case BenchResult.TCP_COST -> String.format(Locale.ROOT, "%.2fx the cost at 1", x);
            case BenchResult.TCP_BULK_OFFLOAD -> String.format(Locale.ROOT, "%.2fx less CPU per byte than off", x);
            case BenchResult.TCP_LOSS0, BenchResult.TCP_LOSS1 -> String.format(Locale.ROOT, "%.2fx NewReno without SACK", x);
            case BenchResult.TCP_RR -> String.format(Locale.ROOT, "p99 %.1fx lower", x);
            default -> String.format(Locale.ROOT, "%.2fx", x);
        };
    }

    private static String jdkNote(BenchResult r) {
        return r.loss() > 0.0005 ? String.format(Locale.ROOT, "(%.1f%% dropped by the kernel)", 100 * r.loss()) : "";
    }

    private static String num(double us) {
        return us >= 100 ? String.format(Locale.ROOT, "%.0f", us) : String.format(Locale.ROOT, "%.1f", us);
    }

    /** 2.51 M, 93.4 k, 512. */
    static String si(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        if (v >= 1e6) {
            return String.format(Locale.ROOT, "%.2f M", v / 1e6);
        }
        if (v >= 1e3) {
            return String.format(Locale.ROOT, "%.1f k", v / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", v);
    }

    private static String wrap(String text, String indent) {
        StringBuilder out = new StringBuilder();
        StringBuilder line = new StringBuilder(indent);
        for (String word : text.split(" ")) {
            if (line.length() + word.length() + 1 > 110 && line.length() > indent.length()) {
                out.append(line).append('\n');
                line = new StringBuilder(indent + "  ");
            }
            if (line.length() > indent.length() && !line.toString().endsWith(" ")) {
                line.append(' ');
            }
            line.append(word);
        }
        return out.append(line).toString();
    }

    // ==== CSV ============================================================================

    void writeCsv(Path file) throws IOException {
        StringBuilder sb = new StringBuilder("test,stack,variant,packets,seconds,rate_per_s,whole_network_rate_per_s,"
                + "p50_us,p99_us,p999_us,max_us,alloc_bytes_per_packet,loss,ratio_vs_jdk_best\n");
        for (BenchResult r : results) {
            BenchResult.Latency l = r.latency();
            sb.append(String.join(",", r.test(), r.stack(), r.variant(), Long.toString(r.packets()),
                    fmt(r.seconds()), fmt(Math.rint(r.rate())), fmt(Math.rint(r.wholeRate())),
                    l == null ? "" : fmt(l.p50()), l == null ? "" : fmt(l.p99()), l == null ? "" : fmt(l.p999()),
                    l == null ? "" : fmt(l.max()), fmt(r.allocBytesPerPacket()), fmt(r.loss()),
                    r.isNetstack4j() ? fmt(ratio(r)) : "")).append('\n');
        }
        for (BenchResult.Test t : BenchResult.TESTS) {
            if (t.missing() != null) {
                sb.append(t.id()).append(",netstack4j,,,,,,,,,,,,\n");
            }
        }
        Files.writeString(file, sb.toString());
    }

    private static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.4f", v);
    }

    // ==== Charts =========================================================================

    private static final Color NETSTACK4J = new Color(0x1F77B4);
    private static final Color JDK = new Color(0xFF7F0E);

    /** Writes the PNG charts into {@code dir}; returns their paths. */
    List<Path> writeCharts(Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Path> files = new ArrayList<>();
        List<BenchResult> oneWay = rows(BenchResult.UDP_ONE_WAY);
        if (!oneWay.isEmpty()) {
            CategoryChart c = chart("UDP one-way, 64 B datagrams: received per second (higher is better)",
                    "million datagrams/s");
            c.getStyler().setLabelsVisible(true); // the JDK's bars are short: their values say what the bar cannot
            List<String> labels = oneWay.stream().map(BenchResult::label).toList();
            // Two series over the same categories, each empty (null) where it has no bar: one colour per stack.
            c.getStyler().setOverlapped(true);
            c.getStyler().setLegendVisible(true);
            c.addSeries("netstack4j", labels, oneWay.stream().map(r -> r.isNetstack4j() ? (Double) (r.rate() / 1e6) : null).toList())
                    .setFillColor(NETSTACK4J);
            c.addSeries("JDK over loopback", labels, oneWay.stream().map(r -> r.isNetstack4j() ? null : (Double) (r.rate() / 1e6)).toList())
                    .setFillColor(JDK);
            files.add(save(c, dir.resolve("udp-one-way.png")));
        }
        List<BenchResult> echo = rows(BenchResult.UDP_ECHO);
        if (!echo.isEmpty()) {
            CategoryChart c = chart("UDP echo round trip, 64 B: percentiles (lower is better, log scale)", "µs");
            c.getStyler().setYAxisLogarithmic(true);
            // Bars grow from the axis minimum; a log axis has no zero, so give it one below the data.
            double low = echo.stream().mapToDouble(r -> r.latency().p50()).min().orElse(1);
            if (noiseFloor != null) {
                low = Math.min(low, noiseFloor.latency().p50());
            }
            c.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(low * 0.8))));
            List<String> labels = new ArrayList<>(echo.stream().map(BenchResult::label).toList());
            List<BenchResult.Latency> lat = new ArrayList<>(echo.stream().map(BenchResult::latency).toList());
            if (noiseFloor != null) {
                labels.add(String.format(Locale.ROOT, "noise floor (%.2f us loop)", noiseFloor.workNanos() / 1e3));
                lat.add(noiseFloor.latency());
            }
            c.addSeries("p50", labels, lat.stream().map(BenchResult.Latency::p50).toList());
            c.addSeries("p99", labels, lat.stream().map(BenchResult.Latency::p99).toList());
            c.addSeries("p99.9", labels, lat.stream().map(BenchResult.Latency::p999).toList());
            c.addSeries("max", labels, lat.stream().map(BenchResult.Latency::max).toList());
            c.getStyler().setLegendVisible(true);
            files.add(save(c, dir.resolve("udp-echo-rtt.png")));
        }
        List<BenchResult> forward = rows(BenchResult.FORWARD);
        if (!forward.isEmpty()) {
            CategoryChart c = chart("IPv4 forwarding, 64 B frames, netstack4j router with two cards (target 5 Mpps per core)",
                    "million frames/s");
            List<String> labels = forward.stream().map(BenchResult::variant).toList();
            c.addSeries("per router core", labels, forward.stream().map(r -> r.rate() / 1e6).toList());
            c.addSeries("whole network (generator, router, sink) on one core", labels,
                    forward.stream().map(r -> r.wholeRate() / 1e6).toList());
            c.addSeries("target: 5 Mpps per router core", labels, forward.stream().map(r -> TARGET_FORWARD_PPS / 1e6).toList())
                    .setChartCategorySeriesRenderStyle(org.knowm.xchart.CategorySeries.CategorySeriesRenderStyle.Line);
            c.getStyler().setLabelsVisible(true);
            c.getStyler().setLegendVisible(true);
            files.add(save(c, dir.resolve("forwarding.png")));
        }
        List<BenchResult> bulk = new ArrayList<>(rows(BenchResult.TCP_BULK));
        bulk.addAll(rows(BenchResult.TCP_BULK_JUMBO));
        if (!bulk.isEmpty()) {
            CategoryChart c = chart("TCP bulk, one stream: Gbit/s (higher is better; the JDK over loopback, MTU 65,536)",
                    "Gbit/s");
            List<String> labels = bulk.stream().map(r -> r.label()
                    + (r.test().equals(BenchResult.TCP_BULK_JUMBO) ? ", MTU 9000" : r.isNetstack4j() ? ", MTU 1500" : "")).toList();
            c.getStyler().setOverlapped(true);
            c.getStyler().setLegendVisible(true);
            c.getStyler().setLabelsVisible(true);
            c.addSeries("netstack4j", labels, bulk.stream().map(r -> r.isNetstack4j() ? (Double) (r.rate() * 8 / 1e9) : null).toList())
                    .setFillColor(NETSTACK4J);
            c.addSeries("JDK over loopback", labels, bulk.stream().map(r -> r.isNetstack4j() ? null : (Double) (r.rate() * 8 / 1e9)).toList())
                    .setFillColor(JDK);
            files.add(save(c, dir.resolve("tcp-bulk.png")));
        }
        List<BenchResult> rr = rows(BenchResult.TCP_RR);
        if (!rr.isEmpty()) {
            CategoryChart c = chart("TCP 1-byte request/response: percentiles (lower is better, log scale)", "µs");
            c.getStyler().setYAxisLogarithmic(true);
            double low = rr.stream().mapToDouble(r -> r.latency().p50()).min().orElse(1);
            c.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(low * 0.8))));
            List<String> labels = rr.stream().map(BenchResult::label).toList();
            c.addSeries("p50", labels, rr.stream().map(r -> r.latency().p50()).toList());
            c.addSeries("p99", labels, rr.stream().map(r -> r.latency().p99()).toList());
            c.addSeries("p99.9", labels, rr.stream().map(r -> r.latency().p999()).toList());
            c.getStyler().setLegendVisible(true);
            files.add(save(c, dir.resolve("tcp-rr.png")));
        }
        return files;
    }

    private List<BenchResult> rows(String test) {
        return results.stream().filter(r -> r.test().equals(test)).toList();
    }

    /** A chart titled with what it shows and which run it came from (a quick run's figures mean less). */
    private CategoryChart chart(String title, String yTitle) {
        CategoryChart c = new CategoryChartBuilder().width(1000).height(560)
                .title(title + " — " + budget + " run, " + Runtime.getRuntime().availableProcessors() + " cores")
                .yAxisTitle(yTitle).build();
        var st = c.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setChartTitleBoxVisible(false);
        st.setLegendPosition(Styler.LegendPosition.OutsideS);
        st.setLegendVisible(false);
        st.setPlotGridLinesColor(new Color(0xE0E0E0));
        st.setXAxisLabelRotation(20);
        st.setDecimalPattern("#,##0.##"); // the values written on bars: two decimals at most
        return c;
    }

    private static Path save(CategoryChart c, Path file) throws IOException {
        try (var os = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(c, os, BitmapEncoder.BitmapFormat.PNG);
        }
        return file;
    }
}
