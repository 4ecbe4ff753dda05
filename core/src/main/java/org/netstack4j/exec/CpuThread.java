package org.netstack4j.exec;

import java.util.concurrent.locks.LockSupport;

/**
 * Runs a {@link Cpu} on its own platform thread in real time. The thread sleeps when no line is
 * high and no job is scheduled; a rising interrupt line or a scheduled job wakes it. A CPU with a
 * busy-poll job never sleeps.
 */
public final class CpuThread implements AutoCloseable {
    private final Cpu cpu;
    private final ThreadFailures failures;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile boolean sleeping;

    public CpuThread(Cpu cpu) {
        this(cpu, new ThreadFailures());
    }

    /** A CPU thread that records in {@code failures} what it died of, if it dies. */
    public CpuThread(Cpu cpu, ThreadFailures failures) {
        this.cpu = cpu;
        this.failures = failures;
        this.thread = Thread.ofPlatform().name("cpu-" + cpu.name()).daemon().unstarted(this::run);
        cpu.setWaker(this::wake);
        thread.start();
    }

    private void wake() {
        if (sleeping) {
            LockSupport.unpark(thread);
        }
    }

    private void run() {
        try {
            loop();
        } catch (Throwable t) { // a bug in a handler or job: the CPU stops, and says why
            failures.record(thread.getName(), t);
        }
    }

    private void loop() {
        while (!stopping) {
            if (cpu.wantsToRun()) {
                if (!cpu.runOnce()) {
                    Thread.onSpinWait();
                }
                continue;
            }
            sleeping = true;
            // Re-check after announcing sleep: a wake in between would otherwise be lost.
            if (!cpu.wantsToRun() && !stopping) {
                LockSupport.park(this);
            }
            sleeping = false;
        }
    }

    public Thread thread() {
        return thread;
    }

    /** Where this thread records what it died of. */
    public ThreadFailures failures() {
        return failures;
    }

    /** Stops the thread after its current pass and waits for it. */
    @Override
    public void close() {
        stopping = true;
        LockSupport.unpark(thread);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        cpu.setWaker(() -> { });
    }
}
