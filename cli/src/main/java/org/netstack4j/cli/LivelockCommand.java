package org.netstack4j.cli;

import org.netstack4j.exec.CostModel;
import org.netstack4j.exec.Work;
import org.netstack4j.lab.Livelock;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Receive livelock: a router's output against its input, per way of waking its driver. */
@Command(name = "livelock",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
                "Reproduces receive livelock (Mogul and Ramakrishnan, 1997) in simulated time. A generator sends "
                        + "64-byte UDP/IPv4 frames at a set rate into a router (a netstack4j host with two E1000 cards "
                        + "and one CPU, on which interrupt handlers run before other work) that forwards them to a sink.",
                "For each mode — per-packet interrupt with the receive work in the handler, interrupts throttled by "
                        + "ITR, NAPI with budget 64 and with the paper's quota of 5, busy-poll — it sweeps the input "
                        + "rate from well below to past four times the router's peak, then measures four times that "
                        + "peak. Every figure is measured from the sink's count and the card's, driver's, stack's and "
                        + "CPU's counters.",
                "Writes livelock.csv (one line per point: input, output, drops by cause, interrupts) and livelock.png "
                        + "(output against input per mode) into --out, prints progress on stderr and a summary table "
                        + "with each mode's peak (MLFRR) and its output at 4x overload as a fraction of that peak."})
final class LivelockCommand implements Callable<Integer> {
    static final String CSV = "livelock.csv";
    static final String PNG = "livelock.png";

    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "Fewer input rates, no refinement around the peak, and 20 ms measured per "
            + "point instead of 50: a coarser curve in about a third of the time.")
    boolean quick;

    @Option(names = "--json", description = "Print one JSON object on stdout: per mode, peak_pps and overload_fraction "
            + "(and loss_free_pps, overload_input_pps, overload_output_pps).")
    boolean json;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = ".",
            description = "Directory for " + CSV + " and " + PNG + " (created if missing). Default: the current directory.")
    Path out;

    @Option(names = {"-q", "--quiet"}, description = "No progress lines on stderr.")
    boolean quiet;

    List<Livelock.Mode> modes = List.of(Livelock.Mode.values());

    @Option(names = "--modes", paramLabel = "MODE[,MODE...]", hideParamSyntax = true, split = ",",
            description = "Which modes to sweep, of: interrupt, interrupt_itr, napi_64, napi_5, busy_poll. Default: all.")
    void setModes(List<String> names) {
        LinkedHashSet<Livelock.Mode> chosen = new LinkedHashSet<>();
        for (String n : names) {
            try {
                chosen.add(Livelock.Mode.parse(n.strip()));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--modes: " + e.getMessage());
            }
        }
        modes = List.copyOf(chosen);
    }

    CostModel costs = CostModel.TYPICAL;

    @Option(names = "--interrupt-cost", paramLabel = "NS",
            description = "CPU time to enter and leave one interrupt handler, in ns. Default: 4000.")
    void setInterruptCost(long ns) {
        costs = costs.with(Work.INTERRUPT, cost("--interrupt-cost", ns));
    }

    @Option(names = "--rx-cost", paramLabel = "NS",
            description = "CPU time to take one frame off the receive ring, in ns. Default: 1000.")
    void setRxCost(long ns) {
        costs = costs.with(Work.RX_FRAME, cost("--rx-cost", ns));
    }

    @Option(names = "--forward-cost", paramLabel = "NS",
            description = "CPU time to route one packet on, in ns. Default: 2000.")
    void setForwardCost(long ns) {
        costs = costs.with(Work.FORWARD, cost("--forward-cost", ns));
    }

    @Option(names = "--poll-cost", paramLabel = "NS",
            description = "CPU time of one call of the driver's poll routine, in ns. Default: 500.")
    void setPollCost(long ns) {
        costs = costs.with(Work.POLL, cost("--poll-cost", ns));
    }

    private long cost(String option, long ns) {
        return LabOptions.inRange(spec, option, ns, 0, 1_000_000);
    }

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (costs.rxFrameNanos() + costs.forwardNanos() < 100) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--rx-cost and --forward-cost must add up to at least 100 ns, or the sweep's rates would be absurd");
        }
        Path csv = out.resolve(CSV);
        Path png = out.resolve(PNG);
        if (!OutputDirectory.prepare(out, "livelock", err)) {
            return Main.EXIT_FAILED;
        }
        Livelock.Options options = (quick ? Livelock.Options.quick() : Livelock.Options.full()).withCosts(costs);
        long started = System.nanoTime();
        List<Livelock.ModeResult> results = new ArrayList<>();
        int atMost = Livelock.pointsAtMost(quick);
        for (int m = 0; m < modes.size(); m++) {
            int[] n = {0};
            int modeNumber = m + 1;
            results.addAll(Livelock.sweep(List.of(modes.get(m)), options, quick, p -> {
                n[0]++;
                if (!quiet) {
                    err.println(LivelockReport.progressLine(p, n[0], atMost, modeNumber, modes.size()));
                    err.flush();
                }
            }));
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        try {
            LivelockReport.writeCsv(csv, results);
            LivelockChart.write(png, results, costs);
        } catch (IOException e) {
            err.println("netstack4j livelock: cannot write " + out + ": " + ExchangeRun.describe(e));
            err.flush();
            return Main.EXIT_FAILED;
        }
        if (!quiet) {
            err.printf(Locale.ROOT, "netstack4j livelock: %d points in %.1f s (wall clock); wrote %s and %s%n",
                    results.stream().mapToInt(r -> r.points().size()).sum(), seconds, csv, png);
            err.flush();
        }
        if (json) {
            stdout.println(Json.write(LivelockReport.toJson(results)));
        } else {
            LivelockReport.printSummary(stdout, results, options, csv, png);
        }
        stdout.flush();
        return Main.EXIT_OK;
    }
}
