package org.netstack4j.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (SIGINT) or SIGTERM as a request to stop and report, as {@code ping} treats it: a
 * shutdown hook raises {@link #requested()}, waits (bounded) until the command has printed its
 * summary and called {@link #finish}, then ends the JVM with the command's own exit status rather
 * than 130. Built on a shutdown hook, so no JDK-internal signal API is needed.
 */
final class Interrupt {
    private final CountDownLatch finished = new CountDownLatch(1);
    private final long graceMillis;
    private volatile boolean requested;
    private volatile int status = Main.EXIT_FAILED;
    private Thread hook;

    private Interrupt(long graceMillis) {
        this.graceMillis = graceMillis;
    }

    /** Watches for Ctrl-C until {@link #finish}; the command gets {@code graceMillis} to wind up. */
    static Interrupt install(long graceMillis) {
        Interrupt i = new Interrupt(graceMillis);
        i.hook = new Thread(i::stop, "netstack4j-interrupt");
        Runtime.getRuntime().addShutdownHook(i.hook);
        return i;
    }

    boolean requested() {
        return requested;
    }

    private void stop() {
        if (finished.getCount() == 0) {
            return; // an ordinary exit after the command finished
        }
        requested = true;
        try {
            if (finished.await(graceMillis, TimeUnit.MILLISECONDS)) {
                Runtime.getRuntime().halt(status);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The command is done and has printed what it had to: its exit status, also for a Ctrl-C. */
    int finish(int exitStatus) {
        status = exitStatus;
        finished.countDown();
        if (!requested) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running: it reads the status just set.
            }
        }
        return exitStatus;
    }
}
