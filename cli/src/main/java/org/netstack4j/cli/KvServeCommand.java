package org.netstack4j.cli;

import org.netstack4j.comms.NetstackTransport;
import org.netstack4j.comms.RequestServer;
import org.netstack4j.comms.ServerConfig;
import org.netstack4j.comms.kv.KvService;
import org.netstack4j.comms.kv.KvStore;
import org.netstack4j.hw.link.ExternalMedium;
import org.netstack4j.lab.StandaloneHost;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kv serve}: the key-value server on a host of its own, until stopped. */
@Command(name = "serve",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
                "Serves the key-value store over netstack4j TCP on a host of its own, on a TAP device or the switch "
                        + "(as 'up' takes them), keeping each namespace in DIR/NAMESPACE.db (SQLite, WAL). Runs until "
                        + "Ctrl-C or --duration, then prints the server's counters (or --json)."})
final class KvServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @CommandLine.Mixin
    MediumOptions medium;

    @CommandLine.Mixin
    HostOptions host;

    @CommandLine.Mixin
    WakeModeOption wake;

    @CommandLine.Mixin
    DurationOption duration;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "7000", description = "The TCP port. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--dir", paramLabel = "DIR", required = true, description = "Where the databases live (made if missing).")
    Path dir;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "8", description = "Worker threads. Default: ${DEFAULT-VALUE}.")
    int workers;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "64",
            description = "Requests that may wait for a worker; beyond them the answer is 'busy'. Default: ${DEFAULT-VALUE}.")
    int queue;

    @Option(names = "--delay-ms", paramLabel = "MS", defaultValue = "0",
            description = "An artificial delay before each answer (a slow service). Default: ${DEFAULT-VALUE}.")
    long delayMillis;

    @Option(names = "--json", description = "At the end, print one JSON object with the server's counters.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (port < 1 || port > 65_535 || workers < 1 || workers > 1024 || queue < 1 || queue > 1_000_000
                || delayMillis < 0 || delayMillis > 3_600_000) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--port must be 1..65535, --workers 1..1024, --queue 1..1000000, --delay-ms 0..3600000");
        }
        host.validate();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ExternalMedium opened = medium.open("kv serve", err);
        if (opened == null) {
            return Main.EXIT_FAILED;
        }
        StandaloneHost h = StandaloneHost.start(opened, host.plainHost(wake.mode));
        KvStore store = new KvStore(dir);
        long delay = delayMillis * 1_000_000L;
        RequestServer server = RequestServer.start(new NetstackTransport(h.host()), port,
                new KvService(store, r -> delay, true),
                ServerConfig.defaults().withWorkers(workers).withQueueCapacity(queue));
        PrintWriter announce = json ? err : out;
        return UntilStopped.await("kv-serve", duration.seconds, () -> {
            announce.printf(Locale.ROOT, "kv serve: %s port %d on %s, %d workers, queue %d, databases in %s; Ctrl-C to stop%n",
                    host.address, port, opened.describe(), workers, queue, dir);
            announce.flush();
        }, why -> {
            server.close();
            store.close();
            try {
                h.close();
            } catch (Exception e) {
                err.println("kv serve: stopping: " + e);
                err.flush();
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("stopped_by", why);
            m.put("server", server.counts().toMap());
            if (json) {
                out.println(Json.write(m));
            } else {
                server.counts().toMap().forEach((k, v) -> out.printf(Locale.ROOT, "  %-24s %d%n", k, v));
            }
            out.flush();
            return Main.EXIT_OK;
        });
    }
}
