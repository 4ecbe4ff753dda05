package org.netstack4j.cli;

import org.netstack4j.lab.Demo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The main job: the xv6 network lab's world built of two netstack4j hosts on a cable, and the
 * lab's checks (and more) run against it, one OK/FAIL line each, then the counters.
 */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
                "Builds the xv6 lab's network: a host 10.0.2.15 (52:54:00:12:34:56) and a gateway 10.0.2.2, "
                        + "each a netstack4j stack on an E1000, joined by a cable. The gateway answers UDP port 2000 "
                        + "with \"this is the host!\" and serves DNS.",
                "Checks: ARP resolution of the gateway; one UDP ping; 100 pings from one socket; 10 sockets on "
                        + "10 threads at once; a DNS A query for pdos.csail.mit.edu; ICMP echo with RTTs; every "
                        + "buffer back in its pool. Then the driver, ring and protocol counters.",
                "Exit status 0 only if every check passes."})
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @CommandLine.Mixin
    LabOptions lab;

    @Option(names = "--capture", paramLabel = "FILE", defaultValue = "netstack4j-demo.pcap",
            description = "Where to write the pcap of the whole run. Default: ${DEFAULT-VALUE}.")
    Path capture;

    @Option(names = "--json", description = "Print one JSON object (ok, checks [{name, ok, ...}], dns_answer, capture, counters).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!json) {
            out.printf(Locale.ROOT, "netstack4j demo: host 10.0.2.15 and gateway 10.0.2.2 on a cable, %s mode, %s%n",
                    lab.mode.cliName(), lab.seed == null ? "real threads" : "simulated time, seed " + lab.seed);
            out.flush();
        }
        Demo.Report report = Demo.run(new Demo.Options(lab.mode, lab.seed, capture), check -> {
            if (json) {
                err.println("netstack4j demo: " + (check.ok() ? "OK   " : "FAIL ") + check.line());
                err.flush();
            } else {
                out.printf(Locale.ROOT, "%-4s  %-15s %s%n", check.ok() ? "OK" : "FAIL", check.name(), check.line());
                out.flush();
            }
        });
        long failed = report.checks().stream().filter(c -> !c.ok()).count();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ok", failed == 0);
            m.put("mode", lab.mode.cliName());
            m.put("seed", lab.seed);
            m.put("checks", report.checks().stream().map(DemoCommand::toJson).toList());
            m.put("dns_answer", report.dnsAnswer());
            m.put("capture", capture.toString());
            m.put("counters", report.counters());
            out.println(Json.write(m));
        } else {
            printCounters(out, report.counters());
            out.printf(Locale.ROOT, "capture: %s  (open with: wireshark %s   or: tshark -r %s)%n", capture, capture, capture);
            out.println(failed == 0 ? "demo: all " + report.checks().size() + " checks passed"
                    : "demo: " + failed + " of " + report.checks().size() + " checks FAILED");
        }
        out.flush();
        if (failed != 0) {
            err.println("netstack4j demo: " + failed + " of " + report.checks().size() + " checks failed: "
                    + String.join(", ", report.checks().stream().filter(c -> !c.ok()).map(Demo.Check::name).toList()));
            err.flush();
            return Main.EXIT_FAILED;
        }
        return Main.EXIT_OK;
    }

    private static Map<String, Object> toJson(Demo.Check c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.name());
        m.put("ok", c.ok());
        m.put("line", c.line());
        m.putAll(c.figures());
        return m;
    }

    /** Counters for people: non-zero ones only, grouped as ethtool -S and netstat -s group them. */
    @SuppressWarnings("unchecked")
    static void printCounters(PrintWriter out, Map<String, Map<String, Object>> counters) {
        for (var host : counters.entrySet()) {
            out.println();
            out.println(host.getKey() + ":");
            for (var e : host.getValue().entrySet()) {
                if (e.getKey().equals("protocols")) {
                    var protocols = (Map<String, Map<String, Long>>) e.getValue();
                    for (var p : protocols.entrySet()) {
                        out.println("  " + p.getKey() + ": " + nonZero(p.getValue()));
                    }
                } else {
                    var nic = (Map<String, Object>) e.getValue();
                    out.println("  " + e.getKey() + " " + nic.get("address") + " " + nic.get("mac"));
                    out.println("    driver: " + nonZero((Map<String, Long>) nic.get("driver")));
                    out.println("    neighbors: " + nic.get("neighbors"));
                }
            }
        }
        out.println();
    }

    private static String nonZero(Map<String, Long> m) {
        StringBuilder sb = new StringBuilder();
        for (var e : m.entrySet()) {
            if (e.getValue() != 0) {
                sb.append(sb.isEmpty() ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue());
            }
        }
        return sb.isEmpty() ? "(all zero)" : sb.toString();
    }

    static List<String> checkNames() {
        return List.of("arp", "udp_ping", "udp_100_pings", "udp_concurrent", "dns", "icmp_echo", "buffers");
    }
}
