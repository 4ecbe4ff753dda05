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
    // What the thread did, for people asking why a configuration is slow (written by this thread
    // only, but wake-ups, which other threads make).
    private final long startedNanos = System.nanoTime();
    private volatile long parks;
    private volatile long busyNanos;
    private final java.util.concurrent.atomic.AtomicLong wakeups = new java.util.concurrent.atomic.AtomicLong();

    /**
     * What a CPU thread has done since it started: how often it went to sleep (parks) and was
     * woken from sleep by an interrupt line or a scheduled job (wake-ups), and the share of its
     * time it was awake. A busy-poll thread is awake all the time.
     */
    public record Figures(long parks, long wakeups, double busyShare, double seconds) {
        public java.util.Map<String, Object> toMap() {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("parks", parks);
            m.put("wakeups", wakeups);
            m.put("busy_share", Math.round(busyShare * 10_000) / 10_000.0);
            m.put("seconds", Math.round(seconds * 1000) / 1000.0);
            return m;
        }
    }

    private volatile long stoppedNanos;

    public Figures figures() {
        long stopped = stoppedNanos;
        long now = stopped != 0 ? stopped : System.nanoTime();
        long awakeSince = awakeSince();
        long busy = busyNanos + (awakeSince > 0 ? now - awakeSince : 0);
        double total = Math.max(1, now - startedNanos);
        return new Figures(parks, wakeups.get(), Math.min(1.0, busy / total), total / 1e9);
    }

    /** When the thread last woke, while it is awake; 0 while it sleeps. */
    private volatile long awakeFrom = System.nanoTime();

    private long awakeSince() {
        return sleeping ? 0 : awakeFrom;
    }

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
            wakeups.incrementAndGet();
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
        try {
            passes();
        } finally {
            busyNanos += System.nanoTime() - awakeFrom;
            sleeping = true; // stopped: its figures stand still from here
            stoppedNanos = System.nanoTime();
        }
    }

    private void passes() {
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
            busyNanos += System.nanoTime() - awakeFrom;
            sleeping = true;
            // Re-check after announcing sleep: a wake in between would otherwise be lost.
            if (!anyWantsToRun() && !stopping) {
                parks++;
                LockSupport.park(this);
            }
            awakeFrom = System.nanoTime();
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
