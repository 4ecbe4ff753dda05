package org.netstack4j.cli;

import org.netstack4j.hw.link.ExternalMedium;
import org.netstack4j.hw.link.FaultInjector;
import org.netstack4j.lab.LabWorld;
import org.netstack4j.lab.StandaloneHost;
import org.netstack4j.wire.Ipv4Address;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * A netstack4j host on a real network until interrupted: ARP, ICMP echo, the lab's UDP service on
 * port 2000 and a DNS responder on port 53. On SIGINT or SIGTERM it stops, prints its counters and
 * exits 0.
 */
@Command(name = "up",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
                "Runs a netstack4j host (an E1000, its driver and the stack, in real time) on a real medium until "
                        + "interrupted. It answers ARP and ping, answers every UDP datagram to port 2000 with "
                        + "\"this is the host!\" (the xv6 lab's service) and serves DNS on port 53 for the names "
                        + "given with --dns-record.",
                "On Ctrl-C (SIGINT) or SIGTERM it stops, prints its counters (the medium's, the driver's, ARP "
                        + "neighbours, protocols, services) and exits 0. (Started in the background by a script, it "
                        + "inherits the shell's ignored SIGINT, as every program does: send it SIGTERM.)",
                "Example, Linux as the peer in a namespace of its own:",
                "  ip netns add lab",
                "  ip -n lab tuntap add dev tap0 mode tap",
                "  ip -n lab addr add 10.0.2.2/24 dev tap0; ip -n lab link set tap0 up",
                "  ip netns exec lab ./netstack4j up --tap tap0 --ip 10.0.2.15/24 --gw 10.0.2.2 \\",
                "      --dns-record pdos.csail.mit.edu=128.52.129.126",
                "  ip netns exec lab ping 10.0.2.15",
                "Example, no root: two hosts in two processes on a switch in a third:",
                "  ./netstack4j switch --listen unix:/tmp/lab.sock &",
                "  ./netstack4j up --switch unix:/tmp/lab.sock --ip 10.0.2.2/24 --mac 52:55:0a:00:02:02 \\",
                "      --dns-record pdos.csail.mit.edu=128.52.129.126 &",
                "  ./netstack4j demo --switch unix:/tmp/lab.sock --peer 10.0.2.2"})
final class UpCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @CommandLine.Mixin
    MediumOptions medium;

    @CommandLine.Mixin
    HostOptions host;

    @CommandLine.Mixin
    WakeModeOption wake;

    @Option(names = "--capture", paramLabel = "FILE", converter = OutputFileConverter.class,
            description = "Record every frame on the medium, both ways, into FILE (classic pcap).")
    Path capture;

    final Map<String, List<Integer>> records = new LinkedHashMap<>();

    @Option(names = "--dns-record", paramLabel = "NAME=ADDR",
            description = "An A record the DNS responder serves (repeat for more; a name given twice gets both "
                    + "addresses). Other names get NXDOMAIN.")
    void addRecord(String value) {
        int eq = value.indexOf('=');
        String name = eq < 0 ? "" : value.substring(0, eq).strip().toLowerCase(Locale.ROOT);
        String address = eq < 0 ? "" : value.substring(eq + 1).strip();
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        int bits;
        try {
            bits = Ipv4Address.parseBits(address);
        } catch (IllegalArgumentException e) {
            throw bad("--dns-record must be NAME=ADDR like pdos.csail.mit.edu=128.52.129.126, not '" + value + "'");
        }
        if (name.isEmpty() || name.length() > 253 || !name.matches("[a-z0-9_-]{1,63}(\\.[a-z0-9_-]{1,63})*")) {
            throw bad("--dns-record: '" + name + "' is not a domain name");
        }
        records.computeIfAbsent(name, k -> new ArrayList<>()).add(bits);
    }

    /** Faults to inject between the medium and the card, each way; null for none. */
    FaultInjector.Rates faults;

    @Option(names = "--faults", paramLabel = "KIND=RATE,...",
            description = "Inject faults between the medium and the card, each way: drop, duplicate, reorder, corrupt "
                    + "and delay, each a rate in 0..1, e.g. drop=0.02,reorder=0.01 (TCP's recovery against a real peer).")
    void setFaults(String value) {
        FaultInjector.Rates r = FaultInjector.Rates.NONE;
        for (String part : value.split(",")) {
            int eq = part.indexOf('=');
            String kind = eq < 0 ? part.strip() : part.substring(0, eq).strip();
            double rate;
            try {
                rate = Double.parseDouble(eq < 0 ? "" : part.substring(eq + 1).strip());
            } catch (NumberFormatException e) {
                throw bad("--faults takes KIND=RATE,... like drop=0.02,reorder=0.01, not '" + value + "'");
            }
            if (!(rate >= 0 && rate <= 1)) {
                throw bad("--faults: a rate is in 0..1, not " + rate);
            }
            r = switch (kind) {
                case "drop" -> r.withDrop(rate);
                case "duplicate" -> r.withDuplicate(rate);
                case "reorder" -> r.withReorder(rate, 1_000_000L);
                case "corrupt" -> r.withCorrupt(rate, 1);
                case "delay" -> r.withDelay(rate, 1_000_000L, 1_000_000L);
                default -> throw bad("--faults: no such fault '" + kind + "' (drop, duplicate, reorder, corrupt, delay)");
            };
        }
        faults = r;
    }

    @CommandLine.Mixin
    DurationOption duration;

    @Option(names = "--json", description = "At the end, print one JSON object (address, medium, counters) instead of the "
            + "text; the start-up line goes to stderr, so stdout holds that object only.")
    boolean json;

    private StandaloneHost running;
    /** The services running once the host was up: each must still run when it stops. */
    private List<String> started = List.of();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        host.validate();
        ExternalMedium opened = medium.open("netstack4j up", err);
        if (opened == null) {
            return Main.EXIT_FAILED;
        }
        StandaloneHost.Options options = new StandaloneHost.Options(host.mac, host.staticAddress(), host.gateway, wake.mode,
                capture, true, records, faults);
        try {
            running = StandaloneHost.start(opened, options);
        } catch (IOException e) {
            err.println("netstack4j up: " + (capture != null && e.getMessage() != null && e.getMessage().contains(capture.toString())
                    ? "cannot write capture " + capture + ": " + e : e.toString()));
            err.flush();
            return Main.EXIT_FAILED;
        }
        started = running.runningServices();
        // With --json, stdout carries only the one object at the end: the start-up line goes to stderr.
        PrintWriter announce = json ? err : out;
        return UntilStopped.await("up", duration.seconds, () -> {
            announce.printf(Locale.ROOT, "up: %s (%s) on %s, %s mode%s; services running: %s (DNS: %d name%s); "
                            + "Ctrl-C to stop%n", describeAddress(), host.mac, opened.describe(), wake.mode.cliName(),
                    host.gateway == null ? "" : ", router " + Ipv4Address.format(host.gateway),
                    String.join(", ", started), records.size(), records.size() == 1 ? "" : "s");
            announce.flush();
        }, why -> finish(out, why));
    }

    private String describeAddress() {
        StandaloneHost h = running;
        if (h != null && h.dhcp() != null && h.dhcp().lease() != null) {
            return "DHCP lease " + h.dhcp().lease();
        }
        return host.address;
    }

    /**
     * Stops the host and prints its counters (called once, by {@link UntilStopped}); the exit
     * status says whether every service ran until the stop.
     */
    private int finish(PrintWriter out, String why) {
        StandaloneHost h = running;
        String address = describeAddress(); // before the close releases a DHCP lease
        List<String> stillRunning = h.runningServices(); // before the close ends them
        List<String> died = new ArrayList<>(started);
        died.removeAll(stillRunning);
        PrintWriter err = spec.commandLine().getErr();
        boolean failed = !died.isEmpty();
        try {
            h.close();
        } catch (Exception e) {
            err.println("netstack4j up: stopping: " + e);
            failed = true;
        }
        if (!died.isEmpty()) {
            err.println("netstack4j up: service" + (died.size() == 1 ? " " : "s ") + String.join(", ", died)
                    + " stopped before the host did");
        }
        err.flush();
        Map<String, Object> report = h.report();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("address", address);
            m.put("mac", host.mac);
            m.put("stopped_by", why);
            m.put("pools_full", h.poolsFull());
            m.put("services_running_at_stop", stillRunning);
            m.put("hosts", List.of(report)); // the schema every command shares (README, "JSON")
            if (faults != null) {
                m.put("faults", faultReport(h));
            }
            out.println(Json.write(m));
        } else {
            out.println("up: stopping (" + (why.equals("signal") ? "signal" : "--duration elapsed") + ")");
            DemoCommand.printCounters(out, List.of(report));
            if (faults != null) {
                for (Map<String, Object> f : faultReport(h)) {
                    out.printf(Locale.ROOT, "faults %s: %s of %s frames dropped, %s duplicated, %s reordered, %s corrupted%n",
                            f.get("direction"), f.get("dropped"), f.get("sent"), f.get("duplicated"), f.get("reordered"),
                            f.get("corrupted"));
                }
            }
            out.println("every buffer back: " + (h.poolsFull() ? "yes" : "NO"));
            out.println("services running at the stop: " + (stillRunning.isEmpty() ? "none" : String.join(", ", stillRunning)));
            if (capture != null) {
                out.printf(Locale.ROOT, "capture: %s  (open with: wireshark %s   or: tshark -r %s)%n", capture, capture, capture);
            }
        }
        out.flush();
        return failed ? Main.EXIT_FAILED : Main.EXIT_OK;
    }

    /** What each fault injector did: the host's way out (to the medium) first, then the way in. */
    private static List<Map<String, Object>> faultReport(StandaloneHost h) {
        List<Map<String, Object>> out = new ArrayList<>();
        List<FaultInjector.Counters> counters = h.faultCounters();
        for (int i = 0; i < counters.size(); i++) {
            FaultInjector.Counters c = counters.get(i);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("direction", i == 0 ? "out" : "in");
            m.put("sent", c.sent());
            m.put("dropped", c.dropped());
            m.put("duplicated", c.duplicated());
            m.put("reordered", c.reordered());
            m.put("corrupted", c.corrupted());
            out.add(m);
        }
        return out;
    }

    private CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
