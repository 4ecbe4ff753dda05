package org.netstack4j.cli;

import org.netstack4j.exec.Applications;
import org.netstack4j.lab.LabWorld;
import org.netstack4j.socket.DnsResolver;
import org.netstack4j.socket.Ping;
import org.netstack4j.stack.Host;
import org.netstack4j.wire.Ipv4Address;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** ICMP echo from the lab world's host (10.0.2.15), printed as ping prints it. */
@Command(name = "ping",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {"Pings TARGET from the host 10.0.2.15 of the demo's network (a gateway 10.0.2.2 on a cable), "
                + "with netstack4j's ICMP echo client, and prints each reply and the round-trip statistics.",
                "TARGET is an IPv4 address or a name the gateway's DNS knows (pdos.csail.mit.edu). "
                        + "Exit status 0 if any reply came back, 1 if none did."})
final class PingCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "TARGET", defaultValue = "10.0.2.2",
            description = "Address or name to ping. Default: ${DEFAULT-VALUE}.")
    String target;

    int count = 5;

    @Option(names = {"-c", "--count"}, paramLabel = "N", defaultValue = "5", description = "Requests to send (1..100000). Default: ${DEFAULT-VALUE}.")
    void setCount(int n) {
        count = (int) LabOptions.inRange(spec, "--count", n, 1, 100_000);
    }

    int size = 56;

    @Option(names = {"-s", "--size"}, paramLabel = "BYTES", defaultValue = "56",
            description = "Payload bytes per request (8..65507; above 1472 the request is fragmented). Default: ${DEFAULT-VALUE}.")
    void setSize(int n) {
        size = (int) LabOptions.inRange(spec, "--size", n, 8, Ping.MAX_PAYLOAD);
    }

    long intervalMillis = 0;

    @Option(names = {"-i", "--interval"}, paramLabel = "MS", defaultValue = "0",
            description = "Wait between requests, in milliseconds (0..60000). Default: ${DEFAULT-VALUE}.")
    void setInterval(long ms) {
        intervalMillis = LabOptions.inRange(spec, "--interval", ms, 0, 60_000);
    }

    long timeoutMillis = 1000;

    @Option(names = {"-W", "--timeout"}, paramLabel = "MS", defaultValue = "1000",
            description = "How long to wait for each reply, in milliseconds (1..60000). Default: ${DEFAULT-VALUE}.")
    void setTimeout(long ms) {
        timeoutMillis = LabOptions.inRange(spec, "--timeout", ms, 1, 60_000);
    }

    @CommandLine.Mixin
    LabOptions lab;

    @Option(names = "--capture", paramLabel = "FILE", description = "Write a pcap of the cable to FILE.")
    Path capture;

    @Option(names = "--json", description = "Print one JSON object (target, transmitted, received, loss_percent, rtt_*_us, "
            + "replies); a long run shows its progress on stderr meanwhile.")
    boolean json;

    @CommandLine.Mixin
    Progress.Options progressOptions;

    record Result(int address, List<Ping.Reply> replies) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        // Text output shows each reply as it comes; with --json, progress lines on stderr do that job.
        Progress progress = json ? progressOptions.start(spec.commandLine().getErr(), "ping") : Progress.NONE;
        Result result;
        try (LabWorld world = new LabWorld(lab.mode, lab.seed, capture)) {
            Host h = world.guest().host();
            Applications apps = world.network().applications();
            result = world.network().run("ping", () -> {
                int address = address(h);
                if (!json) {
                    out.printf(Locale.ROOT, "PING %s (%s) %d(%d) bytes of data.%n", target, Ipv4Address.format(address),
                            size, size + 28);
                    out.flush();
                }
                List<Ping.Reply> replies = new ArrayList<>();
                try (Ping ping = Ping.open(h, size)) {
                    for (int seq = 1; seq <= count; seq++) {
                        Ping.Reply r = ping.ping(address, seq, size, Duration.ofMillis(timeoutMillis));
                        if (r != null) {
                            replies.add(r);
                            if (!json) {
                                out.printf(Locale.ROOT, "%d bytes from %s: icmp_seq=%d time=%.3f ms%n", r.bytes() + 8,
                                        Ipv4Address.format(r.from()), r.sequence(), r.roundTripNanos() / 1e6);
                                out.flush();
                            }
                        }
                        int sent = seq;
                        progress.tick(() -> String.format(Locale.ROOT, "%,d of %,d requests sent, %,d replies",
                                sent, count, replies.size()));
                        if (intervalMillis > 0 && seq < count) {
                            long until = apps.clock().nanos() + intervalMillis * 1_000_000;
                            while (apps.clock().nanos() < until) {
                                apps.block(until);
                            }
                        }
                    }
                }
                return new Result(address, replies);
            });
        }
        print(out, result);
        return result.replies().isEmpty() ? Main.EXIT_FAILED : Main.EXIT_OK;
    }

    private int address(Host h) throws Exception {
        try {
            return Ipv4Address.parseBits(target);
        } catch (IllegalArgumentException notAnAddress) {
            return new DnsResolver(h, LabWorld.GATEWAY_IP).resolveA(target).getFirst();
        }
    }

    private void print(PrintWriter out, Result r) {
        int received = r.replies().size();
        double loss = 100.0 * (count - received) / count;
        double min = r.replies().stream().mapToLong(Ping.Reply::roundTripNanos).min().orElse(0) / 1e3;
        double max = r.replies().stream().mapToLong(Ping.Reply::roundTripNanos).max().orElse(0) / 1e3;
        double avg = r.replies().stream().mapToLong(Ping.Reply::roundTripNanos).average().orElse(0) / 1e3;
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("target", target);
            m.put("address", Ipv4Address.format(r.address()));
            m.put("transmitted", count);
            m.put("received", received);
            m.put("loss_percent", loss);
            m.put("rtt_min_us", min);
            m.put("rtt_avg_us", avg);
            m.put("rtt_max_us", max);
            m.put("replies", r.replies().stream().map(x -> Map.of("seq", x.sequence(), "rtt_us", x.roundTripNanos() / 1e3)).toList());
            out.println(Json.write(m));
        } else {
            out.printf(Locale.ROOT, "%n--- %s ping statistics ---%n%d packets transmitted, %d received, %.0f%% packet loss%n",
                    target, count, received, loss);
            if (received > 0) {
                out.printf(Locale.ROOT, "rtt min/avg/max = %.3f/%.3f/%.3f ms%n", min / 1e3, avg / 1e3, max / 1e3);
            }
        }
        out.flush();
    }
}
