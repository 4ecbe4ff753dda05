package org.netstack4j.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * How a long-running command ({@code up}, {@code switch}) ends: on SIGINT or SIGTERM, or after
 * {@code --duration}. The stop work runs exactly once, whoever asks first (the main thread or the
 * shutdown hook), and the exit status is 0 either way.
 */
final class UntilStopped {
    private UntilStopped() {
    }

    /**
     * Runs {@code announce} once a signal would be caught (so whoever waits for its words may
     * signal at once), then waits for a signal, or {@code durationSeconds} (0: for ever), and calls
     * {@code finish} once with "signal" or "time".
     */
    static int await(String command, long durationSeconds, Runnable announce, Consumer<String> finish)
            throws InterruptedException {
        AtomicBoolean finished = new AtomicBoolean();
        Consumer<String> once = why -> {
            if (finished.compareAndSet(false, true)) {
                finish.accept(why);
            }
        };
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = Thread.ofPlatform().name("netstack4j-" + command + "-stop").unstarted(() -> {
            stop.countDown();
            once.accept("signal");
            Runtime.getRuntime().halt(Main.EXIT_OK); // a signal would make the exit status 130 or 143
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
            return Main.EXIT_OK; // the hook has it
        }
        once.accept("time");
        return Main.EXIT_OK;
    }
}
