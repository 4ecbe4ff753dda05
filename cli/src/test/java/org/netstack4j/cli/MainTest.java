package org.netstack4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The CLI run in-process, with stdout and stderr captured. */
class MainTest {
    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void framesArePacedByDefaultSoNothingIsLostAndNoPaceShowsTheCardsDrops() {
        // Real threads, as the README's example: the paced run loses nothing.
        Run paced = run("frames", "--frames", "200000", "--mode", "napi", "--json", "--quiet");
        assertThat(paced.exit()).as(paced.err()).isZero();
        Map<String, Object> json = MiniJsonParser.parseObject(paced.out());
        assertThat(num(json, "received")).isEqualTo(200_000);
        assertThat(num(json, "dropped")).isZero();
        // Unpaced, the sender outruns the far side (each frame costs the receiver more than the sender):
        // its ring overflows and the card counts what it dropped.
        Run burst = run("frames", "--no-pace", "--frames", "400000", "--mode", "napi", "--json", "--quiet");
        assertThat(burst.exit()).as(burst.err()).isZero();
        Map<String, Object> unpaced = MiniJsonParser.parseObject(burst.out());
        @SuppressWarnings("unchecked")
        Map<String, Long> drops = (Map<String, Long>) unpaced.get("drops_by_cause");
        assertThat(drops.get("rx_missed")).as("counted, and they add up").isPositive().isEqualTo(num(unpaced, "dropped"));
        assertThat(num(unpaced, "unaccounted")).isZero();
        assertThat(run("frames", "--help").out()).contains("--no-pace", "rx_missed");
    }

    @Test
    void framesJsonIsOneObjectThatAddsUp() {
        Run r = run("frames", "--sim", "--frames", "20000", "--json");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().strip()).doesNotContain("\n");
        Map<String, Object> json = MiniJsonParser.parseObject(r.out());
        assertThat(json).containsKeys("sent", "received", "dropped", "drops_by_cause", "duplicated", "unaccounted",
                "pool_size", "pool_free", "mode", "frames", "size", "elapsed_ms", "frames_per_second", "drivers",
                "capture");
        long sent = num(json, "sent");
        assertThat(sent).isEqualTo(20_000);
        assertThat(sent).isEqualTo(num(json, "received") + num(json, "dropped"));
        assertThat(num(json, "unaccounted")).isZero();
        assertThat(num(json, "pool_free")).isEqualTo(num(json, "pool_size")).isPositive();
        assertThat(json.get("mode")).isEqualTo("napi");
        assertThat(json.get("capture")).isNull();
        @SuppressWarnings("unchecked")
        Map<String, Long> drops = (Map<String, Long>) json.get("drops_by_cause");
        assertThat(drops.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(num(json, "dropped"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> drivers = (List<Map<String, Object>>) json.get("drivers");
        assertThat(drivers).extracting(d -> d.get("name")).containsExactly("a-eth0", "b-eth0");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> counters = drivers.stream().map(d -> (Map<String, Object>) d.get("counters")).toList();
        assertThat(counters).allSatisfy(c -> assertThat(c)
                .containsKeys("tx_packets", "rx_packets", "interrupts", "polls", "rx_dropped_at_teardown"));
        assertSnakeCaseKeys(json, "");
    }

    @Test
    void longRunsShowProgressOnStderrAndKeepStdoutOneJsonObject() {
        for (String[] args : List.of(
                new String[] {"frames", "--sim", "--frames", "50000", "--json", "--progress-every", "1"},
                new String[] {"stats", "--seed", "4", "--traffic", "400", "--json", "--progress-every", "1"},
                new String[] {"ping", "--seed", "2", "-c", "400", "--json", "--progress-every", "1"})) {
            Run r = run(args);
            String command = args[0];
            assertThat(r.exit()).as(command + ": " + r.err()).isZero();
            assertThat(r.out().strip()).as(command + ": stdout is one JSON object").startsWith("{").endsWith("}")
                    .doesNotContain("\n");
            MiniJsonParser.parseObject(r.out());
            assertThat(r.err().lines().toList()).as(command + ": progress on stderr").isNotEmpty()
                    .allSatisfy(l -> assertThat(l).startsWith("netstack4j " + command + ": ").containsPattern("\\d of [\\d,]+ "));
        }
        // Quiet means quiet.
        Run q = run("frames", "--sim", "--frames", "50000", "--json", "--progress-every", "1", "--quiet");
        assertThat(q.exit()).isZero();
        assertThat(q.err()).isEmpty();
    }

    @Test
    void framesPrintsATableWithTheCountersAndACapture(@TempDir Path dir) throws Exception {
        Path pcap = dir.resolve("x.pcap");
        Run r = run("frames", "--sim", "--frames", "1000", "--mode", "interrupt", "--capture", pcap.toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("sent", "received", "drops by cause", "rx_missed", "buffer pools",
                "driver counters", "a-eth0", "b-eth0", "interrupts", pcap.toString(), "OK:");
        assertThat(Files.size(pcap)).isEqualTo(24 + 1000 * (16 + 60)); // header, then 1,000 records of 60 bytes
    }

    @Test
    void captureIntoAMissingDirectoryFailsWithOneLine(@TempDir Path dir) {
        Run r = run("frames", "--sim", "--frames", "10", "--capture", dir.resolve("no/such/x.pcap").toString());

        // Checked with the arguments, before anything runs: a usage error naming the directory.
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines().toList()).hasSize(1).first().asString()
                .contains("cannot write", "no such directory", dir.resolve("no/such").toString())
                .doesNotContain("Exception");
    }

    @ParameterizedTest
    @ValueSource(strings = {"frames --mode bogus", "frames --size 10", "frames --size 1515", "frames --frames -5",
            "frames --bogus", "frames --frames abc", "frames --size", "nosuch", "demo --seed -1", "up --tap t0 --dhcp --ip 10.0.2.15/24", "up --tap t0 --dhcp --gw 10.0.2.2", "demo --mode fast", "ping --count 0", "ping -s 5", "ping 10.0.2.2 extra", "stats --traffic -1", "ping --interval x", "--bogus", "stats --progress-every 0", "frames --progress-every x",
            "up", "up --tap t0 --ip 10.0.2.300/24", "up --tap t0 --ip 10.0.2.15", "up --tap t0 --gw 10.0.3.1",
            "up --tap t0 --dns-record foo", "up --tap t0 --faults drop=2", "up --tap t0 --faults loss=0.1", "up --tap t0 --faults drop", "up --tap t0 --dns-record a..b=1.2.3.4", "up --tap t0 --duration -1",
            "up --tap t0 --mac 01:00:5e:00:00:01", "demo --tap t0", "demo --peer 10.0.2.2",
            "demo --tap t0 --peer 10.0.2.2 --seed 1", "demo --tap t0 --peer 10.0.3.2", "demo --ip 10.0.2.16/24",
            "livelock --bogus", "livelock extra", "livelock --modes nosuch", "livelock --modes", "livelock --rx-cost -1",
            "livelock --forward-cost x", "livelock --interrupt-cost 2000000", "livelock --rx-cost 0 --forward-cost 0",
            "loss --rates 60", "loss --rates x", "loss --rates -1", "loss --bytes 10", "loss --seeds 0", "loss extra",
            "ping 999.1.1.1", "ping -W 0", "ping -i 61", "ping -i x", "ping --capture /nonexistent/dir/x.pcap",
            "frames --frames 99999999999", "frames --capture /nonexistent/dir/x.pcap", "demo --capture /",
            "up --tap averyverylongtapname0", "up --tap a/b", "up --tap nosuchtap0", "up --create", "demo --dhcp",
            "demo --tap t0 --peer 10.0.2.2 --dhcp"})
    void badArgumentsExit2WithOneLine(String args) {
        Run r = run(args.split(" "));

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        List<String> lines = r.err().lines().toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.getFirst()).startsWith("netstack4j").contains("--help").doesNotContain("Exception", "\tat ");
    }

    @Test
    void unknownModeSaysWhichModesExist() {
        assertThat(run("frames", "--mode", "bogus").err()).contains("bogus", "interrupt", "napi", "poll");
    }

    @Test
    void helpListsTheCommands() {
        Run r = run("--help");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("frames", "demo", "up", "livelock", "--version");
        assertThat(run("up", "--help").out()).contains("--tap", "--ip", "--gw", "--dns-record", "--capture", "--mode",
                "SIGTERM", "ip netns exec");
        assertThat(run("frames", "--help").out()).contains("--frames", "--size", "--mode", "--sim", "--capture", "--json");
    }

    @Test
    void helpNeverWrapsInsideAValueSoExamplesPasteAsTheyAre() {
        for (String command : List.of("demo", "up", "nc", "switch", "ping", "stats", "frames", "livelock", "loss", "bench")) {
            String help = run(command, "--help").out();
            assertThat(help.lines()).as(command).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(Main.USAGE_WIDTH));
            // Every example command line is whole: a line that starts a command ends at a space or a continuation.
            assertThat(help.lines().filter(l -> l.strip().startsWith("./netstack4j ")))
                    .as(command).allSatisfy(l -> assertThat(l).doesNotMatch(".*[:,/=.-]$"));
            assertThat(help).as(command).doesNotContain("[,MODE[", "...]...]");
        }
        assertThat(run("up", "--help").out()).contains("--mac 52:55:0a:00:02:02");
        assertThat(run("bench", "--help").out()).contains("--modes=MODE[,MODE...]");
    }

    @Test
    void versionNamesTheProjectAndJava() {
        Run r = run("--version");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("netstack4j ").contains("Java ");
        assertThat(r.out()).doesNotContain("unknown", "${");
    }

    @Test
    void demoJsonHasEveryCheckTheDnsAnswerAndTheCapture(@TempDir Path dir) throws Exception {
        Path pcap = dir.resolve("demo.pcap");
        Run r = run("demo", "--seed", "3", "--capture", pcap.toString(), "--json");

        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        Map<String, Object> json = MiniJsonParser.parseObject(r.out());
        assertThat(json.get("ok")).isEqualTo(true);
        assertThat(json.get("capture")).isEqualTo(pcap.toString());
        assertThat(json.get("dns_answer")).isEqualTo("128.52.129.126");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> checks = (List<Map<String, Object>>) json.get("checks");
        assertThat(checks).extracting(c -> c.get("name")).containsExactlyElementsOf(DemoCommand.checkNames());
        assertThat(checks).allSatisfy(c -> assertThat(c.get("ok")).isEqualTo(true));
        assertThat(Files.size(pcap)).isGreaterThan(24);
        assertSnakeCaseKeys(json, "");
    }

    @Test
    void demoPrintsOneLinePerCheckThenTheCounters(@TempDir Path dir) {
        Run r = run("demo", "--seed", "1", "--mode", "interrupt", "--capture", dir.resolve("d.pcap").toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines().filter(l -> l.startsWith("OK ")).count()).isEqualTo(DemoCommand.checkNames().size());
        assertThat(r.out()).contains("this is the host!", "128.52.129.126", "rtt min/avg/max", "NIC statistics (ethtool -S", "rx_packets:", "ip:",
                "udp:", "d.pcap", "all 9 checks passed");
    }

    @Test
    void pingPrintsRepliesAndStatistics() {
        Run r = run("ping", "--seed", "2", "-c", "3");

        assertThat(r.exit()).as(r.err()).isZero();
        // As iputils prints it: ttl in each reply line, the run's time, and mdev.
        assertThat(r.out()).contains("PING 10.0.2.2", "64 bytes from 10.0.2.2: icmp_seq=1 ttl=64 time=",
                "3 packets transmitted, 3 received, 0% packet loss, time ", "rtt min/avg/max/mdev = ");
        assertThat(r.out()).containsPattern("rtt min/avg/max/mdev = [\\d.]+/[\\d.]+/[\\d.]+/[\\d.]+ ms");
    }

    @Test
    void pingResolvesNamesAndFragmentsLargeRequests() throws Exception {
        // The name resolves through the gateway's DNS; the gateway, a router with no route beyond
        // the lab, answers the request with ICMP net unreachable, which ping shows as iputils does.
        Run named = run("ping", "--seed", "2", "-c", "1", "-W", "0.1", "--json", "pdos.csail.mit.edu");
        assertThat(named.exit()).isEqualTo(1);
        Map<String, Object> json = MiniJsonParser.parseObject(named.out());
        assertThat(json).containsEntry("target", "pdos.csail.mit.edu").containsEntry("address", "128.52.129.126")
                .containsEntry("transmitted", 1L).containsEntry("received", 0L).containsEntry("errors", 1L);
        Run text = run("ping", "--seed", "2", "-c", "2", "pdos.csail.mit.edu");
        assertThat(text.exit()).isEqualTo(1);
        assertThat(text.out()).contains("From 10.0.2.2 icmp_seq=1 Destination Net Unreachable",
                "From 10.0.2.2 icmp_seq=2 Destination Net Unreachable",
                "2 packets transmitted, 0 received, +2 errors, 100% packet loss");

        // 4000 bytes of payload: the request and the reply are fragmented, and each reply is whole.
        Run r = run("ping", "--seed", "2", "-c", "2", "-s", "4000", "10.0.2.2");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("PING 10.0.2.2 (10.0.2.2) 4000(4028) bytes of data.",
                "4008 bytes from 10.0.2.2: icmp_seq=1", "4008 bytes from 10.0.2.2: icmp_seq=2",
                "2 packets transmitted, 2 received, 0% packet loss");
    }

    @Test
    void pingOfANeighbourThatNeverAnswersArpSaysHostUnreachableFromItself() {
        // 10.0.2.99 is on the host's own subnet but nobody has it: after three ARP requests a second
        // apart the host answers its own requests "host unreachable", as Linux does.
        Run r = run("ping", "--seed", "5", "-c", "3", "-i", "0.2", "-W", "5", "10.0.2.99");
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.out()).contains("From 10.0.2.15 icmp_seq=1 Destination Host Unreachable",
                "From 10.0.2.15 icmp_seq=3 Destination Host Unreachable", "0 received, +3 errors, 100% packet loss");
    }

    @Test
    void pingOfANameNobodyKnowsExits2LikeIputils() {
        Run r = run("ping", "--seed", "2", "-c", "1", "no-such-host.example");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().strip()).isEqualTo("ping: no-such-host.example: Name or service not known");
    }

    @Test
    void pingWithNoRepliesExits1() {
        Run r = run("ping", "--seed", "2", "-c", "2", "-W", "0.1", "10.0.2.99");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("2 packets transmitted, 0 received, 100% packet loss");
    }

    /** On real threads each host's report says what its CPU thread did; in simulated time there is none. */
    @Test
    void statsOnRealThreadsShowsEachHostsCpuThread() throws Exception {
        Run r = run("stats", "--traffic", "50", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        @SuppressWarnings("unchecked")
        var hosts = (List<Map<String, Object>>) MiniJsonParser.parseObject(r.out()).get("hosts");
        assertThat(hosts).hasSize(2).allSatisfy(h -> {
            @SuppressWarnings("unchecked")
            var cpu = (Map<String, Object>) h.get("cpu_thread");
            assertThat(((Number) cpu.get("parks")).longValue()).as("it slept between the exchanges").isPositive();
            assertThat(((Number) cpu.get("wakeups")).longValue()).as("and was woken for each").isPositive();
            assertThat(((Number) cpu.get("busy_share")).doubleValue()).isGreaterThan(0.0).isLessThanOrEqualTo(1.0);
        });
        assertThat(run("stats", "--traffic", "50").out()).contains("cpu thread: awake ");
        @SuppressWarnings("unchecked")
        var simulated = (List<Map<String, Object>>) MiniJsonParser.parseObject(
                run("stats", "--seed", "4", "--traffic", "5", "--json").out()).get("hosts");
        assertThat(simulated).allSatisfy(h -> assertThat(h).doesNotContainKey("cpu_thread"));
    }

    @Test
    void statsCountsTheTrafficItRan() throws Exception {
        Run r = run("stats", "--seed", "4", "--traffic", "7", "--json");

        assertThat(r.exit()).as(r.err()).isZero();
        Map<String, Object> json = MiniJsonParser.parseObject(r.out());
        assertThat(json).containsEntry("udp_answered", 7L).containsEntry("pings_answered", 7L).containsEntry("pools_full", true);
        @SuppressWarnings("unchecked")
        var list = (List<Map<String, Object>>) json.get("hosts");
        assertThat(list).extracting(h -> h.get("name")).containsExactly("host", "gateway");
        Map<String, Map<String, Object>> hosts = new java.util.LinkedHashMap<>();
        list.forEach(h -> hosts.put((String) h.get("name"), h));
        @SuppressWarnings("unchecked")
        var udp = ((Map<String, Map<String, Object>>) hosts.get("gateway").get("protocols")).get("udp");
        assertThat(udp.get("in_datagrams")).isEqualTo(8L); // 7 exchanges and the DNS query
        @SuppressWarnings("unchecked")
        var ip = ((Map<String, Map<String, Object>>) hosts.get("gateway").get("protocols")).get("ip");
        assertThat(ip).containsKeys("out_requests", "reasm_oks", "in_csum_errors");
        // One schema for every command: interfaces, neighbours as ip -j neigh objects, routes as ip -j route.
        @SuppressWarnings("unchecked")
        var host = hosts.get("host");
        @SuppressWarnings("unchecked")
        var interfaces = (List<Map<String, Object>>) host.get("interfaces");
        assertThat(interfaces).hasSize(1);
        assertThat(interfaces.get(0)).containsEntry("ifname", "eth0").containsEntry("address", "10.0.2.15/24")
                .containsEntry("mtu", 1500L).containsKey("driver");
        assertThat(host.get("neighbors")).isEqualTo(List.of(Map.of("dst", "10.0.2.2", "dev", "eth0",
                "lladdr", "52:55:0a:00:02:02", "state", List.of("REACHABLE"))));
        assertThat(host.get("routes")).isEqualTo(List.of(Map.of("dst", "10.0.2.0/24", "dev", "eth0"),
                Map.of("dst", "default", "gateway", "10.0.2.2", "dev", "eth0")));
        // The TCP echo's connection as ss -ti shows it: the host closed first, so it waits in TIME-WAIT.
        assertThat(json).containsEntry("tcp_echoed_bytes", 65_536L);
        @SuppressWarnings("unchecked")
        var conns = (List<Map<String, Object>>) hosts.get("host").get("tcp_connections");
        assertThat(conns).hasSize(1);
        assertThat(conns.get(0)).containsEntry("state", "time_wait").containsEntry("remote", "10.0.2.2:7")
                .containsEntry("bytes_acked", 65_536L).containsEntry("bytes_received", 65_536L).containsEntry("retransmits", 0L)
                .containsKeys("cwnd", "ssthresh", "srtt_us", "rto_ms", "mss", "segs_out", "segs_in");
        assertSnakeCaseKeys(json, "");
    }

    @Test
    void statsTextKeepsTheNetstatNames() {
        Run r = run("stats", "--seed", "4", "--traffic", "2");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("InDatagrams 3", "OutRequests", "InEchos 2", "tcp connections (ss -ti)", "time_wait",
                "bytes_acked:").doesNotContain("in_datagrams");
    }

    /** Every key of every object in {@code json} is snake_case (lower-case words joined by '_'). */
    static void assertSnakeCaseKeys(Object json, String path) {
        if (json instanceof Map<?, ?> m) {
            m.forEach((k, v) -> {
                assertThat((String) k).as("key at %s", path).matches("[a-z][a-z0-9]*(_[a-z0-9]+)*");
                assertSnakeCaseKeys(v, path + "/" + k);
            });
        } else if (json instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                assertSnakeCaseKeys(l.get(i), path + "[" + i + "]");
            }
        }
    }

    @Test
    void livelockJsonGivesEachModesPeakAndOverloadFraction(@TempDir Path dir) throws Exception {
        Run r = run("livelock", "--quick", "--json", "--out", dir.toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().strip()).doesNotContain("\n");
        Map<String, Object> json = MiniJsonParser.parseObject(r.out());
        assertThat(json.keySet()).containsExactly("interrupt", "interrupt_itr", "napi_64", "napi_5", "busy_poll");
        for (Object v : json.values()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> mode = (Map<String, Object>) v;
            assertThat(mode).containsKeys("peak_pps", "overload_fraction", "loss_free_pps", "overload_input_pps",
                    "overload_output_pps");
            assertThat(num(mode, "peak_pps")).isPositive();
            assertThat(num(mode, "overload_input_pps")).isCloseTo(4 * num(mode, "peak_pps"), org.assertj.core.data.Offset.offset(2L));
        }
        // What the experiment is for, as measured: livelock with per-packet interrupts, none with polling.
        assertThat(fraction(json, "interrupt")).isLessThan(0.5);
        assertThat(fraction(json, "napi_64")).isGreaterThanOrEqualTo(0.9);
        assertThat(fraction(json, "napi_5")).isGreaterThanOrEqualTo(0.9);
        assertThat(fraction(json, "busy_poll")).isGreaterThanOrEqualTo(0.9);
        // Progress went to stderr, the files to --out.
        assertThat(r.err()).contains("netstack4j livelock: mode 3/5 napi_64", "point  1 of at most", "output");
        List<String> csv = Files.readAllLines(dir.resolve("livelock.csv"));
        assertThat(csv.getFirst()).isEqualTo(String.join(",", LivelockReport.CSV_COLUMNS));
        assertThat(csv).hasSizeGreaterThan(5 * 10);
        byte[] png = Files.readAllBytes(dir.resolve("livelock.png"));
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
    }

    @Test
    void lossJsonGivesEachSchemesThroughputPerRateAndTheChart(@TempDir Path dir) throws Exception {
        Run r = run("loss", "--rates", "0,5", "--bytes", "262144", "--seeds", "2", "--json", "--progress-every", "1",
                "--out", dir.toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().strip()).doesNotContain("\n");
        Map<String, Object> json = MiniJsonParser.parseObject(r.out());
        @SuppressWarnings("unchecked")
        List<Number> rates = (List<Number>) json.get("loss_percent");
        assertThat(rates.stream().map(Number::doubleValue).toList()).containsExactly(0.0, 5.0);
        @SuppressWarnings("unchecked")
        Map<String, Map<String, List<Number>>> schemes = (Map<String, Map<String, List<Number>>>) json.get("schemes");
        assertThat(schemes.keySet()).containsExactly("sack_rack_cubic", "sack_rack_newreno", "newreno_no_sack");
        for (Map<String, List<Number>> s : schemes.values()) {
            assertThat(s.get("mbit_per_s")).hasSize(2).allSatisfy(v -> assertThat(v.doubleValue()).isPositive());
            assertThat(s.get("mbit_per_s").get(1).doubleValue()).as("loss costs throughput")
                    .isLessThan(s.get("mbit_per_s").get(0).doubleValue());
        }
        assertThat(r.err()).contains("netstack4j loss: ", "of 12 transfers");
        assertThat(Files.readAllLines(dir.resolve("loss.csv"))).hasSize(1 + 12);
        assertThat(Files.readAllBytes(dir.resolve("loss.png"))).startsWith(0x89, 'P', 'N', 'G');
    }

    @Test
    void livelockPrintsTheCostsAndASummaryTable(@TempDir Path dir) {
        Run r = run("livelock", "--quick", "-q", "--modes", "interrupt,napi_64", "--forward-cost", "2500",
                "--out", dir.resolve("new/dir").toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("interrupt entry+exit 4.0 µs", "forward per packet 2.5 µs", "peak (MLFRR)",
                "4x peak input", "fraction", "frames dropped per second, by cause", "CPU in handlers", "per-packet interrupt", "NAPI, budget 64", "livelock (", "no livelock (",
                "csv:", "chart:");
        assertThat(r.out()).doesNotContain("napi_5", "busy_poll");
        assertThat(dir.resolve("new/dir/livelock.png")).exists();
    }

    @Test
    void livelockIntoAFileFailsWithOneLine(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");
        Run r = run("livelock", "--quick", "--out", file.toString());

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines().toList()).hasSize(1).first().asString().contains("not a directory");
    }

    private static double fraction(Map<String, Object> json, String mode) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) json.get(mode);
        return ((Number) m.get("overload_fraction")).doubleValue();
    }

    @Test
    void jsonEscapesStrings() {
        String s = Json.write(Map.of("k\"ey", "a\\b\n\t\u0001\u2028é😀"));
        assertThat(s).isEqualTo("{\"k\\\"ey\":\"a\\\\b\\n\\t\\u0001\\u2028é😀\"}");
        assertThat(MiniJsonParser.parseObject(s)).containsEntry("k\"ey", "a\\b\n\t\u0001\u2028é😀");
        assertThat(Json.write(List.of(1, 2.5, Double.NaN, true))).isEqualTo("[1,2.5,null,true]");
        assertThat(Json.write("\uD800")).isEqualTo("\"\\ud800\"");
    }

    private static long num(Map<String, Object> json, String key) {
        return ((Number) json.get(key)).longValue();
    }
}
