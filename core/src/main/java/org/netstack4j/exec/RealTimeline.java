package org.netstack4j.exec;

import java.util.concurrent.locks.LockSupport;

/**
 * Real time: {@link System#nanoTime()} and one daemon thread that fires timers. Timer actions run
 * on that thread, as hardware timers run "where they start" (an ITR expiry asserts an interrupt
 * line, which only wakes the CPU that owns it). Arming and firing allocate nothing.
 */
public final class RealTimeline implements Timeline, AutoCloseable {
    private final TimerHeap heap = new TimerHeap();
    private final ThreadFailures failures;
    private final Thread thread;
    private volatile boolean closed;

    public RealTimeline() {
        this(new ThreadFailures());
    }

    /** A timeline whose timer thread records in {@code failures} what a timer's action threw. */
    public RealTimeline(ThreadFailures failures) {
        this.failures = failures;
        thread = Thread.ofPlatform().name("netstack4j-timers").daemon().unstarted(this::run);
        thread.start();
    }

    @Override
    public long nanos() {
        return System.nanoTime();
    }

    @Override
    public Timer newTimer(String name, Runnable action) {
        return new Timer(this, name, action);
    }

    @Override
    public void arm(Timer timer, long deadlineNanos) {
        boolean earliest;
        synchronized (heap) {
            heap.arm(timer, deadlineNanos);
            earliest = heap.peek() == timer;
        }
        if (earliest) {
            LockSupport.unpark(thread);
        }
    }

    @Override
    public void cancel(Timer timer) {
        synchronized (heap) {
            heap.remove(timer);
        }
    }

    private void run() {
        while (!closed) {
            Timer due;
            long wait;
            synchronized (heap) {
                long now = System.nanoTime();
                due = heap.pollDue(now);
                Timer next = heap.peek();
                wait = next == null ? 1_000_000_000L : next.deadline - now;
            }
            if (due != null) {
                fire(due);
            } else {
                LockSupport.parkNanos(this, wait);
            }
        }
    }

    private void fire(Timer due) {
        try {
            due.action.run();
        } catch (Throwable t) { // recorded, and the other timers still fire
            failures.record(thread.getName() + " (" + due.name() + ")", t);
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
