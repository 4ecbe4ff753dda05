package org.netstack4j.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A child process the CLI waits for (a bench case's JVM, the zero-garbage JVM): its output read
 * line by line on threads of its own, a bounded wait, and the child killed when the wait runs out
 * and when this JVM is stopped (SIGTERM, SIGINT), so that no orphan goes on running.
 */
final class ChildProcess {
    private ChildProcess() {
    }

    /** How the child ended: its exit status, or {@code timedOut} (then it was killed, and {@code exit} is -1). */
    record Outcome(int exit, boolean timedOut) {
    }

    /**
     * Starts {@code builder}'s command, feeds its stdout lines to {@code stdout} and (unless the
     * builder merges them) its stderr lines to {@code stderr}, and waits for it at most {@code timeout}.
     */
    static Outcome run(ProcessBuilder builder, Duration timeout, Consumer<String> stdout, Consumer<String> stderr)
            throws IOException, InterruptedException {
        // The hook is in place before the child exists, and the child is started under the hook's
        // lock: a SIGTERM that arrives while it starts waits for it, then kills it.
        Guard guard = new Guard();
        Thread hook = Thread.ofPlatform().name("netstack4j-child-kill").unstarted(guard::stop);
        try {
            Runtime.getRuntime().addShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            throw new IOException("not starting a child process: this JVM is shutting down");
        }
        Process p;
        synchronized (guard) {
            if (guard.stopping) {
                throw new IOException("not starting a child process: this JVM is shutting down");
            }
            try {
                p = builder.start();
            } catch (IOException | RuntimeException e) {
                removeHook(hook);
                throw e;
            }
            guard.process = p;
        }
        try {
            p.getOutputStream().close();
            Thread out = pump(p, p.getInputStream(), stdout, "out");
            Thread err = builder.redirectErrorStream() ? null : pump(p, p.getErrorStream(), stderr, "err");
            boolean exited = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!exited) {
                kill(p);
                p.waitFor(10, TimeUnit.SECONDS);
            }
            out.join(5_000);
            if (err != null) {
                err.join(5_000);
            }
            return new Outcome(exited ? p.exitValue() : -1, !exited);
        } finally {
            if (p.isAlive()) {
                kill(p); // interrupted, or a reader failed: the child does not outlive the wait
            }
            removeHook(hook);
        }
    }

    /** What the shutdown hook kills: the child once started; a start it finds under way, once done. */
    private static final class Guard {
        Process process;
        boolean stopping;

        synchronized void stop() {
            stopping = true;
            if (process != null) {
                kill(process);
            }
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run: it kills the child
        }
    }

    private static Thread pump(Process p, InputStream in, Consumer<String> lines, String which) {
        return Thread.ofPlatform().daemon().name("netstack4j-child-" + p.pid() + "-" + which).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.accept(line);
                }
            } catch (IOException e) {
                // the child is gone
            }
        });
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }
}
