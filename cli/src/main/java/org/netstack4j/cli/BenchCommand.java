package org.netstack4j.cli;

import org.netstack4j.driver.WakeMode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** netstack4j beside the JDK's sockets, in one run on this machine; or the zero-garbage proof. */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
                "Measures netstack4j beside the JDK's sockets over the kernel's loopback, in one run on this machine: "
                        + "UDP one-way datagrams/s and echo round-trip latency (p50, p99, p99.9, max) with 64-byte "
                        + "payloads, IPv4 forwarding through a netstack4j router with two cards (64-byte frames), and "
                        + "the heap allocated per packet, for each wake mode; TCP one-stream bulk throughput and 1-byte "
                        + "request/response latency beside the JDK's SocketChannel. Prints a table with ratios to the JDK, writes bench.csv and PNG charts into --out.",
                "netstack4j runs every CPU of its simulated network on one thread in simulated time "
                        + "(run-to-completion, timed by the wall clock); the JDK runs three ways: blocking with a "
                        + "server thread, spinning with a server thread, and on one thread. Each case runs in a JVM "
                        + "of its own (unless --no-fork).",
                "--zero-garbage instead runs UDP echo, TCP bulk (a packet: a full segment) and forwarding for --packets each in a JVM with the Epsilon "
                        + "collector (no garbage collection) and a --heap of a few hundred MB: any allocation per "
                        + "packet exhausts the heap and fails the run."})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "Shorter measurements (one trial each): under a minute.")
    boolean quick;

    @Option(names = "--tiny", hidden = true, description = "Tests only: every path once, in milliseconds; figures mean little.")
    boolean tiny;

    @Option(names = "--json", description = "Print one JSON object on stdout instead of the table.")
    boolean json;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "netstack4j-bench",
            description = "Where bench.csv and the PNG charts go (created if missing). Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--modes", paramLabel = "MODE[,MODE...]", hideParamSyntax = true, split = ",", converter = WakeModeConverter.class,
            defaultValue = "interrupt,napi,poll",
            description = "netstack4j wake modes to measure. Default: ${DEFAULT-VALUE}.")
    List<WakeMode> modes;

    @Option(names = "--no-fork", description = "Run every case in this JVM instead of one JVM per case "
            + "(faster to start; code compiled for one case then shapes the next).")
    boolean noFork;

    @Option(names = {"-q", "--quiet"}, description = "No progress lines on stderr.")
    boolean quiet;

    @Option(names = "--zero-garbage",
            description = "Prove zero allocation per packet instead: echo, TCP bulk and forward --packets each under Epsilon GC.")
    boolean zeroGarbage;

    long packets = 100_000_000L;
    boolean packetsGiven;

    @Option(names = "--packets", paramLabel = "N",
            description = "With --zero-garbage: packets per case (echo round trips, forwarded frames). Default: 100000000.")
    void setPackets(long n) {
        packets = LabOptions.inRange(spec, "--packets", n, 1_000, 10_000_000_000L);
        packetsGiven = true;
    }

    int heapMb = 256;
    boolean heapGiven;

    @Option(names = "--heap", paramLabel = "MB",
            description = "With --zero-garbage: the child JVM's whole heap. Default: 256.")
    void setHeap(int mb) {
        heapMb = (int) LabOptions.inRange(spec, "--heap", mb, 16, 4096);
        heapGiven = true;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!zeroGarbage && (packetsGiven || heapGiven)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--packets and --heap go with --zero-garbage");
        }
        if (zeroGarbage && (quick || tiny)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--quick does not go with --zero-garbage (use --packets)");
        }
        if (modes.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--modes needs at least one mode");
        }
        List<WakeMode> distinct = modes.stream().distinct().toList();
        if (zeroGarbage) {
            return zeroGarbage(distinct, stdout, err);
        }
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            err.println("netstack4j bench: cannot create " + out + ": " + ExchangeRun.describe(e));
            err.flush();
            return Main.EXIT_FAILED;
        }
        Bench.Budget budget = tiny ? Bench.Budget.TINY : quick ? Bench.Budget.QUICK : Bench.Budget.FULL;
        String loadBefore = loadAverage();
        progress(err, String.format(Locale.ROOT, "%s run, %d cores, load average %s; netstack4j modes %s",
                budget.name(), Runtime.getRuntime().availableProcessors(), loadBefore,
                String.join(",", distinct.stream().map(WakeMode::cliName).toList())));
        Bench bench = new Bench(budget, distinct, line -> progress(err, line));
        List<BenchResult> results = bench.runAll(!noFork);
        BenchResult.NoiseFloor floor = bench.noiseFloor(BenchReport.headlineEchoNanos(results));
        BenchReport report = new BenchReport(results, floor, budget.name(), loadBefore, loadAverage(),
                Bench.tapUnavailable());
        Map<String, Object> files = new LinkedHashMap<>();
        try {
            Path csv = out.resolve("bench.csv");
            report.writeCsv(csv);
            files.put("csv", csv.toString());
            files.put("charts", report.writeCharts(out).stream().map(Path::toString).toList());
        } catch (IOException e) {
            err.println("netstack4j bench: cannot write into " + out + ": " + ExchangeRun.describe(e));
            err.flush();
            return Main.EXIT_FAILED;
        }
        if (json) {
            stdout.println(Json.write(report.toJson(files)));
        } else {
            report.printTable(stdout);
            stdout.println();
            stdout.println("wrote " + files.get("csv") + " and " + String.join(", ", ((List<?>) files.get("charts"))
                    .stream().map(Object::toString).toList()));
        }
        stdout.flush();
        return Main.EXIT_OK;
    }

    private int zeroGarbage(List<WakeMode> modeList, PrintWriter stdout, PrintWriter err) throws Exception {
        progress(err, String.format(Locale.ROOT, "zero-garbage: %,d packets per case, modes %s, a child JVM with "
                        + "-XX:+UseEpsilonGC and a %d MB heap (no collector: per-packet garbage would exhaust it)",
                packets, String.join(",", modeList.stream().map(WakeMode::cliName).toList()), heapMb));
        ZeroGarbage.Outcome o = ZeroGarbage.launch(packets, modeList, heapMb, quiet ? new PrintWriter(java.io.Writer.nullWriter()) : err);
        int expected = 3 * modeList.size(); // echo, TCP bulk and forwarding per mode
        boolean ok = o.ok() && o.cases().size() == expected;
        String failure = null;
        if (!ok) {
            failure = o.timedOut()
                    ? "the child JVM did not finish within " + o.timeout().toSeconds() + " s and was killed"
                    : o.exit() == ZeroGarbage.EXIT_OOM
                    ? "the heap ran out: something allocates on the packet path"
                    : "the child JVM exited with status " + o.exit() + (o.error() == null ? "" : ": " + o.error());
        }
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ok", ok);
            m.put("failure", failure);
            m.put("gc", "epsilon");
            m.put("heap_mb", heapMb);
            m.put("packets_per_case", packets);
            List<Map<String, Object>> cases = new ArrayList<>();
            for (ZeroGarbage.Case c : o.cases()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("test", c.test());
                row.put("mode", c.mode());
                row.put("packets", c.packets());
                row.put("seconds", c.seconds());
                row.put("heap_after_setup_bytes", c.heapAfterSetup());
                row.put("heap_at_end_bytes", c.heapAtEnd());
                row.put("allocated_in_loop_bytes", c.allocatedInLoop());
                row.put("alloc_bytes_per_packet", c.allocPerPacket());
                cases.add(row);
            }
            m.put("cases", cases);
            stdout.println(Json.write(m));
        } else {
            stdout.printf(Locale.ROOT, "zero garbage: -XX:+UseEpsilonGC, %d MB heap, %,d packets per case%n", heapMb, packets);
            stdout.printf(Locale.ROOT, "  %-10s %-10s %15s %9s %22s %14s%n", "test", "mode", "packets", "seconds",
                    "heap MB (setup -> end)", "alloc B/packet");
            for (ZeroGarbage.Case c : o.cases()) {
                stdout.printf(Locale.ROOT, "  %-10s %-10s %,15d %9.1f %10.1f -> %8.1f %14.6f%n", c.test(), c.mode(),
                        c.packets(), c.seconds(), c.heapAfterSetup() / 1e6, c.heapAtEnd() / 1e6, c.allocPerPacket());
            }
            stdout.println(ok ? "OK: every case completed without a garbage collector" : "FAIL: " + failure);
        }
        stdout.flush();
        if (!ok) {
            err.println("netstack4j bench: FAIL: " + failure);
            err.flush();
            return Main.EXIT_FAILED;
        }
        return Main.EXIT_OK;
    }

    private void progress(PrintWriter err, String line) {
        if (!quiet) {
            err.println("netstack4j bench: " + line);
            err.flush();
        }
    }

    /** The 1, 5 and 15 minute load averages from /proc/loadavg, or "unknown". */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
