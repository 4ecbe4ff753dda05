package org.netstack4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.netstack4j.cli.MainTest.run;

/** The bench command at its hidden tiny size (every path, in seconds), and the zero-garbage proof at a small size. */
class BenchCommandTest {

    @Test
    void jsonIsOneObjectWithTheHeadlineKeysAndEveryRow(@TempDir Path dir) throws Exception {
        MainTest.Run r = run("bench", "--tiny", "--json", "--out", dir.toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().strip()).doesNotContain("\n");
        Map<String, Object> json = MiniJsonParser.parseObject(r.out());
        assertThat(json).containsKeys("udp_pps", "jdk_udp_pps", "udp_pps_ratio", "udp_rtt_p99_us", "jdk_udp_rtt_p99_us",
                "udp_rtt_p999_us", "udp_rtt_p999_ratio", "noise_floor_p999_us", "forward_mpps", "alloc_bytes_per_packet", "load_average_before",
                "how_netstack4j_runs", "how_jdk_runs", "csv", "charts");
        for (String key : List.of("udp_pps", "jdk_udp_pps", "udp_pps_ratio", "udp_rtt_p99_us", "jdk_udp_rtt_p99_us", "forward_mpps")) {
            assertThat(((Number) json.get(key)).doubleValue()).as(key).isPositive();
        }
        assertThat(json.get("headline_mode")).isEqualTo("poll");
        // The noise floor's loop is as long as netstack4j's median echo, and it counts the stalls.
        assertThat(((Number) json.get("noise_floor_work_us")).doubleValue())
                .isCloseTo(((Number) json.get("udp_rtt_p50_us")).doubleValue(), org.assertj.core.data.Offset.offset(0.01));
        // Each stall counted is at least 10 us long, so the time stalled is at least their number times 10 us
        // (within the rounding of both keys); and no piece of timed work is shorter than the work itself.
        double stallsPerSecond = ((Number) json.get("machine_stalls_per_s")).doubleValue();
        double stalledFraction = ((Number) json.get("machine_stalled_fraction")).doubleValue();
        assertThat(stalledFraction).isBetween(0.0, 1.0)
                .isGreaterThanOrEqualTo((stallsPerSecond - 0.5) * Bench.STALL_NANOS / 1e9 - 0.00005);
        assertThat(((Number) json.get("noise_floor_p999_us")).doubleValue())
                .isGreaterThanOrEqualTo(((Number) json.get("noise_floor_work_us")).doubleValue() * 0.99);
        for (String key : List.of("tcp_gbps", "jdk_tcp_gbps", "tcp_gbps_ratio", "tcp_rr_p50_us", "tcp_rr_p99_us",
                "tcp_rr_p999_us", "jdk_tcp_rr_p99_us", "tcp_rr_p99_ratio", "tcp_gbps_poll", "tcp_rr_p99_us_napi",
                "tcp_gbps_mtu9000", "tcp_gbps_mtu9000_ratio", "tcp_gbps_mtu9000_interrupt")) {
            assertThat(((Number) json.get(key)).doubleValue()).as(key).isPositive();
        }
        // The ratios are the figures beside them, divided (within the rounding of three places).
        assertThat(((Number) json.get("tcp_gbps_ratio")).doubleValue()).isCloseTo(((Number) json.get("tcp_gbps")).doubleValue()
                / ((Number) json.get("jdk_tcp_gbps")).doubleValue(), org.assertj.core.data.Offset.offset(0.02));
        assertThat(((Number) json.get("tcp_rr_p99_ratio")).doubleValue()).isCloseTo(((Number) json.get("jdk_tcp_rr_p99_us"))
                .doubleValue() / ((Number) json.get("tcp_rr_p99_us")).doubleValue(), org.assertj.core.data.Offset.offset(0.05));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) json.get("results");
        // 3 wake modes x 10 tests for netstack4j (4 of them the deployed path on real threads, each also busy-polled
        // on one CPU thread for both hosts), 3 JDK arrangements x 2 UDP tests, 1 JDK arrangement x 2 TCP tests;
        // 3 + 1 short-connection rows, 2 loss rows, 6 TCP cost rows (1, 1,000 and 100,000 connections open, the cards'
        // offloads off and on), 2 TCP bulk rows with the offloads on and off; where TAP can run, 2 TAP tests x (3 wake
        // modes + the JDK over veth).
        boolean tap = tapRowsRun();
        int expected = 58 + (tap ? 8 : 0);
        assertThat(rows).hasSize(expected);
        assertThat(rows).filteredOn(m -> m.get("test").toString().startsWith("rt_tcp_rr_")).hasSize(8).allSatisfy(m ->
                assertThat(m).containsKeys("p50_us", "p99_us", "p999_us", "max_us"));
        assertThat(rows).filteredOn(m -> m.get("test").equals("rt_udp_echo_rtt")).hasSize(4).allSatisfy(m ->
                assertThat(m).containsKeys("p50_us", "p99_us", "p999_us", "max_us"));
        assertThat(rows).filteredOn(m -> "poll-1cpu".equals(m.get("variant"))).hasSize(4);
        assertThat(((Number) json.get("rt_tcp_rr_loop_p50_us_poll_1cpu")).doubleValue()).isPositive();
        // The cost per segment with 100,000 connections open, over the cost with one: the figures beside it, divided.
        assertThat(((Number) json.get("tcp_cost_flat_ratio")).doubleValue()).isCloseTo(((Number) json.get(
                "tcp_cost_ns_per_packet_100000")).doubleValue() / ((Number) json.get("tcp_cost_ns_per_packet_1")).doubleValue(),
                org.assertj.core.data.Offset.offset(0.02));
        assertThat(rows).filteredOn(m -> m.get("test").equals("tcp_cost_per_packet")).extracting(m -> m.get("variant"))
                .containsExactly("1", "1000", "100000", "1-offload", "1000-offload", "100000-offload");
        for (String key : List.of("tcp_cost_ns_per_packet_1_offload", "tcp_cost_ns_per_packet_1000_offload",
                "tcp_cost_ns_per_packet_100000_offload", "tcp_cost_flat_ratio_offload")) {
            assertThat(((Number) json.get(key)).doubleValue()).as(key).isPositive();
        }
        // TSO: the same bytes in far fewer transmit descriptors, and (checksums on the card too) less CPU per byte.
        double descriptorsOn = ((Number) json.get("tcp_bulk_tx_descriptors_per_mb_offload_on")).doubleValue();
        double descriptorsOff = ((Number) json.get("tcp_bulk_tx_descriptors_per_mb_offload_off")).doubleValue();
        assertThat(descriptorsOn).isPositive().isLessThan(descriptorsOff / 5);
        assertThat(((Number) json.get("tcp_bulk_cpu_ns_per_kb_offload_on")).doubleValue()).isPositive()
                .isLessThan(((Number) json.get("tcp_bulk_cpu_ns_per_kb_offload_off")).doubleValue());
        assertThat(rows).filteredOn(m -> m.get("test").equals("tcp_bulk_offload")).extracting(m -> m.get("variant"))
                .containsExactly("on", "off");
        for (String key : List.of("tcp_conn_per_s", "jdk_tcp_conn_per_s", "tcp_conn_per_s_napi", "tcp_loss1_gbps",
                "tcp_loss1_gbps_newreno_nosack", "tcp_loss0_gbps", "tcp_loss0_gbps_newreno_nosack")) {
            assertThat(((Number) json.get(key)).doubleValue()).as(key).isPositive();
        }
        assertThat(((Number) json.get("tcp_conn_per_s_ratio")).doubleValue()).isCloseTo(((Number) json.get("tcp_conn_per_s"))
                .doubleValue() / ((Number) json.get("jdk_tcp_conn_per_s")).doubleValue(), org.assertj.core.data.Offset.offset(0.02));
        if (tap) {
            // netstack4j on a TAP device against Linux, beside the JDK on Linux over veth: the ratio is the rates divided.
            assertThat(json.get("tap_skipped")).isNull();
            for (String key : List.of("tap_udp_rtt_p50_us", "tap_udp_rtt_p999_us", "veth_udp_rtt_p50_us", "tap_echo_per_s",
                    "veth_echo_per_s", "tap_echo_w32_per_s", "veth_echo_w32_per_s")) {
                assertThat(((Number) json.get(key)).doubleValue()).as(key).isPositive();
            }
            // (At this tiny size one lost datagram's 200 ms timeout can round a ratio down to 0.00.)
            for (String key : List.of("tap_echo_ratio", "tap_echo_w32_ratio", "tap_echo_ratio_napi", "tap_echo_w32_ratio_interrupt")) {
                assertThat(((Number) json.get(key)).doubleValue()).as(key).isNotNegative();
            }
            assertThat(((Number) json.get("tap_echo_ratio")).doubleValue()).isCloseTo(((Number) json.get("tap_echo_per_s"))
                    .doubleValue() / ((Number) json.get("veth_echo_per_s")).doubleValue(), org.assertj.core.data.Offset.offset(0.01));
            assertThat(rows).filteredOn(m -> m.get("test").equals("tap_udp_echo_rtt")).hasSize(4).allSatisfy(m ->
                    assertThat(m).containsKeys("p50_us", "p99_us", "p999_us", "max_us"));
        } else {
            assertThat(json.get("tap_skipped")).isEqualTo(Bench.tapUnavailable());
        }
        // The deployed path beside the JDK's blocking threads: the ratio is the figures beside it, divided.
        for (String key : List.of("rt_udp_rtt_p50_us", "rt_udp_rtt_p999_us", "jdk_blocking_udp_rtt_p50_us", "rt_udp_pps",
                "jdk_blocking_udp_pps", "rt_udp_pps_ratio", "rt_udp_rtt_p50_ratio", "rt_udp_pps_napi",
                "rt_tcp_rr_loop_p50_us", "rt_tcp_rr_blocking_p50_us", "rt_tcp_rr_loop_p50_ratio", "rt_tcp_rr_blocking_p50_us_poll")) {
            assertThat(((Number) json.get(key)).doubleValue()).as(key).isPositive();
        }
        assertThat(((Number) json.get("rt_udp_rtt_p50_ratio")).doubleValue()).isCloseTo(((Number) json.get(
                "jdk_blocking_udp_rtt_p50_us")).doubleValue() / ((Number) json.get("rt_udp_rtt_p50_us")).doubleValue(),
                org.assertj.core.data.Offset.offset(0.05));
        assertThat(rows).filteredOn(m -> m.get("test").equals("tcp_rr_rtt")).hasSize(4).allSatisfy(m ->
                assertThat(m).containsKeys("p50_us", "p99_us", "p999_us", "max_us"));
        assertThat(rows).filteredOn(m -> m.get("test").equals("udp_echo_rtt")).allSatisfy(m ->
                assertThat(m).containsKeys("p50_us", "p99_us", "p999_us", "max_us"));
        assertThat(Files.readAllLines(dir.resolve("bench.csv"))).hasSize(1 + expected)
                .first().asString().startsWith("test,stack,variant");
        for (String png : List.of("udp-one-way.png", "udp-echo-rtt.png", "forwarding.png", "tcp-bulk.png", "tcp-rr.png")) {
            assertThat(Files.size(dir.resolve(png))).as(png).isGreaterThan(1000);
        }
        assertThat(r.err()).contains("netstack4j bench: [" + expected + "/" + expected + "]");
    }

    /** Whether this machine runs the TAP rows (root, /dev/net/tun); with CI=true it must. */
    private static boolean tapRowsRun() {
        String problem = Bench.tapUnavailable();
        if (problem != null && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI=true, but the bench's TAP rows cannot run: " + problem);
        }
        return problem == null;
    }

    @Test
    void workLongerThanTheStallSpacingTimesOneInAThousandMeetsAStallAtP999() {
        BenchResult.Latency any = new BenchResult.Latency(1, 1, 1, 1, 1);
        // 1,000 stalls a second: a 1 us piece of work meets one in 1,000 runs.
        assertThat(new BenchResult.NoiseFloor(any, 1_000, 1_000, 0.03).stallFreeWorkAtP999Nanos()).isEqualTo(1_000.0);
        assertThat(new BenchResult.NoiseFloor(any, 1_000, 1_300, 0.05).stallFreeWorkAtP999Nanos()).isCloseTo(769.2,
                org.assertj.core.data.Offset.offset(0.1));
        assertThat(new BenchResult.NoiseFloor(any, 1_000, 0, 0).stallFreeWorkAtP999Nanos()).isInfinite();
    }

    @Test
    void tableSaysHowEachStackRunsAndWhatIsMissing(@TempDir Path dir) {
        MainTest.Run r = run("bench", "--tiny", "--no-fork", "--modes", "napi", "--quiet", "--out", dir.toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("load average", "run-to-completion", "jdk-blocking", "jdk-spin", "jdk-1thread",
                "netstack4j napi", "TCP bulk", "Gbit/s", "TCP 1-byte request/response", "TCP_NODELAY", "IPv4 forwarding",
                "vs JDK best", "TCP bulk >= 0.5x the JDK's", "deployment-path targets", "UDP echo, blocking apps",
                "targets (the project's performance goals)", "machine noise floor", "stalls this thread", "bench.csv");
    }

    @ParameterizedTest
    @ValueSource(strings = {"bench --modes bogus", "bench --modes", "bench --packets 5000", "bench --zero-garbage --packets 5",
            "bench --zero-garbage --heap 8", "bench --zero-garbage --quick", "bench --bogus", "bench extra"})
    void badArgumentsExit2WithOneLine(String args) {
        MainTest.Run r = run(args.split(" "));

        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines().toList()).hasSize(1).first().asString()
                .startsWith("netstack4j bench").contains("--help").doesNotContain("Exception");
    }

    /**
     * Echo, TCP bulk and forwarding, 3 million packets each in every wake mode, in a JVM with no garbage
     * collector and a 96 MB heap: about 40 MB are free after setup, so 16 bytes of garbage per
     * packet in any one case would exhaust it. The allocation counter over the packet loops must
     * also stay at (almost) nothing. {@code bench --zero-garbage} runs the same at 100 million.
     */
    @Test
    void echoTcpAndForwardingRunUnderEpsilonWithoutGarbage() throws Exception {
        MainTest.Run r = run("bench", "--zero-garbage", "--packets", "3000000", "--heap", "96", "--json");

        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        Map<String, Object> json = MiniJsonParser.parseObject(r.out());
        assertThat(json).containsEntry("ok", true).containsEntry("gc", "epsilon");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> cases = (List<Map<String, Object>>) json.get("cases");
        assertThat(cases).hasSize(9);
        assertThat(cases).extracting(c -> c.get("test")).containsOnly("udp_echo", "tcp_bulk", "forward");
        assertThat(cases).allSatisfy(c -> {
            assertThat(((Number) c.get("packets")).longValue()).isGreaterThanOrEqualTo(3_000_000);
            assertThat(((Number) c.get("alloc_bytes_per_packet")).doubleValue()).as(c.toString()).isLessThan(0.01);
        });
    }

    /** Child processes of this JVM still running {@code sleep}. */
    private static List<ProcessHandle> sleepers() {
        return ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                .filter(h -> h.info().command().orElse("").endsWith("/sleep")).toList();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aBenchCaseJvmThatHangsIsKilledAtItsTimeout() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> BenchFork.run(List.of("sleep", "600"), "a sleeper", Duration.ofSeconds(1)))
                .isInstanceOf(java.io.IOException.class)
                .hasMessage("the JVM measuring a sleeper did not finish within 1 s and was killed");
        assertThat(System.nanoTime() - start).isLessThan(15_000_000_000L);
        assertThat(sleepers()).isEmpty();
        assertThat(BenchFork.timeout(Bench.Budget.FULL)).isGreaterThan(Duration.ofSeconds(10 * 8));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aZeroGarbageJvmThatHangsIsKilledAtItsTimeout() throws Exception {
        java.io.StringWriter err = new java.io.StringWriter();
        ZeroGarbage.Outcome o = ZeroGarbage.launch(List.of("sleep", "600"), Duration.ofSeconds(1),
                new java.io.PrintWriter(err));
        assertThat(o.timedOut()).isTrue();
        assertThat(o.ok()).isFalse();
        assertThat(sleepers()).isEmpty();
    }

    /** SIGTERM to a bench waiting for its child JVM: the child goes too, rather than running on as an orphan. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aBenchStoppedBySigtermTakesItsChildJvmWithIt() throws Exception {
        List<ProcessHandle> children = List.of();
        try (CliProcess bench = CliProcess.start("bench", "bench", "--zero-garbage", "--packets", "10000000000",
                "--modes", "napi")) {
            ProcessHandle parent = ProcessHandle.of(bench.pid()).orElseThrow();
            long deadline = System.nanoTime() + 60_000_000_000L;
            // Signal as soon as the child appears: in the middle of its start, as like as not.
            while (children.isEmpty() && System.nanoTime() < deadline && bench.isAlive()) {
                Thread.sleep(5);
                children = parent.children().toList();
            }
            assertThat(children).as(bench.transcript()).isNotEmpty();
            bench.stop(Duration.ofSeconds(30));
            for (ProcessHandle child : children) {
                child.onExit().get(15, TimeUnit.SECONDS);
                assertThat(child.isAlive()).isFalse();
            }
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the child JVM outlived its parent's SIGTERM", e);
        } finally {
            children.forEach(ProcessHandle::destroyForcibly);
        }
    }
}
