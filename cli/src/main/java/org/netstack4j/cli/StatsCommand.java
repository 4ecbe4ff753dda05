package org.netstack4j.cli;

import org.netstack4j.lab.LabWorld;
import org.netstack4j.lab.TcpServices;
import org.netstack4j.socket.TcpSocket;
import org.netstack4j.socket.DnsResolver;
import org.netstack4j.socket.Ping;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.stack.Host;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Runs some traffic through the lab world, then prints every counter: ethtool -S, ip neigh, ip route and nstat in one. */
@Command(name = "stats",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {"Builds the demo's network (host 10.0.2.15, gateway 10.0.2.2), sends N UDP exchanges, N pings "
                + "and one DNS query from the host and echoes 64 KB over TCP, then prints each interface's driver and ring counters, its ARP "
                + "neighbours, the protocol counters of both hosts (zeros included with --json) and each TCP connection "
                + "as ss -ti shows it."})
final class StatsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    int traffic = 10;

    @Option(names = "--traffic", paramLabel = "N", defaultValue = "10",
            description = "UDP exchanges and pings to run before reading the counters (0..100000). Default: ${DEFAULT-VALUE}.")
    void setTraffic(int n) {
        traffic = (int) LabOptions.inRange(spec, "--traffic", n, 0, 100_000);
    }

    @CommandLine.Mixin
    LabOptions lab;

    @Option(names = "--json", description = "Print one JSON object: per host, per interface (driver, neighbors) and protocols.")
    boolean json;

    @CommandLine.Mixin
    Progress.Options progressOptions;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        LabWorld world = new LabWorld(lab.mode, lab.seed, null);
        int[] answered = new int[3];
        // Progress on stderr (stdout keeps the report alone): one line a second on long runs.
        Progress progress = progressOptions.start(spec.commandLine().getErr(), "stats");
        try {
            Host h = world.guest().host();
            world.network().run("traffic", () -> {
                byte[] q = LabWorld.QUESTION.getBytes(StandardCharsets.US_ASCII);
                byte[] buf = new byte[256];
                try (UdpSocket s = UdpSocket.open(h)) {
                    s.setTimeout(Duration.ofSeconds(1));
                    s.connect(LabWorld.GATEWAY_IP, LabWorld.SERVICE_PORT);
                    for (int i = 0; i < traffic; i++) {
                        s.send(q);
                        s.receive(buf);
                        answered[0]++;
                        int done = i + 1;
                        progress.tick(() -> String.format(Locale.ROOT, "%,d of %,d UDP exchanges", done, traffic));
                    }
                }
                try (Ping p = Ping.open(h, 56)) {
                    for (int i = 0; i < traffic; i++) {
                        if (p.ping(LabWorld.GATEWAY_IP, i, 56, Duration.ofSeconds(1)) != null) {
                            answered[1]++;
                        }
                        int done = i + 1;
                        progress.tick(() -> String.format(Locale.ROOT, "%,d UDP exchanges; %,d of %,d pings (%,d answered)",
                                traffic, done, traffic, answered[1]));
                    }
                }
                new DnsResolver(h, LabWorld.GATEWAY_IP).resolveA(LabWorld.DNS_NAME);
                if (world.servesTcp()) {
                    // 64 KB through the gateway's echo service: a connection for the ss -ti view (in TIME-WAIT at the end).
                    try (TcpSocket t = TcpSocket.connect(h, LabWorld.GATEWAY_IP, TcpServices.ECHO, Duration.ofSeconds(5))) {
                        t.setTimeout(Duration.ofSeconds(10));
                        byte[] data = new byte[64 * 1024];
                        t.write(data);
                        t.shutdownOutput();
                        answered[2] = t.inputStream().readAllBytes().length;
                    }
                }
                return null;
            });
        } finally {
            world.close();
        }
        List<Map<String, Object>> hosts = world.hosts();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("udp_answered", answered[0]);
            m.put("pings_answered", answered[1]);
            m.put("tcp_echoed_bytes", answered[2]);
            m.put("pools_full", world.poolsFull());
            m.put("hosts", hosts);
            out.println(Json.write(m));
        } else {
            out.printf(Locale.ROOT, "%d UDP exchanges and %d pings answered, %,d bytes echoed over TCP; every buffer back: %s%n",
                    answered[0], answered[1], answered[2], world.poolsFull() ? "yes" : "NO");
            DemoCommand.printCounters(out, hosts);
        }
        out.flush();
        return world.poolsFull() ? Main.EXIT_OK : Main.EXIT_FAILED;
    }
}
