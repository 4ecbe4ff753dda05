package org.netstack4j.exec;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * Application threads inside a {@link Simulation}. A baton passes between the simulation's
 * thread and the application threads so that exactly one of them runs at any moment: an
 * application thread runs until it blocks or ends, then the simulation goes on until something
 * wakes an application thread (a socket received data, a deadline passed in simulated time).
 * Threads run in the order they became runnable, so the whole run is deterministic.
 */
public final class SimulatedApplications implements Applications {

    private final Simulation sim;
    private final ArrayDeque<AppThread> runnable = new ArrayDeque<>();
    private final List<AppThread> all = new ArrayList<>();
    private final Semaphore simulationTurn = new Semaphore(0);
    private final ThreadLocal<AppThread> current = new ThreadLocal<>();
    /**
     * {@code runnable.size()}, written under the lock and readable without it: the simulation asks
     * before every step, and almost always no application thread is waiting to run.
     */
    private volatile int runnableCount;
    private final ThreadFailures failures = new ThreadFailures();

    public SimulatedApplications(Simulation sim) {
        this.sim = sim;
        sim.setApplications(this);
    }

    private final class AppThread {
        final Thread thread;
        final Semaphore turn = new Semaphore(0);
        final Timer deadline;
        boolean blocked;
        boolean permit;
        boolean finished;

        AppThread(String name, Runnable body) {
            this.deadline = sim.newTimer(name + "-deadline", () -> makeRunnable(this));
            this.thread = Thread.ofPlatform().name(name).daemon().unstarted(() -> {
                current.set(this);
                turn.acquireUninterruptibly();
                try {
                    body.run();
                } catch (Throwable t) { // assertion errors too: the simulation throws them at its next step
                    failures.record(name, t);
                } finally {
                    finished = true;
                    synchronized (SimulatedApplications.this) {
                        all.remove(this); // a finished thread needs no more wakes
                    }
                    simulationTurn.release();
                }
            });
        }
    }

    @Override
    public Thread start(String name, Runnable body) {
        AppThread t = new AppThread(name, body);
        synchronized (this) {
            all.add(t);
            runnable.add(t);
            runnableCount = runnable.size();
        }
        t.thread.start();
        return t.thread;
    }

    @Override
    public void block(long deadlineNanos) {
        AppThread me = current.get();
        if (me == null) {
            throw new IllegalStateException("block() called from a thread the simulation did not start");
        }
        synchronized (this) {
            if (me.permit) {
                me.permit = false;
                return;
            }
            if (deadlineNanos <= sim.nanos()) {
                return;
            }
            me.blocked = true;
        }
        if (deadlineNanos != Long.MAX_VALUE) {
            me.deadline.arm(deadlineNanos);
        }
        simulationTurn.release();
        me.turn.acquireUninterruptibly();
        me.deadline.cancel();
    }

    @Override
    public void wake(Thread thread) {
        synchronized (this) {
            for (AppThread t : all) {
                if (t.thread == thread) {
                    if (t.blocked) {
                        makeRunnable(t);
                    } else {
                        t.permit = true;
                    }
                    return;
                }
            }
        }
    }

    private synchronized void makeRunnable(AppThread t) {
        if (t.blocked) {
            t.blocked = false;
            runnable.add(t);
            runnableCount = runnable.size();
        }
    }

    @Override
    public Clock clock() {
        return sim;
    }

    /** Called by the simulation: runs the next runnable application thread until it blocks or ends. */
    boolean runOne() {
        if (runnableCount == 0) {
            return false; // the usual case, without the lock
        }
        AppThread next;
        synchronized (this) {
            next = runnable.poll();
            runnableCount = runnable.size();
        }
        if (next == null) {
            return false;
        }
        next.turn.release();
        simulationTurn.acquireUninterruptibly();
        return true;
    }

    /** True when every application thread started so far has ended. */
    public synchronized boolean allFinished() {
        return all.isEmpty();
    }

    @Override
    public ThreadFailures failures() {
        return failures;
    }
}
