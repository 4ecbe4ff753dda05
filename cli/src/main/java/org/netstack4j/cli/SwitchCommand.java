package org.netstack4j.cli;

import org.netstack4j.hw.link.SwitchAddress;
import org.netstack4j.hw.link.SwitchServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * A learning Ethernet switch in its own process, for hosts in other processes (netstack4j
 * {@code up --switch}, QEMU's {@code -netdev stream} and {@code -netdev dgram}) until interrupted;
 * then it prints its per-port counters and exits 0.
 */
@Command(name = "switch",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
                "Runs a learning Ethernet switch (learning, ageing, flooding) in this process, so that hosts in "
                        + "other processes share one Ethernet without root. Each host that connects is a port.",
                "On a Unix socket (unix:PATH) frames travel in QEMU's -netdev stream framing: a 4-byte big-endian "
                        + "length, then the frame. Over UDP on 127.0.0.1 (udp:PORT) each datagram is one frame, as "
                        + "-netdev dgram sends them. A host that dies, or sends a length of 0 or above --max-frame, or "
                        + "stops in the middle of a frame, loses its port (counted); the switch goes on. A host that "
                        + "reads too slowly loses frames (counted), never holds up the others.",
                "On Ctrl-C (SIGINT) or SIGTERM it prints each port's counters and exits 0.",
                "Example:",
                "  ./netstack4j switch --listen unix:/tmp/lab.sock &",
                "  ./netstack4j up --switch unix:/tmp/lab.sock --ip 10.0.2.15/24 &",
                "  ./netstack4j up --switch unix:/tmp/lab.sock --ip 10.0.2.2/24 --mac 52:55:0a:00:02:02 &",
                "  qemu-system-x86_64 ... -netdev stream,id=n0,server=off,addr.type=unix,addr.path=/tmp/lab.sock "
                        + "-device e1000,netdev=n0"})
final class SwitchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "unix:PATH|udp:PORT", required = true, converter = AddressConverter.class,
            description = "Where hosts connect: a Unix socket (created; a stale one is replaced) or a UDP port on "
                    + "127.0.0.1 (0: any free port, printed at start). Repeat to listen on several; they share the ports.")
    List<SwitchAddress> listen = new ArrayList<>();

    /** {@code unix:PATH} or {@code udp:PORT}, as {@link SwitchAddress#parse} reads them. */
    static final class AddressConverter implements CommandLine.ITypeConverter<SwitchAddress> {
        @Override
        public SwitchAddress convert(String value) {
            try {
                return SwitchAddress.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    int ports = SwitchServer.Options.DEFAULT.maxPorts();

    @Option(names = "--ports", paramLabel = "N", defaultValue = "32",
            description = "Most hosts at once (1..1024); one more is turned away. Default: ${DEFAULT-VALUE}.")
    void setPorts(int n) {
        ports = (int) LabOptions.inRange(spec, "--ports", n, 1, SwitchServer.MAX_PORTS);
    }

    int maxFrame = SwitchServer.Options.DEFAULT.maxFrame();

    @Option(names = "--max-frame", paramLabel = "BYTES", defaultValue = "65535",
            description = "Largest frame (14..65535). Default: ${DEFAULT-VALUE}.")
    void setMaxFrame(int n) {
        maxFrame = (int) LabOptions.inRange(spec, "--max-frame", n, 14, 65_535);
    }

    int queueBytes = SwitchServer.Options.DEFAULT.queueBytes();

    @Option(names = "--queue", paramLabel = "BYTES", defaultValue = "262144",
            description = "Output queue of each Unix-socket port, in bytes; frames that do not fit are dropped and "
                    + "counted (at least 4 + --max-frame, at most 67108864). Default: ${DEFAULT-VALUE}.")
    void setQueue(int n) {
        queueBytes = (int) LabOptions.inRange(spec, "--queue", n, 18, SwitchServer.MAX_QUEUE_BYTES);
    }

    long udpIdleSeconds = 30;

    @Option(names = "--udp-idle", paramLabel = "SECONDS", defaultValue = "30",
            description = "A UDP host that said hello (netstack4j) and then stays silent this long loses its port; any "
                    + "other UDP host (QEMU) silent this long may give its port to a new one when all are taken "
                    + "(1..86400). Default: ${DEFAULT-VALUE}.")
    void setUdpIdle(long seconds) {
        udpIdleSeconds = LabOptions.inRange(spec, "--udp-idle", seconds, 1, 86_400);
    }

    @Mixin
    DurationOption duration;

    @Option(names = "--json", description = "At the end, print one JSON object (addresses, counters, ports) instead of the "
            + "text; the start-up lines (with the port udp:0 got) go to stderr, so stdout holds that object only.")
    boolean json;

    private SwitchServer running;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (queueBytes < 4 + maxFrame) {
            throw bad("--queue " + queueBytes + " cannot hold one frame of --max-frame " + maxFrame
                    + " and its prefix: make it at least " + (4 + maxFrame));
        }
        SwitchServer.Options options = new SwitchServer.Options(ports, maxFrame, queueBytes, udpIdleSeconds * 1_000_000_000L);
        try {
            running = SwitchServer.start(listen, options);
        } catch (IOException e) {
            err.println("netstack4j switch: " + e.getMessage());
            err.flush();
            return Main.EXIT_FAILED;
        }
        // With --json, stdout carries only the one object at the end: the start-up lines (with the
        // port udp:0 was given) go to stderr.
        PrintWriter announce = json ? err : out;
        return UntilStopped.await("switch", duration.seconds, () -> {
            for (SwitchAddress a : running.addresses()) {
                announce.println("switch: listening on " + a);
            }
            announce.printf(Locale.ROOT, "switch: %d ports, frames up to %d bytes, %d-byte output queue per port; "
                    + "Ctrl-C to stop%n", ports, maxFrame, queueBytes);
            announce.flush();
        }, why -> finish(out, why));
    }

    /** Stops the switch and prints its counters (called once, by {@link UntilStopped}). */
    private int finish(PrintWriter out, String why) {
        SwitchServer s = running;
        s.close();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("addresses", s.addresses().stream().map(SwitchAddress::toString).toList());
            m.put("stopped_by", why);
            m.put("uptime_ms", s.uptimeNanos() / 1_000_000);
            m.put("counters", s.counters());
            m.put("last_error", s.lastError());
            m.put("departures", s.departures().stream().map(d -> {
                Map<String, Object> dm = new LinkedHashMap<>();
                dm.put("peer", d.peer());
                dm.put("port", d.port());
                dm.put("reason", d.reason().name().toLowerCase(Locale.ROOT));
                dm.put("detail", d.detail());
                dm.put("at_ms", d.atNanos() / 1_000_000);
                return dm;
            }).toList());
            m.put("ports", s.ports().stream().map(p -> {
                Map<String, Object> pm = new LinkedHashMap<>();
                pm.put("port", p.port());
                pm.put("peer", p.peer());
                pm.put("last_close", p.lastClose());
                pm.put("counters", p.counters());
                return pm;
            }).toList());
            out.println(Json.write(m));
        } else {
            print(out, s, why);
        }
        out.flush();
        return Main.EXIT_OK;
    }

    private static void print(PrintWriter out, SwitchServer s, String why) {
        Map<String, Long> c = s.counters();
        // A host that closes its end (or whose process ends) just left; the rest were cut off for a fault.
        out.printf(Locale.ROOT, "switch: stopping (%s) after %.1f s: %d hosts accepted, %d turned away (no free port), "
                        + "%d disconnected, %d cut off (bad framing, silence)%n",
                why.equals("signal") ? "signal" : "--duration elapsed", s.uptimeNanos() / 1e9, c.get("accepted"),
                c.get("refused_full"), c.get("closed_eof") + c.get("closed_error"),
                c.get("closed_truncated") + c.get("closed_bad_length") + c.get("closed_silent") + c.get("closed_reclaimed"));
        out.printf(Locale.ROOT, "%-4s  %-22s  %10s  %12s  %10s  %12s  %9s  %9s  %9s  %6s  %s%n", "PORT", "HOST (OR LAST)",
                "RX_FRAMES", "RX_BYTES", "TX_FRAMES", "TX_BYTES", "TX_DROPS", "FLOODED", "FORWARDED", "HOSTS", "CLOSED");
        for (SwitchServer.PortStats p : s.ports()) {
            Map<String, Long> pc = p.counters();
            out.printf(Locale.ROOT, "%-4d  %-22s  %10d  %12d  %10d  %12d  %9d  %9d  %9d  %6d  %s%n", p.port(), p.peer(),
                    pc.get("rx_frames"), pc.get("rx_bytes"), pc.get("tx_queued"), pc.get("tx_bytes"),
                    pc.get("tx_queue_drops") + pc.get("tx_errors"), pc.get("switch_flooded"), pc.get("switch_forwarded"),
                    pc.get("connections"), closes(pc));
        }
        if (s.ports().isEmpty()) {
            out.println("      (no host connected)");
        }
        List<SwitchServer.Departure> gone = s.departures();
        if (!gone.isEmpty()) {
            out.println("hosts that lost their port" + (gone.size() == SwitchServer.DEPARTURES_KEPT ? " (the last "
                    + SwitchServer.DEPARTURES_KEPT + ")" : "") + ":");
            for (SwitchServer.Departure d : gone) {
                out.printf(Locale.ROOT, "  %8.3f s  %s%n", d.atNanos() / 1e9, d);
            }
        }
        out.printf(Locale.ROOT, "address table: %d learned, %d moved, %d aged, %d flushed, %d refused (full)%n",
                c.get("table_learned"), c.get("table_moves"), c.get("table_aged"), c.get("table_flushed"),
                c.get("table_learn_refused"));
        if (s.lastError() != null) {
            out.println("last error: " + s.lastError());
        }
    }

    /** Why the port's hosts left, e.g. {@code eof 2, bad_length 1}; {@code -} if none has. */
    private static String closes(Map<String, Long> pc) {
        StringBuilder sb = new StringBuilder();
        for (var e : pc.entrySet()) {
            if (e.getKey().startsWith("closed_") && e.getValue() != 0) {
                sb.append(sb.isEmpty() ? "" : ", ").append(e.getKey().substring("closed_".length())).append(' ').append(e.getValue());
            }
        }
        return sb.isEmpty() ? "-" : sb.toString();
    }

    private CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
