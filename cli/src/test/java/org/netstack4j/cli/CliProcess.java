package org.netstack4j.cli;

import org.netstack4j.hw.link.SwitchServer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code netstack4j} run as a real process: a JVM of its own (this JDK, the classes this build
 * made), its output collected line by line as it comes. Every wait has a deadline, and
 * {@link #close()} kills what is still running.
 */
final class CliProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final List<String> out = new ArrayList<>();
    private final List<String> err = new ArrayList<>();
    private final Thread outReader;
    private final Thread errReader;

    private CliProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.outReader = Thread.ofPlatform().daemon().name(name + "-out").start(() -> pump(process.getInputStream(), out));
        this.errReader = Thread.ofPlatform().daemon().name(name + "-err").start(() -> pump(process.getErrorStream(), err));
    }

    /** Starts {@code netstack4j ARGS...}. */
    static CliProcess start(String name, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Xmx256m");
        command.add("-XX:TieredStopAtLevel=1"); // short-lived JVMs on two shared cores: start fast
        command.add("-cp");
        command.add(classpath());
        command.add(Main.class.getName());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("NETSTACK4J_DEBUG");
        return new CliProcess(name, pb.start());
    }

    /** The CLI's classes, the core's and picocli's, wherever this build has them (directories or jars). */
    private static String classpath() {
        List<String> parts = new ArrayList<>();
        for (Class<?> c : new Class<?>[] {Main.class, SwitchServer.class, picocli.CommandLine.class,
                org.netstack4j.comms.RequestServer.class, org.sqlite.JDBC.class}) {
            try {
                parts.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        return String.join(java.io.File.pathSeparator, parts);
    }

    private static void pump(InputStream in, List<String> lines) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    /** The first stdout line matching {@code test}, waiting up to {@code timeout}; fails with all output if none comes. */
    String awaitLine(Predicate<String> test, Duration timeout) throws InterruptedException {
        return awaitLine(out, outReader, "stdout", test, timeout);
    }

    /** The first stderr line matching {@code test}, waiting up to {@code timeout}; fails with all output if none comes. */
    String awaitErrLine(Predicate<String> test, Duration timeout) throws InterruptedException {
        return awaitLine(err, errReader, "stderr", test, timeout);
    }

    private String awaitLine(List<String> lines, Thread reader, String stream, Predicate<String> test, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            while (true) {
                for (String line : lines) {
                    if (test.test(line)) {
                        return line;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
                    throw new AssertionError(name + ": no such line on " + stream + " within " + timeout
                            + (process.isAlive() ? "" : " (exited " + process.exitValue() + ")") + "\n" + transcript());
                }
                lines.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /** Sends SIGTERM (as Ctrl-C would, for a program that does not ignore SIGINT) and waits for the exit status. */
    int stop(Duration timeout) throws InterruptedException {
        process.toHandle().destroy(); // (Process.destroy would also close our end of its output)
        return await(timeout);
    }

    /** Waits for the process to end by itself; fails (with its output) if it does not. */
    int await(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(name + " did not exit within " + timeout + "\n" + transcript());
        }
        outReader.join(2000);
        errReader.join(2000);
        return process.exitValue();
    }

    /** SIGKILL: the process dies at once, as a crashed host would. */
    void kill() throws InterruptedException {
        process.toHandle().destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String out() {
        synchronized (out) {
            return String.join("\n", out);
        }
    }

    String err() {
        synchronized (err) {
            return String.join("\n", err);
        }
    }

    String transcript() {
        return "--- " + name + " stdout ---\n" + out() + "\n--- " + name + " stderr ---\n" + err();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public String toString() {
        return name + "[" + process.pid() + "]";
    }
}
