package org.netstack4j.exec;

import java.util.ArrayList;
import java.util.List;

/**
 * What the threads of a run died of: application threads, CPU threads, the timer thread. A thread
 * that dies records its cause here instead of vanishing; whoever owns the run (a test's network,
 * at each {@code run} and at {@code close}) calls {@link #throwIfAny} and so fails with that cause.
 * Each failure is thrown once.
 */
public final class ThreadFailures {
    private final List<Throwable> unreported = new ArrayList<>();
    private volatile boolean any;

    /** Records that {@code thread} died of {@code cause} (any thread). */
    public synchronized void record(String thread, Throwable cause) {
        unreported.add(new ThreadFailedException(thread, cause));
        any = true;
    }

    /** True if a failure was recorded and not yet thrown; cheap enough to ask on every step. */
    public boolean any() {
        return any;
    }

    /** Throws the first failure not yet thrown, with the later ones suppressed in it. */
    public void throwIfAny() {
        ThreadFailedException first;
        synchronized (this) {
            if (unreported.isEmpty()) {
                return;
            }
            first = (ThreadFailedException) unreported.getFirst();
            for (Throwable t : unreported.subList(1, unreported.size())) {
                first.addSuppressed(t);
            }
            unreported.clear();
            any = false;
        }
        throw first;
    }

    /** A thread of the run ended with an exception or error it did not handle. */
    public static final class ThreadFailedException extends RuntimeException {
        private final String thread;

        ThreadFailedException(String thread, Throwable cause) {
            super("thread " + thread + " died: " + cause, cause);
            this.thread = thread;
        }

        public String thread() {
            return thread;
        }
    }
}
