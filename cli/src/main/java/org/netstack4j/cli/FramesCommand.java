package org.netstack4j.cli;

import org.netstack4j.driver.E1000Driver;
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
import java.util.concurrent.Callable;

/** Two cards on a cable exchange N frames; every frame must be accounted for. */
@Command(name = "frames",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
                "Two machines, each with an E1000 and its driver, joined by a cable, exchange test frames "
                        + "(half each way). Prints sent, received, drops by cause, buffer-pool occupancy and "
                        + "the driver counters.",
                "Each sender is paced: it keeps at most half the far card's receive ring in flight, as a "
                        + "flow-controlled sender would, so nothing is lost. With --no-pace it sends as fast as its "
                        + "own transmit ring allows, and the far card drops what its receive ring cannot hold: "
                        + "rx_missed counts those (the card's MPC register), rx_no_buffer_count the times it found no "
                        + "free descriptor (RNBC).",
                "Exit status 0 only if sent = received + counted drops and every buffer is back in its pool."})
final class FramesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** A bound that a run finishes well inside its default 600 s limit, even at 1 Mpps. */
    static final long MAX_FRAMES = 100_000_000;

    long frames = 1_000_000;
    int size = 60;

    @Option(names = "--mode", paramLabel = "interrupt|napi|poll", converter = WakeModeConverter.class,
            description = "How the drivers are woken: an interrupt per packet, NAPI (interrupt, then poll "
                    + "to a budget) or busy-poll. Default: ${DEFAULT-VALUE}.", defaultValue = "napi")
    WakeMode mode;

    @Option(names = "--no-pace", description = "Send as fast as the transmit ring allows, not paced by the far "
            + "side: the receiver's card then drops frames (counted as rx_missed).")
    boolean noPace;

    @Option(names = "--sim", description = "Run in simulated time on one thread, instead of one thread per machine.")
    boolean simulated;

    @Option(names = "--capture", paramLabel = "FILE", converter = OutputFileConverter.class,
            description = "Record both directions of the cable into FILE (classic pcap; open with wireshark or tshark -r).")
    Path capture;

    @Option(names = "--json", description = "Print one JSON object on stdout instead of the table.")
    boolean json;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "Give up (and fail) after this long (wall-clock time; with --sim, simulated time too). "
                    + "Default: ${DEFAULT-VALUE}.")
    void setTimeout(long seconds) {
        if (seconds <= 0 || seconds > 1_000_000) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--timeout must be 1..1000000 seconds, not " + seconds);
        }
        timeoutSeconds = seconds;
    }

    long timeoutSeconds = 600;

    @Option(names = {"-q", "--quiet"}, description = "No progress lines on stderr.")
    boolean quiet;

    @CommandLine.Mixin
    Progress.Options progress;

    @Option(names = "--frames", paramLabel = "N", defaultValue = "1000000",
            description = "Frames in all, split between the two directions. Default: ${DEFAULT-VALUE}.")
    void setFrames(long n) {
        frames = LabOptions.inRange(spec, "--frames", n, 0, MAX_FRAMES);
    }

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "60",
            description = "Bytes per frame without the FCS, " + FrameExchange.MIN_SIZE + ".." + E1000Driver.MAX_FRAME
                    + " (the card pads to 60). Default: ${DEFAULT-VALUE}.")
    void setSize(int bytes) {
        if (bytes < FrameExchange.MIN_SIZE || bytes > E1000Driver.MAX_FRAME) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--size must be " + FrameExchange.MIN_SIZE + ".." + E1000Driver.MAX_FRAME + " bytes, not " + bytes);
        }
        size = bytes;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        FrameExchange.Options options = new FrameExchange.Options(frames, size, mode, simulated, null, null,
                timeoutSeconds * 1_000_000_000L).withPacing(!noPace);
        Progress lines = quiet ? Progress.NONE : progress.start(err, "frames");
        if (!quiet) {
            options = options.withProgress(lines::print, lines.intervalNanos());
        }
        ExchangeRun run;
        try {
            run = ExchangeRun.execute(options, capture);
        } catch (IOException e) {
            lines.finish();
            err.println("netstack4j frames: cannot write capture " + capture + ": " + ExchangeRun.describe(e));
            err.flush();
            return Main.EXIT_FAILED;
        }
        lines.finish();
        if (json) {
            out.println(Json.write(run.toJson()));
        } else {
            run.printTable(out);
        }
        out.flush();
        String failure = run.failure();
        if (failure != null) {
            err.println("netstack4j frames: FAIL: " + failure);
            err.flush();
            return Main.EXIT_FAILED;
        }
        return Main.EXIT_OK;
    }
}
