package org.netstack4j.cli;

import org.netstack4j.exec.Applications;
import org.netstack4j.lab.LabWorld;
import org.netstack4j.socket.DnsException;
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
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
                        + "Options, output and exit status as iputils' ping: -i and -W in seconds; Ctrl-C stops "
                        + "and prints the statistics; exit status 0 if any reply came back, 1 if none did, "
                        + "2 on an error (a bad argument, a name that does not resolve)."})
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

    long intervalNanos = 0;

    @Option(names = {"-i", "--interval"}, paramLabel = "SECONDS", defaultValue = "0",
            description = "Wait between requests, in seconds, fractions allowed (0..60). Default: ${DEFAULT-VALUE}.")
    void setInterval(double seconds) {
        intervalNanos = seconds(spec, "--interval", seconds, 0, 60);
    }

    long timeoutNanos = 1_000_000_000L;

    @Option(names = {"-W", "--timeout"}, paramLabel = "SECONDS", defaultValue = "1",
            description = "How long to wait for each reply, in seconds, fractions allowed (0.001..60). "
                    + "Default: ${DEFAULT-VALUE}.")
    void setTimeout(double seconds) {
        timeoutNanos = seconds(spec, "--timeout", seconds, 0.001, 60);
    }

    /** Seconds as ping takes them (0.2, 1.5), in nanoseconds; a usage error outside min..max. */
    static long seconds(CommandSpec spec, String option, double seconds, double min, double max) {
        if (!(seconds >= min && seconds <= max)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    option + " must be " + min + ".." + max + " seconds, not " + seconds);
        }
        return Math.round(seconds * 1e9);
    }

    @CommandLine.Mixin
    LabOptions lab;

    @Option(names = "--capture", paramLabel = "FILE", converter = OutputFileConverter.class, description = "Write a pcap of the cable to FILE.")
    Path capture;

    @Option(names = "--json", description = "Print one JSON object (target, transmitted, received, loss_percent, rtt_*_us, "
            + "replies); a long run shows its progress on stderr meanwhile.")
    boolean json;

    @CommandLine.Mixin
    Progress.Options progressOptions;

    record Result(int address, int transmitted, List<Ping.Reply> replies, int errors, long elapsedNanos) {
    }

    @Override
    public Integer call() throws Exception {
        Integer literal = literalAddress();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        // Text output shows each reply as it comes; with --json, progress lines on stderr do that job.
        Progress progress = json ? progressOptions.start(err, "ping") : Progress.NONE;
        // Ctrl-C stops after the request in flight (at most -W) and still prints the statistics.
        Interrupt interrupt = Interrupt.install(timeoutNanos / 1_000_000 + 5_000);
        Result result;
        try (LabWorld world = new LabWorld(lab.mode, lab.seed, capture)) {
            Host h = world.guest().host();
            Applications apps = world.network().applications();
            result = world.network().run("ping", () -> {
                int address;
                try {
                    address = literal != null ? literal : new DnsResolver(h, LabWorld.GATEWAY_IP).resolveA(target).getFirst();
                } catch (DnsException e) {
                    return null; // ping: NAME: Name or service not known, below
                }
                if (!json) {
                    out.printf(Locale.ROOT, "PING %s (%s) %d(%d) bytes of data.%n", target, Ipv4Address.format(address),
                            size, size + 28);
                    out.flush();
                }
                List<Ping.Reply> replies = new ArrayList<>();
                int[] errors = {0};
                long started = apps.clock().nanos();
                int sent = 0;
                try (Ping ping = Ping.open(h, size)) {
                    for (int seq = 1; seq <= count && !interrupt.requested(); seq++) {
                        Ping.Reply r = ping.ping(address, seq, size, Duration.ofNanos(timeoutNanos));
                        sent = seq;
                        if (r != null && r.isError()) {
                            errors[0]++;
                            if (!json) {
                                out.printf(Locale.ROOT, "From %s icmp_seq=%d %s%n", Ipv4Address.format(r.from()),
                                        r.sequence(), icmpError(r.type(), r.code()));
                                out.flush();
                            }
                        } else if (r != null) {
                            replies.add(r);
                            if (!json) {
                                out.printf(Locale.ROOT, "%d bytes from %s: icmp_seq=%d ttl=%d time=%.3f ms%n",
                                        r.bytes() + 8, Ipv4Address.format(r.from()), r.sequence(), r.ttl(),
                                        r.roundTripNanos() / 1e6);
                                out.flush();
                            }
                        }
                        int n = sent;
                        progress.tick(() -> String.format(Locale.ROOT, "%,d of %,d requests sent, %,d replies",
                                n, count, replies.size()));
                        if (intervalNanos > 0 && seq < count) {
                            long until = apps.clock().nanos() + intervalNanos;
                            while (apps.clock().nanos() < until && !interrupt.requested()) {
                                apps.block(Math.min(until, apps.clock().nanos() + 100_000_000L));
                            }
                        }
                    }
                }
                return new Result(address, sent, replies, errors[0], apps.clock().nanos() - started);
            });
        } catch (Exception | Error e) {
            interrupt.finish(Main.EXIT_FAILED);
            throw e;
        }
        if (result == null) {
            err.println("ping: " + target + ": Name or service not known");
            err.flush();
            return interrupt.finish(Main.EXIT_USAGE);
        }
        print(out, result);
        return interrupt.finish(result.replies().isEmpty() ? Main.EXIT_FAILED : Main.EXIT_OK);
    }

    /** An ICMP error in iputils' words. */
    static String icmpError(int type, int code) {
        return org.netstack4j.wire.IcmpPacket.describe(type, code);
    }

    /**
     * TARGET as an address if it is written as one; null for a name. Dotted numbers that are not an
     * address (999.1.1.1) are a usage error before anything starts, as ping's "Name or service not known".
     */
    private Integer literalAddress() {
        try {
            return Ipv4Address.parseBits(target);
        } catch (IllegalArgumentException notAnAddress) {
            if (target.matches("[0-9.]+") || target.isBlank() || target.length() > 253) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "'" + target + "' is neither an IPv4 address nor a host name");
            }
            return null;
        }
    }

    private void print(PrintWriter out, Result r) {
        int transmitted = r.transmitted();
        int received = r.replies().size();
        double loss = transmitted == 0 ? 0 : 100.0 * (transmitted - received) / transmitted;
        long[] rtt = r.replies().stream().mapToLong(Ping.Reply::roundTripNanos).toArray();
        double min = Arrays.stream(rtt).min().orElse(0) / 1e3;
        double max = Arrays.stream(rtt).max().orElse(0) / 1e3;
        double avg = Arrays.stream(rtt).average().orElse(0) / 1e3;
        // iputils' mdev: the standard deviation, sqrt(mean of squares - square of mean).
        double meanSquare = Arrays.stream(rtt).mapToDouble(x -> (x / 1e3) * (x / 1e3)).average().orElse(0);
        double mdev = Math.sqrt(Math.max(0, meanSquare - avg * avg));
        long elapsedMs = r.elapsedNanos() / 1_000_000;
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("target", target);
            m.put("address", Ipv4Address.format(r.address()));
            m.put("transmitted", transmitted);
            m.put("received", received);
            m.put("errors", r.errors());
            m.put("loss_percent", loss);
            m.put("time_ms", elapsedMs);
            m.put("rtt_min_us", min);
            m.put("rtt_avg_us", avg);
            m.put("rtt_max_us", max);
            m.put("rtt_mdev_us", mdev);
            m.put("replies", r.replies().stream().map(x -> Map.of("seq", x.sequence(), "ttl", x.ttl(),
                    "rtt_us", x.roundTripNanos() / 1e3)).toList());
            out.println(Json.write(m));
        } else {
            out.printf(Locale.ROOT, "%n--- %s ping statistics ---%n%d packets transmitted, %d received, %s%s%% packet loss, time %dms%n",
                    target, transmitted, received, r.errors() > 0 ? "+" + r.errors() + " errors, " : "", new DecimalFormat("0.###", DecimalFormatSymbols.getInstance(Locale.ROOT)).format(loss),
                    elapsedMs);
            if (received > 0) {
                out.printf(Locale.ROOT, "rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms%n", min / 1e3, avg / 1e3,
                        max / 1e3, mdev / 1e3);
            }
        }
        out.flush();
    }
}
