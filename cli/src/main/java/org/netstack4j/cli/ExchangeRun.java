package org.netstack4j.cli;

import org.netstack4j.hw.link.Capture;
import org.netstack4j.hw.link.PcapWriter;
import org.netstack4j.lab.FrameExchange;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One run of the frame exchange as the CLI sees it: the options, the result, and the capture if
 * one was asked for. Knows how to judge the run, and how to show it as a table or as JSON.
 */
record ExchangeRun(FrameExchange.Options options, FrameExchange.Result result, Path capture,
                   PcapWriter.Counters captureCounters, String captureError) {

    /** Runs the exchange, recording both directions of the cable into {@code capture} if it is not null. */
    static ExchangeRun execute(FrameExchange.Options options, Path capture) throws IOException {
        if (capture == null) {
            return new ExchangeRun(options, FrameExchange.run(options, null), null, null, null);
        }
        PcapWriter writer = new PcapWriter(capture, PcapWriter.wallClock());
        FrameExchange.Result result;
        String error = null;
        try {
            result = FrameExchange.run(options.withMedium(link -> Capture.wrap(link, writer)), null);
        } finally {
            try {
                writer.close();
            } catch (IOException e) {
                error = describe(e);
            }
        }
        return new ExchangeRun(options, result, capture, writer.counters(), error);
    }

    /** An I/O error in words, for a one-line message. */
    static String describe(IOException e) {
        return switch (e) {
            case NoSuchFileException n -> "no such file or directory: " + n.getFile();
            case AccessDeniedException a -> "permission denied: " + a.getFile();
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
    }

    /** Every frame accounted for, every buffer back in its pool, and the capture (if any) written. */
    boolean ok() {
        return failure() == null;
    }

    /** Why the run failed, in one line; null if it did not. */
    String failure() {
        FrameExchange.Result r = result;
        if (!r.completed()) {
            return String.format(Locale.ROOT, "the exchange did not finish within %,d s (sent %,d, received %,d, dropped %,d)",
                    options.timeoutNanos() / 1_000_000_000L, r.sent(), r.received(), r.dropped());
        }
        if (r.unaccounted() != 0) {
            return String.format(Locale.ROOT, "%,d frames unaccounted for (sent %,d + duplicated %,d, received %,d, dropped %,d)",
                    r.unaccounted(), r.sent(), r.duplicated(), r.received(), r.dropped());
        }
        if (r.poolFree() != r.poolSize()) {
            return String.format(Locale.ROOT, "%,d of %,d pool buffers were not returned",
                    r.poolSize() - r.poolFree(), r.poolSize());
        }
        if (captureError != null) {
            return "capture " + capture + " failed: " + captureError;
        }
        if (captureCounters != null && captureCounters.errors() > 0) {
            return String.format(Locale.ROOT, "capture %s lost %,d frames to write errors", capture, captureCounters.errors());
        }
        return null;
    }

    /** A driver counter summed over both drivers. */
    long driverTotal(String counter) {
        long sum = 0;
        for (Map<String, Long> c : result.driverCounters().values()) {
            sum += c.getOrDefault(counter, 0L);
        }
        return sum;
    }

    double elapsedMillis() {
        return Math.round(result.elapsedNanos() / 1_000.0) / 1_000.0;
    }

    long framesPerSecond() {
        return Math.round(result.framesPerSecond());
    }

    /** The causes with a non-zero count, as "cause N, cause N", or "none". */
    String dropsSummary() {
        List<String> parts = new ArrayList<>();
        result.dropsByCause().forEach((cause, n) -> {
            if (n != 0) {
                parts.add(String.format(Locale.ROOT, "%s %,d", cause, n));
            }
        });
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    /** The figures as a JSON-ready map with snake_case keys. */
    Map<String, Object> toJson() {
        FrameExchange.Result r = result;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", ok());
        m.put("failure", failure());
        m.put("mode", options.mode().cliName());
        m.put("frames", options.frames());
        m.put("size", options.frameSize());
        m.put("simulated", options.simulated());
        m.put("completed", r.completed());
        m.put("sent", r.sent());
        m.put("received", r.received());
        m.put("dropped", r.dropped());
        m.put("drops_by_cause", r.dropsByCause());
        m.put("duplicated", r.duplicated());
        m.put("unaccounted", r.unaccounted());
        m.put("pool_size", r.poolSize());
        m.put("pool_free", r.poolFree());
        m.put("elapsed_ms", elapsedMillis());
        m.put("frames_per_second", framesPerSecond());
        // An array of {name, counters}: a driver's name ("a-eth0") is data, not a key.
        m.put("drivers", r.driverCounters().entrySet().stream().map(e -> {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("name", e.getKey());
            d.put("counters", e.getValue());
            return d;
        }).toList());
        m.put("capture", capture == null ? null : capture.toString());
        m.put("capture_frames", captureCounters == null ? null : captureCounters.frames());
        return m;
    }

    /** The figures as a readable report. */
    void printTable(PrintWriter out) {
        FrameExchange.Result r = result;
        out.printf(Locale.ROOT, "frame exchange: %,d frames of %d bytes, %s wake mode, %s%n", options.frames(),
                options.frameSize(), options.mode().cliName(), options.simulated() ? "simulated time" : "real threads");
        out.println();
        row(out, "sent", r.sent());
        row(out, "received", r.received());
        row(out, "dropped", r.dropped());
        row(out, "duplicated", r.duplicated());
        row(out, "unaccounted", r.unaccounted());
        out.printf(Locale.ROOT, "  %-24s %14s%n", "elapsed", String.format(Locale.ROOT, "%,.3f ms", elapsedMillis()));
        out.printf(Locale.ROOT, "  %-24s %14s%n", "frames/s (received)", String.format(Locale.ROOT, "%,d", framesPerSecond()));
        out.println();
        out.println("drops by cause");
        r.dropsByCause().forEach((cause, n) -> row(out, cause, n));
        out.println();
        out.printf(Locale.ROOT, "buffer pools (tx and rx, both machines)%n");
        row(out, "size", r.poolSize());
        row(out, "free", r.poolFree());
        out.println();
        printDriverCounters(out, r.driverCounters());
        if (capture != null) {
            out.println();
            out.printf(Locale.ROOT, "capture: %s (%,d frames) - open with: wireshark %s   or: tshark -r %s%n",
                    capture, captureCounters.frames(), capture, capture);
        }
        out.println();
        String failure = failure();
        if (failure == null) {
            out.println("OK: every frame accounted for (sent = received + dropped), all pools full");
        } else {
            out.println("FAIL: " + failure);
        }
    }

    private static void row(PrintWriter out, String name, long value) {
        out.printf(Locale.ROOT, "  %-24s %,14d%n", name, value);
    }

    private static void printDriverCounters(PrintWriter out, Map<String, Map<String, Long>> drivers) {
        Set<String> names = new LinkedHashSet<>();
        drivers.values().forEach(c -> names.addAll(c.keySet()));
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-26s", "driver counters"));
        for (String driver : drivers.keySet()) {
            header.append(String.format(Locale.ROOT, " %14s", driver));
        }
        out.println(header);
        for (String name : names) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-24s", name));
            for (Map<String, Long> c : drivers.values()) {
                Long v = c.get(name);
                line.append(v == null ? String.format(Locale.ROOT, " %14s", "-") : String.format(Locale.ROOT, " %,14d", v));
            }
            out.println(line);
        }
    }
}
