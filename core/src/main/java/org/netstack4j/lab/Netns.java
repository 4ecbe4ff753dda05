package org.netstack4j.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * A Linux network namespace made for one test (or one benchmark run), and the processes started
 * in it; {@link #close()} stops those processes and removes the namespace. Nothing here sends
 * traffic anywhere but inside the namespace: commands run with {@code ip netns exec}, and
 * interfaces are moved in before they are brought up. Names are {@code ns4j-PID-N}, so that a
 * namespace left by a killed JVM can be recognised (its PID is dead) and removed by the next run.
 *
 * <p>Plain Java, no JUnit: tests use it (their {@code RealPeers} decides whether one may run
 * here), and so do the bench's TAP rows. {@link #openInside} opens a JDK socket in the namespace
 * from this JVM: a socket belongs to the namespace it was made in, whichever thread uses it.
 */
public final class Netns implements AutoCloseable {
    private static final String PREFIX = "ns4j-";
    private static final AtomicInteger NEXT = new AtomicInteger();
    private static final long PID = ProcessHandle.current().pid();
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(10);

    /** A finished command: its exit status (-1 if it was killed at its deadline) and its output. */
    public record Result(int exit, String out, String err, boolean timedOut) {
        public boolean ok() {
            return exit == 0 && !timedOut;
        }

        /** Both streams, for assertion messages. */
        public String output() {
            return "exit " + exit + (timedOut ? " (timed out)" : "") + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** A process running in the namespace; stopped (SIGTERM, then SIGKILL) when the namespace closes. */
    public final class Background {
        private final Process process;
        private final Path out;
        private final Path err;
        private final String what;

        private Background(Process process, Path out, Path err, String what) {
            this.process = process;
            this.out = out;
            this.err = err;
            this.what = what;
        }

        public Process process() {
            return process;
        }

        public String out() {
            return read(out);
        }

        public String err() {
            return read(err);
        }

        /** Waits until stdout or stderr contains {@code text}; fails if the process ends or time runs out. */
        public void awaitOutput(String text, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (out().contains(text) || err().contains(text)) {
                    return;
                }
                if (!process.isAlive()) {
                    throw new IllegalStateException(what + " ended (exit " + process.exitValue() + ") before saying '"
                            + text + "':\n" + out() + err());
                }
                Thread.sleep(20);
            }
            throw new IllegalStateException(what + " did not say '" + text + "' within " + timeout + ":\n" + out() + err());
        }

        /** Sends {@code signal} (INT, TERM) to the process itself. */
        public void signal(String signal) throws IOException, InterruptedException {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
            kill.waitFor(5, TimeUnit.SECONDS);
        }

        /** Waits for the process to end by itself; kills it at the deadline. Returns its exit status. */
        public Result await(Duration timeout) throws InterruptedException {
            boolean done = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                stop();
            }
            return new Result(done ? process.exitValue() : -1, out(), err(), !done);
        }

        /** SIGTERM, two seconds' grace, then SIGKILL; children it forked (socat's) first. */
        public void stop() throws InterruptedException {
            for (ProcessHandle child : process.descendants().toList()) {
                child.destroy();
            }
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(2, TimeUnit.SECONDS);
                }
            }
        }
    }

    private final String name;
    private final Path dir;
    private final List<Background> background = Collections.synchronizedList(new ArrayList<>());
    private boolean closed;

    private Netns(String name, Path dir) {
        this.name = name;
        this.dir = dir;
    }

    /**
     * Makes a namespace with only its loopback, up, and IPv6 off (so Linux sends no router or
     * neighbour solicitations of its own and captures hold only what a test does).
     */
    public static Netns create() throws IOException, InterruptedException {
        removeStale();
        String name = PREFIX + PID + "-" + NEXT.incrementAndGet();
        Path dir = Files.createTempDirectory(name);
        Netns ns = new Netns(name, dir);
        Result r = host(IP_TIMEOUT, "ip", "netns", "add", name);
        if (!r.ok()) {
            deleteTree(dir);
            throw new IOException("ip netns add " + name + " failed: " + r.output());
        }
        try {
            ns.ip("link", "set", "lo", "up");
            ns.check(ns.exec(IP_TIMEOUT, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                    "net.ipv6.conf.default.disable_ipv6=1"), "sysctl");
        } catch (IOException | RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    /** A fresh interface name, unique on this machine while this JVM runs (at most 15 characters). */
    public static String newInterfaceName() {
        return "n4j" + PID % 100_000 + "i" + NEXT.incrementAndGet();
    }

    /** Removes namespaces this fixture made in JVMs that no longer run. */
    static void removeStale() throws IOException, InterruptedException {
        Result list = host(IP_TIMEOUT, "ip", "netns", "list");
        for (String line : list.out().split("\n")) {
            String n = line.strip().split(" ")[0];
            if (!n.startsWith(PREFIX)) {
                continue;
            }
            String[] parts = n.substring(PREFIX.length()).split("-");
            try {
                long pid = Long.parseLong(parts[0]);
                if (pid != PID && ProcessHandle.of(pid).isEmpty()) {
                    host(IP_TIMEOUT, "ip", "netns", "del", n);
                }
            } catch (NumberFormatException e) {
                // not one of ours
            }
        }
    }

    public String name() {
        return name;
    }

    /** A scratch directory for this namespace's files (captures, configuration), removed on close. */
    public Path dir() {
        return dir;
    }

    /** {@code ip -n NAME args...}; throws if it fails. */
    public void ip(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", name));
        cmd.addAll(List.of(args));
        check(host(IP_TIMEOUT, cmd.toArray(String[]::new)), String.join(" ", cmd));
    }

    /** Moves interface {@code ifName} from this process's namespace into this one (still down). */
    public void adopt(String ifName) throws IOException, InterruptedException {
        check(host(IP_TIMEOUT, "ip", "link", "set", "dev", ifName, "netns", name), "ip link set " + ifName + " netns");
    }

    /** Runs {@code cmd} inside the namespace and waits for it, at most {@code timeout}. */
    public Result exec(Duration timeout, String... cmd) throws IOException, InterruptedException {
        return host(timeout, command(cmd));
    }

    /** Starts {@code cmd} inside the namespace; it is stopped when the namespace closes. */
    public Background start(String... cmd) throws IOException {
        int n = NEXT.incrementAndGet();
        Path out = dir.resolve("bg" + n + ".out");
        Path err = dir.resolve("bg" + n + ".err");
        Process p = new ProcessBuilder(command(cmd)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        Background b = new Background(p, out, err, cmd[0]);
        background.add(b);
        return b;
    }

    /**
     * Runs {@code open} on a new platform thread that has first entered this namespace
     * ({@code setns(2)}), and returns its result. Sockets the JDK makes there belong to the
     * namespace's network stack for their whole life, used from any thread; the thread ends with
     * the call, so nothing else runs in the namespace by accident.
     */
    public <T> T openInside(Callable<T> open) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("netns-" + name).start(() -> {
            try {
                SetNs.enter(Path.of("/var/run/netns", name));
                result.set(open.call());
            } catch (Exception e) {
                failure.set(e);
            }
        });
        t.join();
        if (failure.get() != null) {
            throw failure.get();
        }
        return result.get();
    }

    private String[] command(String... cmd) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", name));
        all.addAll(List.of(cmd));
        return all.toArray(String[]::new);
    }

    /** Runs {@code cmd} in this process's own namespace (for {@code ip} itself), at most {@code timeout}. */
    static Result host(Duration timeout, String... cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("ns4j", ".out");
        Path err = Files.createTempFile("ns4j", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                p.destroyForcibly();
                p.waitFor(2, TimeUnit.SECONDS);
            }
            return new Result(done ? p.exitValue() : -1, read(out), read(err), !done);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private void check(Result r, String what) throws IOException {
        if (!r.ok()) {
            throw new IOException(what + " failed in " + name + ": " + r.output());
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops every process started here, removes the namespace and the scratch directory. */
    @Override
    public void close() throws IOException, InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        List<Background> all;
        synchronized (background) {
            all = List.copyOf(background);
        }
        for (Background b : all) {
            b.stop();
        }
        Result r = host(IP_TIMEOUT, "ip", "netns", "del", name);
        deleteTree(dir);
        if (!r.ok()) {
            throw new IOException("ip netns del " + name + " failed: " + r.output());
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public String toString() {
        return "Netns[" + name + "]";
    }
}
