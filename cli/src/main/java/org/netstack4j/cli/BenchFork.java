package org.netstack4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One bench case in a JVM of its own, as JMH forks: the parent starts a child JVM with this
 * class as its main, the child runs the case and prints one result line, the parent reads it.
 */
final class BenchFork {
    private static final String PREFIX = "BENCH ";

    private BenchFork() {
    }

    static BenchResult run(Bench.Budget budget, Bench.Case c) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), BenchFork.class.getName(), budget.name(), c.arg()));
        return run(command, c.arg(), timeout(budget));
    }

    /**
     * How long a case's JVM may take: ten times what the budget spends measuring (warm-up and
     * trials), plus two minutes for starting the JVM and setting the case up on a busy machine.
     */
    static Duration timeout(Bench.Budget budget) {
        return Duration.ofMinutes(2).plusNanos(10 * (budget.warmupNanos() + budget.trials() * budget.measureNanos()));
    }

    /** Runs {@code command}, a child that prints one result line; killed if it takes longer than {@code timeout}. */
    static BenchResult run(List<String> command, String what, Duration timeout) throws IOException, InterruptedException {
        AtomicReference<BenchResult> result = new AtomicReference<>();
        StringBuilder other = new StringBuilder();
        ChildProcess.Outcome o = ChildProcess.run(new ProcessBuilder(command).redirectErrorStream(true), timeout, line -> {
            if (line.startsWith(PREFIX)) {
                result.set(parse(line.substring(PREFIX.length())));
            } else {
                synchronized (other) {
                    if (other.length() < 2000) {
                        other.append(line).append(' ');
                    }
                }
            }
        }, null);
        String output;
        synchronized (other) {
            output = other.toString().strip();
        }
        if (o.timedOut()) {
            throw new IOException("the JVM measuring " + what + " did not finish within " + timeout.toSeconds()
                    + " s and was killed" + (output.isEmpty() ? "" : ": " + output));
        }
        if (o.exit() != 0 || result.get() == null) {
            throw new IOException("the JVM measuring " + what + " exited with status " + o.exit() + ": " + output);
        }
        return result.get();
    }

    /** The child: {@code BUDGET TEST:STACK:VARIANT}; prints one result line. */
    public static void main(String[] args) throws Exception {
        Bench bench = new Bench(Bench.Budget.named(args[0]), List.of(), line -> { });
        System.out.println(PREFIX + format(bench.run(Bench.Case.parse(args[1]))));
    }

    static String format(BenchResult r) {
        BenchResult.Latency l = r.latency();
        return String.join(" ", r.test(), r.stack(), r.variant(), Long.toString(r.packets()), d(r.seconds()), d(r.rate()),
                d(r.wholeRate()), l == null ? "-" : d(l.p50()), l == null ? "-" : d(l.p99()), l == null ? "-" : d(l.p999()),
                l == null ? "-" : d(l.max()), l == null ? "-" : d(l.mean()), d(r.allocBytesPerPacket()), d(r.loss()));
    }

    static BenchResult parse(String line) {
        String[] f = line.trim().split(" ");
        BenchResult.Latency l = f[7].equals("-") ? null : new BenchResult.Latency(Double.parseDouble(f[7]),
                Double.parseDouble(f[8]), Double.parseDouble(f[9]), Double.parseDouble(f[10]), Double.parseDouble(f[11]));
        return new BenchResult(f[0], f[1], f[2], Long.parseLong(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]),
                Double.parseDouble(f[6]), l, Double.parseDouble(f[12]), Double.parseDouble(f[13]));
    }

    private static String d(double v) {
        return Double.isNaN(v) ? "NaN" : String.format(Locale.ROOT, "%.6g", v);
    }
}
