package org.netstack4j.cli;

import org.netstack4j.comms.kv.KvBench;
import org.netstack4j.driver.WakeMode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kv bench}: small gets per second and their latency, netstack4j beside the JDK's sockets, in one run. */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
                "Small gets (a " + KvBench.VALUE_BYTES + "-byte value) against the key-value service, each client on "
                        + "its own reused connection with one get in flight, measured in wall-clock time. The same "
                        + "library and service run over netstack4j (two hosts in this JVM: on real threads woken as "
                        + "--mode, and simulated on one thread) and over the JDK's sockets on the kernel's loopback, "
                        + "in this run, one after the other.",
                "Ratios are netstack4j over the JDK (above 1: more requests per second, or a higher latency)."})
final class KvBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--clients", paramLabel = "N", defaultValue = "1,8", split = ",",
            description = "Client counts to measure. Default: ${DEFAULT-VALUE}.")
    List<Integer> clients;

    @Option(names = "--requests", paramLabel = "N", defaultValue = "20000",
            description = "Measured gets per client count (shared among the clients). Default: ${DEFAULT-VALUE}.")
    int requests;

    @Option(names = "--mode", paramLabel = "interrupt|napi|poll", converter = WakeModeConverter.class,
            defaultValue = "napi", description = "How the real-thread hosts' drivers are woken. Default: ${DEFAULT-VALUE}.")
    WakeMode mode;

    @Option(names = "--json", description = "Print one JSON object with every configuration's figures.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (requests < 100 || requests > 10_000_000 || clients.isEmpty()
                || clients.stream().anyMatch(c -> c < 1 || c > 256)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--requests must be 100..10000000, --clients 1..256 each");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, Object> ratios = new LinkedHashMap<>();
        for (int c : clients) {
            int each = Math.max(1, requests / c);
            int warm = Math.max(1, each / 5);
            err.printf(Locale.ROOT, "netstack4j kv bench: %d client%s, %d gets each ...%n", c, c == 1 ? "" : "s", each);
            err.flush();
            KvBench.Figures jdk = KvBench.jdk(c, warm, each);
            KvBench.Figures real = KvBench.netstack4j(false, mode, c, warm, each);
            KvBench.Figures sim = KvBench.netstack4j(true, WakeMode.NAPI, c, warm, each);
            for (KvBench.Figures f : List.of(jdk, real, sim)) {
                rows.add(f.toMap());
            }
            ratios.put("clients_" + c, Map.of(
                    "real_rps_ratio", real.requestsPerSecond() / jdk.requestsPerSecond(),
                    "real_p50_ratio", real.p50Micros() / jdk.p50Micros(),
                    "sim_rps_ratio", sim.requestsPerSecond() / jdk.requestsPerSecond()));
            if (!json) {
                out.printf(Locale.ROOT, "%d client%s (%d gets each):%n", c, c == 1 ? "" : "s", each);
                for (KvBench.Figures f : List.of(jdk, real, sim)) {
                    out.printf(Locale.ROOT, "  %-38s %9.0f gets/s  p50 %7.1f us  p99 %8.1f us  p99.9 %8.1f us%n",
                            f.stack(), f.requestsPerSecond(), f.p50Micros(), f.p99Micros(), f.p999Micros());
                }
                out.printf(Locale.ROOT, "  netstack4j / JDK: real threads %.2fx gets/s (p50 %.2fx), simulated %.2fx gets/s%n",
                        real.requestsPerSecond() / jdk.requestsPerSecond(), real.p50Micros() / jdk.p50Micros(),
                        sim.requestsPerSecond() / jdk.requestsPerSecond());
                out.flush();
            }
        }
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("cores", Runtime.getRuntime().availableProcessors());
            m.put("mode", mode.cliName());
            m.put("runs", rows);
            m.put("ratios", ratios);
            out.println(Json.write(m));
            out.flush();
        }
        return Main.EXIT_OK;
    }
}
