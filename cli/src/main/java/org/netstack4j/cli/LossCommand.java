package org.netstack4j.cli;

import org.netstack4j.lab.TcpLossRig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** TCP throughput against loss, for each way of recovering: the curve behind the README's chart. */
@Command(name = "loss",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
                "Moves a file between two simulated hosts over a 100 Mbit/s link with a 10 ms round trip and a "
                        + "queue of one bandwidth-delay product, which loses a given share of the frames each way, "
                        + "for each loss rate and each recovery scheme: SACK + RACK with CUBIC (the default), SACK + "
                        + "RACK with NewReno, and NewReno without SACK. Simulated time: the figures are the "
                        + "protocol's, the same on any machine for the same seeds.",
                "Writes loss.csv (one line per scheme, rate and seed) and loss.png (throughput against loss, one "
                        + "line per scheme, logarithmic) into --out; prints a table, or with --json one object."})
final class LossCommand implements Callable<Integer> {
    static final String CSV = "loss.csv";
    static final String PNG = "loss.png";

    @Spec
    CommandSpec spec;

    List<Double> rates = List.of(0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 20.0);

    @Option(names = "--rates", paramLabel = "PERCENT[,PERCENT...]", split = ",", hideParamSyntax = true,
            description = "Loss rates each way, in percent (0..50). Default: 0,0.5,1,2,5,10,15,20.")
    void setRates(List<Double> percents) {
        for (double p : percents) {
            if (!(p >= 0 && p <= 50)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--rates: each rate must be 0..50 %: " + p);
            }
        }
        rates = List.copyOf(percents);
    }

    long bytes = 10L << 20;

    @Option(names = "--bytes", paramLabel = "N", description = "Bytes per transfer (64 KB..1 GB). Default: 10485760 (10 MB).")
    void setBytes(long n) {
        bytes = LabOptions.inRange(spec, "--bytes", n, 64 << 10, 1L << 30);
    }

    int seeds = 3;

    @Option(names = "--seeds", paramLabel = "N", description = "Transfers per point, seeds 1..N (1..20); "
            + "a point's throughput is their bytes over their time. Default: 3.")
    void setSeeds(int n) {
        seeds = (int) LabOptions.inRange(spec, "--seeds", n, 1, 20);
    }

    @Option(names = "--json", description = "Print one JSON object on stdout: loss_percent, and per scheme "
            + "mbit_per_s and timeouts per rate.")
    boolean json;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = ".",
            description = "Directory for " + CSV + " and " + PNG + " (created if missing). Default: the current directory.")
    Path out;

    @Option(names = {"-q", "--quiet"}, description = "No progress lines on stderr.")
    boolean quiet;

    @CommandLine.Mixin
    Progress.Options progressOptions = new Progress.Options();

    /** One scheme's curve: throughput (Mbit/s of simulated time) and timeouts per rate. */
    record Curve(TcpLossRig.Recovery recovery, double[] mbitPerSecond, long[] timeouts) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!OutputDirectory.prepare(out, "loss", err)) {
            return Main.EXIT_FAILED;
        }
        Progress progress = quiet ? Progress.NONE : progressOptions.start(err, "loss");
        long started = System.nanoTime();
        List<Curve> curves = new ArrayList<>();
        StringBuilder csv = new StringBuilder("recovery,loss_percent,seed,bytes,seconds,timeouts,retransmitted\n");
        int done = 0;
        int total = TcpLossRig.Recovery.values().length * rates.size() * seeds;
        for (TcpLossRig.Recovery r : TcpLossRig.Recovery.values()) {
            double[] mbit = new double[rates.size()];
            long[] timeouts = new long[rates.size()];
            for (int i = 0; i < rates.size(); i++) {
                double seconds = 0;
                for (int seed = 1; seed <= seeds; seed++) {
                    TcpLossRig.Outcome o = TcpLossRig.transfer(seed, bytes, rates.get(i) / 100, 0, r.tcp());
                    if (!o.poolsFull()) {
                        throw new IllegalStateException("buffers not all back after " + r.label() + " at " + rates.get(i) + " %");
                    }
                    seconds += o.seconds();
                    timeouts[i] += o.timeouts();
                    csv.append(String.format(Locale.ROOT, "%s,%s,%d,%d,%.6f,%d,%d%n", r.key(), rates.get(i), seed, bytes,
                            o.seconds(), o.timeouts(), o.retransmitted()));
                    int n = ++done;
                    double rate = rates.get(i);
                    progress.tick(() -> String.format(Locale.ROOT, "%d of %d transfers (%s, %s %%)", n, total,
                            r.label(), rate));
                }
                mbit[i] = seeds * bytes * 8 / seconds / 1e6;
            }
            curves.add(new Curve(r, mbit, timeouts));
        }
        progress.finish();
        Path csvFile = out.resolve(CSV);
        Path pngFile = out.resolve(PNG);
        try (Writer w = Files.newBufferedWriter(csvFile)) {
            w.write(csv.toString());
        }
        LossChart.write(pngFile, rates, curves, bytes, seeds);
        if (!quiet) {
            err.printf(Locale.ROOT, "netstack4j loss: %d transfers in %.1f s (wall clock); wrote %s and %s%n", total,
                    (System.nanoTime() - started) / 1e9, csvFile, pngFile);
            err.flush();
        }
        if (json) {
            stdout.println(Json.write(toJson(curves)));
        } else {
            printTable(stdout, curves);
        }
        stdout.flush();
        return Main.EXIT_OK;
    }

    private Map<String, Object> toJson(List<Curve> curves) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bytes", bytes);
        m.put("seeds", seeds);
        m.put("link_mbit_per_s", TcpLossRig.RATE_BITS / 1_000_000);
        m.put("rtt_ms", 2 * TcpLossRig.DELAY_NANOS / 1_000_000);
        m.put("loss_percent", rates);
        Map<String, Object> schemes = new LinkedHashMap<>();
        for (Curve c : curves) {
            Map<String, Object> s = new LinkedHashMap<>();
            List<Double> mbit = new ArrayList<>();
            List<Long> timeouts = new ArrayList<>();
            for (int i = 0; i < rates.size(); i++) {
                mbit.add(Math.round(c.mbitPerSecond()[i] * 1000) / 1000.0);
                timeouts.add(c.timeouts()[i]);
            }
            s.put("mbit_per_s", mbit);
            s.put("timeouts", timeouts);
            schemes.put(c.recovery().key(), s);
        }
        m.put("schemes", schemes);
        return m;
    }

    private void printTable(PrintWriter out, List<Curve> curves) {
        out.printf(Locale.ROOT, "%,d bytes per transfer, %d seeds per point, 100 Mbit/s, 10 ms RTT, simulated time%n",
                bytes, seeds);
        out.printf(Locale.ROOT, "%-8s", "loss %");
        for (Curve c : curves) {
            out.printf(Locale.ROOT, " %22s", c.recovery().label());
        }
        out.printf(Locale.ROOT, "%n%-8s", "");
        for (int i = 0; i < curves.size(); i++) {
            out.printf(Locale.ROOT, " %22s", "Mbit/s (timeouts)");
        }
        out.println();
        for (int i = 0; i < rates.size(); i++) {
            out.printf(Locale.ROOT, "%-8s", rates.get(i));
            for (Curve c : curves) {
                out.printf(Locale.ROOT, " %22s", String.format(Locale.ROOT, "%.2f (%d)", c.mbitPerSecond()[i],
                        c.timeouts()[i]));
            }
            out.println();
        }
    }
}
