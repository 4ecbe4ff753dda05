package org.netstack4j.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        BenchResult result = null;
        StringBuilder other = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith(PREFIX)) {
                    result = parse(line.substring(PREFIX.length()));
                } else if (other.length() < 2000) {
                    other.append(line).append(' ');
                }
            }
        }
        int exit = p.waitFor();
        if (exit != 0 || result == null) {
            throw new IOException("the JVM measuring " + c.arg() + " exited with status " + exit + ": " + other.toString().strip());
        }
        return result;
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
