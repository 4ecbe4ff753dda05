package org.netstack4j.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;

/**
 * How a long-running command ({@code up}, {@code switch}) ends: on SIGINT or SIGTERM, or after
 * {@code --duration}. The stop work runs exactly once, whoever asks first (the main thread or the
 * shutdown hook), and its verdict is the exit status either way (0 unless something failed).
 */
final class UntilStopped {
    private UntilStopped() {
    }

    /**
     * Runs {@code announce} once a signal would be caught (so whoever waits for its words may
     * signal at once), then waits for a signal, or {@code durationSeconds} (0: for ever), and calls
     * {@code finish} once with "signal" or "time"; what it returns is the exit status.
     */
    static int await(String command, long durationSeconds, Runnable announce, ToIntFunction<String> finish)
            throws InterruptedException {
        AtomicInteger status = new AtomicInteger(-1);
        ToIntFunction<String> once = why -> {
            synchronized (status) {
                if (status.get() < 0) {
                    status.set(finish.applyAsInt(why));
                }
                return status.get();
            }
        };
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = Thread.ofPlatform().name("netstack4j-" + command + "-stop").unstarted(() -> {
            stop.countDown();
            // halt with the verdict: a signal would make the exit status 130 or 143
            Runtime.getRuntime().halt(once.applyAsInt("signal"));
        });
        Runtime.getRuntime().addShutdownHook(hook);
        announce.run();
        if (durationSeconds > 0) {
            stop.await(durationSeconds, TimeUnit.SECONDS);
        } else {
            stop.await();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return once.applyAsInt("signal"); // the hook has it (and halts with the same verdict)
        }
        return once.applyAsInt("time");
    }
}
