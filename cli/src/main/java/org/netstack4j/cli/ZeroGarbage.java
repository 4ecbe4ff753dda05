package org.netstack4j.cli;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.ForwardingRig;
import org.netstack4j.lab.FrameExchange;
import org.netstack4j.lab.TcpStreamPair;
import org.netstack4j.lab.UdpPair;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The zero-garbage proof: UDP echo and forwarding run a given number of packets each, in every
 * wake mode, in a JVM with the Epsilon collector — which never collects — and a small heap. Any
 * allocation per packet would fill the heap and end the run with an OutOfMemoryError; a run that
 * completes has allocated (almost) nothing per packet. The thread's allocation counter over the
 * packet loops is reported beside it.
 *
 * <p>{@link #launch} runs the proof in a child JVM (the bench's {@code --zero-garbage});
 * {@link #main} is that child.
 */
final class ZeroGarbage {
    static final int ECHO_BATCH = 32;
    static final int CHUNK = 32 * 1024;
    /** The child's exit status when the heap ran out (-XX:+ExitOnOutOfMemoryError). */
    static final int EXIT_OOM = 3;

    private ZeroGarbage() {
    }

    /** One case's figures, as the child reports them on a line of its stdout. */
    record Case(String test, String mode, long packets, double seconds, long heapAfterSetup, long heapAtEnd,
                long allocatedInLoop) {
        double allocPerPacket() {
            return (double) allocatedInLoop / packets;
        }

        String line() {
            return String.format(Locale.ROOT, "ZG test=%s mode=%s packets=%d seconds=%.3f heap_setup=%d heap_end=%d alloc=%d",
                    test, mode, packets, seconds, heapAfterSetup, heapAtEnd, allocatedInLoop);
        }

        static Case parse(String line) {
            Map<String, String> f = new LinkedHashMap<>();
            for (String part : line.substring(3).split(" ")) {
                int eq = part.indexOf('=');
                f.put(part.substring(0, eq), part.substring(eq + 1));
            }
            return new Case(f.get("test"), f.get("mode"), Long.parseLong(f.get("packets")),
                    Double.parseDouble(f.get("seconds")), Long.parseLong(f.get("heap_setup")),
                    Long.parseLong(f.get("heap_end")), Long.parseLong(f.get("alloc")));
        }
    }

    /** What the child did: its exit status (-1 if it timed out and was killed), its cases, and its last error line. */
    record Outcome(int exit, boolean timedOut, Duration timeout, List<Case> cases, String error, List<String> command) {
        boolean ok() {
            return exit == 0 && !timedOut;
        }
    }

    /**
     * How long the child may take: five minutes to start and set up, plus 20 us per packet of each
     * case (three per mode) — ten times and more what the slowest case needs on a busy machine.
     */
    static Duration timeout(long packets, int modes) {
        long nanos;
        try {
            nanos = Math.multiplyExact(packets, 3L * modes * 20_000L);
        } catch (ArithmeticException tooLong) {
            nanos = Long.MAX_VALUE / 2;
        }
        return Duration.ofMinutes(5).plusNanos(nanos);
    }

    /** Runs the proof in a child JVM with Epsilon and a heap of {@code heapMb}; its progress goes to {@code err}. */
    static Outcome launch(long packets, List<WakeMode> modes, int heapMb, PrintWriter err) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-XX:+UnlockExperimentalVMOptions", "-XX:+UseEpsilonGC",
                "-Xms" + heapMb + "m", "-Xmx" + heapMb + "m", "-XX:+ExitOnOutOfMemoryError",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                ZeroGarbage.class.getName(), Long.toString(packets)));
        for (WakeMode m : modes) {
            command.add(m.cliName());
        }
        return launch(command, timeout(packets, modes.size()), err);
    }

    /** Runs the child {@code command}, relaying its stderr to {@code err}; killed if it takes longer than {@code timeout}. */
    static Outcome launch(List<String> command, Duration timeout, PrintWriter err) throws IOException, InterruptedException {
        String[] lastError = new String[1];
        List<Case> cases = new ArrayList<>();
        ChildProcess.Outcome o = ChildProcess.run(new ProcessBuilder(command), timeout, line -> {
            if (line.startsWith("ZG ")) {
                synchronized (cases) {
                    cases.add(Case.parse(line));
                }
            }
        }, line -> {
            synchronized (err) {
                err.println(line.startsWith("netstack4j") ? line : "netstack4j bench: child JVM: " + line);
                err.flush();
            }
            if (!line.startsWith("netstack4j bench: zero-garbage:")) {
                synchronized (lastError) {
                    lastError[0] = line;
                }
            }
        });
        synchronized (cases) {
            synchronized (lastError) {
                return new Outcome(o.exit(), o.timedOut(), timeout, List.copyOf(cases), lastError[0], command);
            }
        }
    }

    /** The child: {@code packets} then the wake modes. Exit 0 when every case completed. */
    public static void main(String[] args) throws Exception {
        long packets = Long.parseLong(args[0]);
        List<WakeMode> modes = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            modes.add(WakeMode.parse(args[i]));
        }
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (WakeMode mode : modes) {
            try (UdpPair pair = UdpPair.open(mode, Bench.PAYLOAD)) {
                System.out.println(run("udp_echo", mode, packets, threads, n -> {
                    for (long i = 0; i < n; i += ECHO_BATCH) {
                        pair.echo(ECHO_BATCH);
                    }
                }).line());
            }
            try (TcpStreamPair pair = TcpStreamPair.open(mode)) {
                // n packets: n full segments of data (1,448 bytes each with timestamps), their ACKs besides.
                System.out.println(run("tcp_bulk", mode, packets, threads, n -> pair.bulk(n * 1448L)).line());
            }
            try (ForwardingRig rig = ForwardingRig.open(mode)) {
                System.out.println(run("forward", mode, packets, threads, rig::forward).line());
                if (rig.unexpectedFrames() != 0) {
                    throw new IllegalStateException("the sink saw " + rig.unexpectedFrames() + " unexpected frames");
                }
            }
            System.out.flush();
        }
    }

    @FunctionalInterface
    private interface Packets {
        void run(long n) throws Exception;
    }

    private static Case run(String test, WakeMode mode, long packets, com.sun.management.ThreadMXBean threads,
                            Packets body) throws Exception {
        body.run(CHUNK); // the last of the warm-up, before the heap is read
        long heapSetup = heapUsed();
        long allocated = 0;
        long done = 0;
        long t0 = System.nanoTime();
        long nextReport = t0 + 5_000_000_000L;
        while (done < packets) {
            long n = Math.min(CHUNK, packets - done);
            n = (n + ECHO_BATCH - 1) / ECHO_BATCH * ECHO_BATCH;
            long a0 = threads.getCurrentThreadAllocatedBytes();
            body.run(n);
            allocated += threads.getCurrentThreadAllocatedBytes() - a0;
            done += n;
            long now = System.nanoTime();
            if (now >= nextReport) {
                nextReport = now + 5_000_000_000L;
                System.err.printf(Locale.ROOT, "netstack4j bench: zero-garbage: %s %s: %s %,d of %,d packets, heap used %.1f MB%n",
                        test, mode.cliName(), FrameExchange.percentAndEta(done, packets, now - t0), done, packets,
                        heapUsed() / 1e6);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Case c = new Case(test, mode.cliName(), done, seconds, heapSetup, heapUsed(), allocated);
        System.err.printf(Locale.ROOT, "netstack4j bench: zero-garbage: %s %s: %,d packets in %.1f s, heap %.1f -> %.1f MB, "
                        + "%d B allocated in the packet loop%n", test, mode.cliName(), done, seconds, heapSetup / 1e6,
                c.heapAtEnd() / 1e6, allocated);
        return c;
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
