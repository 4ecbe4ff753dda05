package org.netstack4j.cli;

import org.netstack4j.comms.kv.KvStory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code kv demo}: the seed's story, run and checked. */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
                "The story of the seed, in one process on a virtual network: CGI clients on a web host each make one "
                        + "put to the key-value server and are killed (their connection reset) when the web server's "
                        + "timeout passes, while slow workers finish every request and answer late, and SQLite "
                        + "databases are opened, written and closed all the time. A killed CGI's slot comes back at "
                        + "once on the same addresses and ports.",
                "At the end every database gets PRAGMA integrity_check, every acknowledged put is looked up, and "
                        + "every answer a client got was checked to be its own. Exit 0 if all held, 1 if not.",
                "Simulated time by default (the same seed, the same counters); --real runs on real threads."})
final class KvDemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "The run's seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--real", description = "Real threads and real time instead of the simulation.")
    boolean real;

    @Option(names = "--slots", paramLabel = "N", defaultValue = "8",
            description = "CGI slots on the web host, running at once. Default: ${DEFAULT-VALUE}.")
    int slots;

    @Option(names = "--cgis", paramLabel = "N", defaultValue = "25",
            description = "CGIs each slot runs, one after another. Default: ${DEFAULT-VALUE}.")
    int cgis;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Keep the databases in DIR (made if missing) instead of a temporary directory removed at the end.")
    Path dir;

    @Option(names = "--json", description = "Print one JSON object (integrity, acknowledged_puts, puts_present, "
            + "late_answers_discarded, misdelivered, and the counters) instead of the text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (slots < 1 || slots > 100 || cgis < 1 || cgis > 10_000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--slots must be 1..100 and --cgis 1..10000");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        KvStory.Plan plan = KvStory.Plan.standard(seed, !real).withSize(slots, cgis);
        Path where = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("netstack4j-kv-demo");
        KvStory.Result r;
        try {
            Progress progress = new Progress(err, "kv demo", Progress.DEFAULT_INTERVAL_NANOS);
            r = KvStory.run(plan, where, done -> {
                synchronized (progress) { // slots finish on threads of their own
                    progress.tick(() -> "CGI slot " + done + " of " + slots + " finished");
                }
            });
            progress.finish();
        } finally {
            if (dir == null) {
                deleteTree(where);
            }
        }
        if (json) {
            out.println(Json.write(r.toMap()));
        } else {
            printText(out, r);
        }
        out.flush();
        return r.sound() ? Main.EXIT_OK : Main.EXIT_FAILED;
    }

    private static void printText(PrintWriter out, KvStory.Result r) {
        Map<String, Long> s = r.server();
        out.printf(Locale.ROOT, "kv demo, seed %d, %s time: %d CGI slots x %d CGIs, kill after %d ms, workers take up to %d ms%n",
                r.plan().seed(), r.plan().simulated() ? "simulated" : "real", r.plan().slots(), r.plan().invocations(),
                r.plan().killAfter().toMillis(), r.plan().maxDelay().toMillis());
        out.printf(Locale.ROOT, "  CGIs killed by the web server:         %d (the next CGI reused the killed one's 4-tuple %d times)%n",
                r.killedClients(), r.reusedFourTuples());
        out.printf(Locale.ROOT, "  late answers discarded by the server:  %d (written nowhere)%n", r.lateAnswersDiscarded());
        out.printf(Locale.ROOT, "  answers delivered to the wrong client: %d%n", r.misdelivered());
        out.printf(Locale.ROOT, "  acknowledged puts present:             %d of %d (and %d gets read back their own value)%n",
                r.putsPresent(), r.acknowledgedPuts(), r.verifiedGets());
        out.printf(Locale.ROOT, "  databases checked (integrity_check):   %d: %s (%d scratch databases opened and closed meanwhile)%n",
                r.databasesChecked(), r.integrity(), r.churnDatabases());
        out.printf(Locale.ROOT, "  server: %d requests, %d answered, %d busy, %d dropped unstarted, %d connections reset%n",
                s.get("requests"), s.get("answered"), s.get("busy"), s.get("expired_before_start") + s.get("abandoned_in_queue"),
                s.get("connections_failed"));
        out.println(r.sound() ? "all held" : "FAILED: something was lost or misdelivered");
    }

    static void deleteTree(Path dir) throws java.io.IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
