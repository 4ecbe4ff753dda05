package org.netstack4j.exec;

import java.util.concurrent.locks.LockSupport;

/**
 * Runs one {@link Cpu}, or several in turn, on one platform thread in real time. The thread
 * sleeps when no line is high and no job is scheduled on any of them; a rising interrupt line or
 * a scheduled job wakes it. A CPU with a busy-poll job never sleeps. Several hosts on one thread
 * is how they share one in simulation, and spares a machine with few cores the hand-offs between
 * threads that outnumber them.
 */
public final class CpuThread implements AutoCloseable {
    private final Cpu[] cpus;
    private final ThreadFailures failures;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile boolean sleeping;

    public CpuThread(Cpu cpu) {
        this(cpu, new ThreadFailures());
    }

    /** A CPU thread that records in {@code failures} what it died of, if it dies. */
    public CpuThread(Cpu cpu, ThreadFailures failures) {
        this(java.util.List.of(cpu), failures);
    }

    /** One thread for all of {@code cpus}, taking each in turn. */
    public CpuThread(java.util.List<Cpu> cpus, ThreadFailures failures) {
        if (cpus.isEmpty()) {
            throw new IllegalArgumentException("a CPU thread needs a CPU to run");
        }
        this.cpus = cpus.toArray(Cpu[]::new);
        this.failures = failures;
        String name = cpus.size() == 1 ? cpus.get(0).name() : cpus.get(0).name() + "+" + (cpus.size() - 1);
        this.thread = Thread.ofPlatform().name("cpu-" + name).daemon().unstarted(this::run);
        for (Cpu c : this.cpus) {
            c.setWaker(this::wake);
        }
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
            boolean wanted = false;
            boolean ran = false;
            for (Cpu cpu : cpus) {
                if (cpu.wantsToRun()) {
                    wanted = true;
                    ran |= cpu.runOnce();
                }
            }
            if (wanted) {
                if (!ran) {
                    Thread.onSpinWait();
                }
                continue;
            }
            sleeping = true;
            // Re-check after announcing sleep: a wake in between would otherwise be lost.
            if (!anyWantsToRun() && !stopping) {
                LockSupport.park(this);
            }
            sleeping = false;
        }
    }

    private boolean anyWantsToRun() {
        for (Cpu cpu : cpus) {
            if (cpu.wantsToRun()) {
                return true;
            }
        }
        return false;
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
        for (Cpu c : cpus) {
            c.setWaker(() -> { });
        }
    }
}
