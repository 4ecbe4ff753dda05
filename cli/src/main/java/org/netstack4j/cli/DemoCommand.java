package org.netstack4j.cli;

import org.netstack4j.lab.Demo;
import org.netstack4j.lab.MediumSpec;
import org.netstack4j.stack.StackCounters;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.Ipv4Cidr;
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
                "With --tap NAME --peer ADDR the same checks run against a real peer instead: our host alone "
                        + "(--ip, default 10.0.2.15/24) on the TAP device, the peer answering ARP, ping, UDP port "
                        + "2000 and DNS for pdos.csail.mit.edu (128.52.129.126), as the lab's gateway does. With "
                        + "--switch unix:PATH|udp:PORT --peer ADDR our host is on a switch in another process "
                        + "(netstack4j switch), and the peer another process there (netstack4j up --switch).",
                "Exit status 0 only if every check passes."})
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @CommandLine.Mixin
    LabOptions lab;

    @CommandLine.Mixin
    MediumOptions medium;

    @CommandLine.Mixin
    HostOptions host;

    Integer peer;

    @Option(names = "--peer", paramLabel = "ADDR",
            description = "With a real medium: the peer to run the checks against (it plays the lab's gateway).")
    void setPeer(String value) {
        try {
            peer = Ipv4Address.parseBits(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--peer must be an IPv4 address, not '" + value + "'");
        }
    }

    @Option(names = "--capture", paramLabel = "FILE", converter = OutputFileConverter.class, defaultValue = "netstack4j-demo.pcap",
            description = "Where to write the pcap of the whole run. Default: ${DEFAULT-VALUE}.")
    Path capture;

    @Option(names = "--json", description = "Print one JSON object (ok, checks [{name, ok, ...}], dns_answer, capture, counters).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Demo.RealPeer real = realPeer();
        if (!json) {
            if (real == null) {
                out.printf(Locale.ROOT, "netstack4j demo: host 10.0.2.15 and gateway 10.0.2.2 on a cable, %s mode, %s%n",
                        lab.mode.cliName(), lab.seed == null ? "real threads" : "simulated time, seed " + lab.seed);
            } else {
                out.printf(Locale.ROOT, "netstack4j demo: host %s on %s, peer %s, %s mode, real time%n",
                        real.hostAddress(), real.medium().describe(), Ipv4Address.format(real.address()), lab.mode.cliName());
            }
            out.flush();
        }
        Demo.Report report;
        try {
            report = Demo.run(new Demo.Options(lab.mode, lab.seed, capture, real), check -> progress(out, err, check));
        } catch (java.io.IOException e) {
            err.println("netstack4j demo: " + e.getMessage());
            err.flush();
            return Main.EXIT_FAILED;
        }
        return report(out, err, report);
    }

    /** The real peer the options name, or null for the lab's world; usage errors for half a choice. */
    private Demo.RealPeer realPeer() {
        if (host.dhcp) {
            // The demo's checks need the addresses fixed in advance; 'up --dhcp' is where DHCP runs.
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--dhcp is not for demo (its checks need a static --ip); 'netstack4j up --dhcp' takes a lease");
        }
        MediumSpec chosen = medium.spec();
        if (chosen == null && peer == null) {
            for (String option : new String[] {"--ip", "--gw", "--mac"}) {
                if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            option + " is for a real peer (" + MediumOptions.names() + ", with --peer ADDR)");
                }
            }
            return null;
        }
        if (chosen == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--peer needs a medium: " + MediumOptions.names());
        }
        if (peer == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "a real medium needs --peer ADDR");
        }
        if (lab.seed != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--seed is for the simulated lab, not a real peer");
        }
        Ipv4Cidr cidr = Ipv4Cidr.parse(host.address);
        if (!Ipv4Address.sameSubnet(peer, cidr.address(), cidr.prefix()) || peer == cidr.address()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--peer " + Ipv4Address.format(peer) + " must be another address on " + host.address);
        }
        return new Demo.RealPeer(chosen, host.address, host.mac, peer);
    }

    private void progress(PrintWriter out, PrintWriter err, Demo.Check check) {
        if (json) {
            err.println("netstack4j demo: " + (check.ok() ? "OK   " : "FAIL ") + check.line());
            err.flush();
        } else {
            out.printf(Locale.ROOT, "%-4s  %-15s %s%n", check.ok() ? "OK" : "FAIL", check.name(), check.line());
            out.flush();
        }
    }

    private int report(PrintWriter out, PrintWriter err, Demo.Report report) {
        long failed = report.checks().stream().filter(c -> !c.ok()).count();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ok", failed == 0);
            m.put("mode", lab.mode.cliName());
            m.put("seed", lab.seed);
            m.put("checks", report.checks().stream().map(DemoCommand::toJson).toList());
            m.put("dns_answer", report.dnsAnswer());
            m.put("capture", capture.toString());
            m.put("hosts", report.hosts());
            out.println(Json.write(m));
        } else {
            printCounters(out, report.hosts());
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

    /**
     * Each host's report for people: its medium, interfaces with their non-zero ethtool -S
     * counters, neighbours as ip neigh prints them, routes as ip route does, protocol counters with
     * their nstat names, services and TCP connections as ss -ti shows them.
     */
    @SuppressWarnings("unchecked")
    static void printCounters(PrintWriter out, List<Map<String, Object>> hosts) {
        for (Map<String, Object> host : hosts) {
            out.println();
            out.println(host.get("name") + ":");
            if (host.get("medium") instanceof Map<?, ?> m) {
                out.println("  medium: " + m.get("name") + ": " + nonZero((Map<String, Long>) m.get("counters")));
                if (m.get("last_error") != null) {
                    out.println("    last error: " + m.get("last_error"));
                }
            }
            if (host.get("cpu_thread") instanceof Map<?, ?> cpu) {
                out.printf(Locale.ROOT, "  cpu thread: awake %.1f%% of %.1f s, %s parks, %s wake-ups%n",
                        100 * ((Number) cpu.get("busy_share")).doubleValue(), ((Number) cpu.get("seconds")).doubleValue(),
                        cpu.get("parks"), cpu.get("wakeups"));
            }
            for (Map<String, Object> nic : (List<Map<String, Object>>) host.get("interfaces")) {
                out.println("  " + nic.get("ifname") + " " + nic.get("address") + " " + nic.get("mac") + " mtu " + nic.get("mtu"));
                out.println("    NIC statistics (ethtool -S, the non-zero ones):");
                ((Map<String, Long>) nic.get("driver")).forEach((k, v) -> {
                    if (v != 0) {
                        out.printf(Locale.ROOT, "      %-24s %d%n", k + ":", v);
                    }
                });
            }
            List<Map<String, Object>> neighbors = (List<Map<String, Object>>) host.get("neighbors");
            out.println("  neighbours (ip neigh):" + (neighbors.isEmpty() ? " none" : ""));
            for (Map<String, Object> n : neighbors) {
                out.println("    " + n.get("dst") + " dev " + n.get("dev")
                        + (n.get("lladdr") == null ? "" : " lladdr " + n.get("lladdr")) + " " + String.join(",",
                        (List<String>) n.get("state")));
            }
            out.println("  routes (ip route):");
            for (Map<String, Object> r : (List<Map<String, Object>>) host.get("routes")) {
                out.println("    " + r.get("dst") + (r.get("gateway") == null ? "" : " via " + r.get("gateway")) + " dev " + r.get("dev"));
            }
            var protocols = (Map<String, Map<String, Long>>) host.get("protocols");
            for (var p : protocols.entrySet()) {
                // The data's keys are snake_case; text shows the nstat names (InEchos).
                Map<String, Long> named = new LinkedHashMap<>();
                p.getValue().forEach((k, v) -> named.put(StackCounters.netstatName(p.getKey(), k), v));
                out.println("  " + p.getKey() + ": " + nonZero(named));
            }
            if (host.get("services") instanceof Map<?, ?> services) {
                out.println("  services: " + nonZero((Map<String, Long>) services));
            }
            var conns = (List<Map<String, Object>>) host.get("tcp_connections");
            out.println("  tcp connections (ss -ti):" + (conns.isEmpty() ? " none" : ""));
            for (var c : conns) {
                out.printf(Locale.ROOT, "    %-11s %-21s %-21s%n      cwnd:%s ssthresh:%s rtt:%.3f ms rto:%s "
                                + "mss:%s wscale:%s retrans:%s bytes_acked:%s bytes_received:%s segs_out:%s segs_in:%s%n",
                        c.get("state"), c.get("local"), c.get("remote"), c.get("cwnd"),
                        c.get("ssthresh") == null ? "-" : c.get("ssthresh"),
                        ((Number) c.get("srtt_us")).doubleValue() / 1000, c.get("rto_ms"), c.get("mss"), c.get("wscale"),
                        c.get("retransmits"), c.get("bytes_acked"), c.get("bytes_received"), c.get("segs_out"),
                        c.get("segs_in"));
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
        return sb.isEmpty() ? "(every counter is zero)" : sb.toString();
    }

    static List<String> checkNames() {
        return List.of("arp", "udp_ping", "udp_100_pings", "udp_concurrent", "dns", "icmp_echo", "tcp_http", "tcp_echo",
                "buffers");
    }
}
