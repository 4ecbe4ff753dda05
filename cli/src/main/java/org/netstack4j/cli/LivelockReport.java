package org.netstack4j.cli;

import org.netstack4j.exec.CostModel;
import org.netstack4j.exec.Work;
import org.netstack4j.lab.Livelock;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The livelock command's text: progress lines, the CSV, the summary table and the JSON object. */
final class LivelockReport {
    /** Below this fraction of its peak at 4x overload a mode is said to livelock; at or above, to hold. */
    static final double HOLDS = 0.9;

    static final List<String> CSV_COLUMNS = List.of("mode", "input_pps", "offered_pps", "output_pps", "ring_full",
            "pool_empty", "backlog_full", "tx_queue_full", "generator_refused", "interrupts_per_s", "irq_cpu_share",
            "cpu_busy_share");

    private LivelockReport() {
    }

    /**
     * One measured point: which mode of how many, which point of at most how many (a sweep skips
     * rates it has measured already, so it may end sooner), and what it measured.
     */
    static String progressLine(Livelock.Point p, int n, int atMost, int mode, int modes) {
        return String.format(Locale.ROOT,
                "netstack4j livelock: mode %d/%d %-13s point %2d of at most %d: input %,10d pps -> output %,10.0f pps, "
                        + "%,7d dropped, %,8.0f interrupts/s, CPU %3.0f%% in handlers",
                mode, modes, p.mode().key(), n, atMost, p.inputPps(), p.outputPps(), p.dropped(), p.interruptsPerSecond(),
                100 * p.interruptShare());
    }

    static void writeCsv(Path file, List<Livelock.ModeResult> results) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file)) {
            w.write(String.join(",", CSV_COLUMNS));
            w.write('\n');
            for (Livelock.ModeResult r : results) {
                for (Livelock.Point p : r.points()) {
                    w.write(String.format(Locale.ROOT, "%s,%d,%.0f,%.0f,%d,%d,%d,%d,%d,%.0f,%.4f,%.4f%n",
                            p.mode().key(), p.inputPps(), p.offeredPps(), p.outputPps(), p.drops().get("ring_full"),
                            p.drops().get("pool_empty"), p.drops().get("backlog_full"), p.drops().get("tx_queue_full"),
                            p.drops().get("generator_refused"), p.interruptsPerSecond(), p.interruptShare(),
                            p.busyShare()));
                }
            }
        }
    }

    /** One object: per mode (snake_case key), its peak and its output at 4x overload as a fraction of it. */
    static Map<String, Object> toJson(List<Livelock.ModeResult> results) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Livelock.ModeResult r : results) {
            Map<String, Object> mode = new LinkedHashMap<>();
            mode.put("peak_pps", Math.round(r.peakPps()));
            mode.put("overload_fraction", round4(r.overloadFraction()));
            mode.put("loss_free_pps", r.lossFreePps());
            mode.put("overload_input_pps", r.overload().inputPps());
            mode.put("overload_output_pps", Math.round(r.overload().outputPps()));
            m.put(r.mode().key(), mode);
        }
        return m;
    }

    private static double round4(double d) {
        return Math.round(d * 10_000) / 10_000.0;
    }

    /** "interrupt entry+exit 4.0 µs, poll call 0.5 µs, ..." */
    static String describeCosts(CostModel costs) {
        return costs.asMap().entrySet().stream().filter(e -> routerWork(e.getKey(), e.getValue()))
                .map(e -> String.format(Locale.ROOT, "%s %.1f µs", e.getKey().description(), e.getValue() / 1000.0))
                .collect(Collectors.joining(", "));
    }

    /** A router's prices: the host-side ones (a host's transmit descriptors, software checksums) only if set. */
    static boolean routerWork(Work work, long nanos) {
        return nanos > 0 || work != Work.TX_DESCRIPTOR && work != Work.CHECKSUM_KB;
    }

    static void printSummary(PrintWriter out, List<Livelock.ModeResult> results, Livelock.Options options, Path csv,
                             Path png) {
        CostModel costs = options.costs();
        out.println("netstack4j livelock: generator -> router -> sink, 64-byte UDP/IPv4 frames, simulated time");
        out.println("router: one CPU, interrupt handlers before other work; two E1000 cards (256-descriptor rings, "
                + "48 KB on-chip buffer); IPv4 forwarding; backlog 1000 frames");
        out.println("router CPU costs" + (costs.equals(CostModel.TYPICAL) ? " (defaults)" : "") + ": "
                + describeCosts(costs));
        out.printf(Locale.ROOT, "each point: a fresh network, %d ms warm-up, %d ms measured; input swept up to %,d pps%n",
                options.warmupNanos() / 1_000_000, options.windowNanos() / 1_000_000,
                results.stream().flatMap(r -> r.points().stream()).mapToLong(Livelock.Point::inputPps).max().orElse(0));
        out.println();
        out.printf(Locale.ROOT, "%-14s %-45s %14s %14s %14s %14s %9s%n", "mode", "how the router's driver is woken",
                "peak (MLFRR)", "loss-free to", "4x peak input", "output there", "fraction");
        for (Livelock.ModeResult r : results) {
            out.printf(Locale.ROOT, "%-14s %-45s %,10.0f pps %,10d pps %,10d pps %,10.0f pps %9.2f%n",
                    r.mode().key(), r.mode().label(), r.peakPps(), r.lossFreePps(), r.overload().inputPps(),
                    r.overload().outputPps(), r.overloadFraction());
        }
        out.println();
        out.printf(Locale.ROOT, "%-14s %-46s %14s %16s%n", "at 4x peak", "frames dropped per second, by cause",
                "interrupts/s", "CPU in handlers");
        for (Livelock.ModeResult r : results) {
            Livelock.Point p = r.overload();
            String drops = p.drops().entrySet().stream().filter(e -> e.getValue() > 0)
                    .map(e -> String.format(Locale.ROOT, "%s %,.0f", e.getKey(), e.getValue() * 1e9 / p.windowNanos()))
                    .collect(Collectors.joining(", "));
            out.printf(Locale.ROOT, "%-14s %-46s %,14.0f %15.0f%%%n", r.mode().key(), drops.isEmpty() ? "none" : drops,
                    p.interruptsPerSecond(), 100 * p.interruptShare());
        }
        out.println();
        List<Livelock.ModeResult> collapse = results.stream().filter(r -> r.overloadFraction() < HOLDS).toList();
        List<Livelock.ModeResult> hold = results.stream().filter(r -> r.overloadFraction() >= HOLDS).toList();
        if (!collapse.isEmpty()) {
            out.println("livelock (output at 4x overload below 90% of the peak): " + fractions(collapse));
        }
        if (!hold.isEmpty()) {
            out.println("no livelock (90% of the peak or more at 4x overload):    " + fractions(hold));
        }
        long beyondLine = results.stream().mapToLong(r -> r.overload().inputPps())
                .filter(pps -> pps > Livelock.GIGABIT_LINE_RATE_PPS).count();
        if (beyondLine > 0) {
            out.printf(Locale.ROOT, "note: %d overload point(s) exceed what one 1 GbE link carries in 64-byte frames "
                    + "(%,d pps); the model has no wire time, so they were run anyway%n", beyondLine,
                    Livelock.GIGABIT_LINE_RATE_PPS);
        }
        out.println("csv:   " + csv);
        out.println("chart: " + png);
    }

    private static String fractions(List<Livelock.ModeResult> rs) {
        return rs.stream().map(r -> String.format(Locale.ROOT, "%s %.0f%%", r.mode().key(), 100 * r.overloadFraction()))
                .collect(Collectors.joining(", "));
    }
}
