package org.netstack4j.cli;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.FrameExchange;
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
 * The main job: shows what netstack4j can do so far, as a list of checks that each pass or fail.
 * Today: the card and its driver in each wake mode, and a capture. Later issues add steps (the
 * xv6-lab network: ARP, ping, DNS) by adding to {@link #steps()}.
 */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
                "Runs the frame exchange between two E1000 cards on a cable once in each wake mode "
                        + "(interrupt, napi, poll), then records a short run into a pcap file.",
                "Prints one OK/FAIL line per check; exit status 0 only if every check passes."})
final class DemoCommand implements Callable<Integer> {
    /** What a step found: its name, whether it passed, a line for people and figures for JSON. */
    record Check(String name, boolean ok, String line, Map<String, Object> figures) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("ok", ok);
            m.putAll(figures);
            return m;
        }
    }

    /** One step of the demo. */
    @FunctionalInterface
    interface Step {
        Check run() throws Exception;
    }

    static final int CAPTURE_FRAMES = 1_000;

    @Spec
    CommandSpec spec;

    long frames = 200_000;

    @Option(names = "--frames", paramLabel = "N", defaultValue = "200000",
            description = "Frames per wake mode. Default: ${DEFAULT-VALUE}.")
    void setFrames(long n) {
        if (n < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--frames must not be negative, not " + n);
        }
        frames = n;
    }

    @Option(names = "--capture", paramLabel = "FILE", defaultValue = "netstack4j-demo.pcap",
            description = "Where to write the pcap of a short run. Default: ${DEFAULT-VALUE} (current directory).")
    Path capture;

    @Option(names = "--sim", description = "Run in simulated time instead of real threads.")
    boolean simulated;

    @Option(names = "--json", description = "Print one JSON object ({ok, checks: [{name, ok, ...}], capture}) on stdout.")
    boolean json;

    private PrintWriter out;
    private PrintWriter err;

    /** The demo's steps, in order. */
    List<Step> steps() {
        List<Step> steps = new ArrayList<>();
        for (WakeMode mode : WakeMode.values()) {
            steps.add(() -> exchange(mode));
        }
        steps.add(() -> capture(WakeMode.values()[0]));
        return steps;
    }

    @Override
    public Integer call() {
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        if (!json) {
            out.printf(Locale.ROOT, "netstack4j demo: two E1000 cards and their drivers on a cable, %,d frames "
                    + "in each wake mode, %s%n", frames, simulated ? "simulated time" : "real threads");
            out.flush();
        }
        List<Check> checks = new ArrayList<>();
        for (Step step : steps()) {
            Check check;
            try {
                check = step.run();
            } catch (Exception e) {
                String name = "step " + (checks.size() + 1);
                String why = e instanceof IOException io ? ExchangeRun.describe(io) : String.valueOf(e);
                check = new Check(name, false, why, Map.of("failure", why));
            }
            checks.add(check);
            if (!json) {
                out.printf(Locale.ROOT, "%-4s  %-10s  %s%n", check.ok() ? "OK" : "FAIL", check.name(), check.line());
                out.flush();
            }
        }
        long failed = checks.stream().filter(c -> !c.ok()).count();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ok", failed == 0);
            m.put("checks", checks.stream().map(Check::toJson).toList());
            m.put("capture", capture.toString());
            out.println(Json.write(m));
        } else {
            out.printf(Locale.ROOT, "capture: %s  (open with: wireshark %s   or: tshark -r %s)%n", capture, capture, capture);
            out.println(failed == 0 ? "demo: all " + checks.size() + " checks passed"
                    : "demo: " + failed + " of " + checks.size() + " checks FAILED");
        }
        out.flush();
        if (failed != 0) {
            err.println("netstack4j demo: " + failed + " of " + checks.size() + " checks failed: "
                    + String.join(", ", checks.stream().filter(c -> !c.ok()).map(Check::name).toList()));
            err.flush();
            return Main.EXIT_FAILED;
        }
        return Main.EXIT_OK;
    }

    private FrameExchange.Options options(long n, WakeMode mode) {
        return FrameExchange.Options.of(n, 60, mode, simulated).withProgress(line -> {
            err.println("netstack4j demo: " + mode.cliName() + ": " + line);
            err.flush();
        });
    }

    /** The exchange in one wake mode: every frame accounted for, all pools full. */
    private Check exchange(WakeMode mode) throws IOException {
        ExchangeRun run = ExchangeRun.execute(options(frames, mode), null);
        Map<String, Object> figures = figures(run);
        String line = String.format(Locale.ROOT, "%,d frames  %,d received/s  drops: %s  interrupts %,d  polls %,d",
                run.result().sent(), run.framesPerSecond(), run.dropsSummary(),
                run.driverTotal("interrupts"), run.driverTotal("polls"));
        return new Check(mode.cliName(), run.ok(), run.ok() ? line : line + "  - " + run.failure(), figures);
    }

    /** A short run recorded into the capture file: every frame the cards sent is in it. */
    private Check capture(WakeMode mode) throws IOException {
        ExchangeRun run = ExchangeRun.execute(options(CAPTURE_FRAMES, mode), capture);
        long expected = run.result().sent() - run.result().dropsByCause().getOrDefault("tx_no_link", 0L);
        long recorded = run.captureCounters().frames();
        String failure = run.failure();
        if (failure == null && recorded != expected) {
            failure = String.format(Locale.ROOT, "%,d frames went onto the cable but %,d were recorded", expected, recorded);
        }
        Map<String, Object> figures = figures(run);
        figures.put("failure", failure);
        String line = String.format(Locale.ROOT, "%,d frames (%s mode) recorded in %s", recorded, mode.cliName(), capture);
        return new Check("capture", failure == null, failure == null ? line : line + "  - " + failure, figures);
    }

    private static Map<String, Object> figures(ExchangeRun run) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("failure", run.failure());
        m.put("mode", run.options().mode().cliName());
        m.put("frames", run.options().frames());
        m.put("sent", run.result().sent());
        m.put("received", run.result().received());
        m.put("dropped", run.result().dropped());
        m.put("drops_by_cause", run.result().dropsByCause());
        m.put("unaccounted", run.result().unaccounted());
        m.put("pool_size", run.result().poolSize());
        m.put("pool_free", run.result().poolFree());
        m.put("elapsed_ms", run.elapsedMillis());
        m.put("frames_per_second", run.framesPerSecond());
        m.put("interrupts", run.driverTotal("interrupts"));
        m.put("polls", run.driverTotal("polls"));
        if (run.capture() != null) {
            m.put("capture", run.capture().toString());
            m.put("capture_frames", run.captureCounters().frames());
        }
        return m;
    }
}
