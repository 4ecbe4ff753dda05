package org.netstack4j.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.function.Supplier;

/**
 * Progress lines on stderr for a long run: at most one per interval (a second unless
 * {@code --progress-every} says otherwise), the first after one interval, so short runs print
 * none. On a terminal the line is redrawn in place (and ended when the run ends); piped, each is
 * a line of its own. Stdout is left alone, so a {@code --json} run's stdout stays one object.
 */
final class Progress {
    static final long DEFAULT_INTERVAL_NANOS = 1_000_000_000L;
    /** Prints nothing. */
    static final Progress NONE = new Progress(null, "", Long.MAX_VALUE / 4);

    private final PrintWriter err;
    private final String prefix;
    private final long intervalNanos;
    private long next;
    /** Redraw in place: the program runs on a terminal (a piped or captured stderr gets plain lines). */
    private final boolean inPlace;
    private boolean lineOpen;

    Progress(PrintWriter err, String command, long intervalNanos) {
        this(err, command, intervalNanos, System.console() != null && System.console().isTerminal());
    }

    Progress(PrintWriter err, String command, long intervalNanos, boolean inPlace) {
        this.inPlace = inPlace;
        this.err = err;
        this.prefix = "netstack4j " + command + ": ";
        this.intervalNanos = intervalNanos;
        this.next = System.nanoTime() + intervalNanos;
    }

    long intervalNanos() {
        return intervalNanos;
    }

    /** Prints {@code line} if the interval has passed since the last one (or the start). */
    void tick(Supplier<String> line) {
        if (err == null) {
            return;
        }
        long now = System.nanoTime();
        if (now - next < 0) {
            return;
        }
        next = now + intervalNanos;
        print(line.get());
    }

    /** Prints {@code line} now. */
    void print(String line) {
        if (err == null) {
            return;
        }
        if (inPlace) {
            err.print("\r" + prefix + line + "\u001b[K"); // back to the start, the line, erase what was longer
            lineOpen = true;
        } else {
            err.println(prefix + line);
        }
        err.flush();
    }

    /** Ends a line drawn in place, so what follows starts on a line of its own. */
    void finish() {
        if (err != null && lineOpen) {
            err.println();
            err.flush();
            lineOpen = false;
        }
    }

    /** The hidden option that sets the interval (tests use a millisecond). */
    static final class Options {
        @Spec(Spec.Target.MIXEE)
        CommandSpec spec;

        long intervalNanos = DEFAULT_INTERVAL_NANOS;

        @Option(names = "--progress-every", paramLabel = "MS", hidden = true,
                description = "Milliseconds between progress lines on stderr (1..3600000). Default: 1000.")
        void setInterval(long ms) {
            intervalNanos = LabOptions.inRange(spec, "--progress-every", ms, 1, 3_600_000) * 1_000_000L;
        }

        Progress start(PrintWriter err, String command) {
            return new Progress(err, command, intervalNanos);
        }
    }
}
