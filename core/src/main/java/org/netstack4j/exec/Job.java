package org.netstack4j.exec;

/**
 * Work that a {@link Cpu} runs when scheduled: a NAPI poll, a busy-poll loop, an application task.
 * Scheduling is idempotent and may come from any thread; the body always runs on the CPU.
 */
public final class Job {

    /** What a run of the body did. */
    public enum Result {
        /** Did its work and has nothing more to do until scheduled again. */
        DONE,
        /** Did work and has more: run again on the CPU's next pass. */
        MORE,
        /** Found nothing to do but wants to keep polling (busy-poll): run again, and count no progress. */
        SPIN
    }

    /** The body of a job. */
    @FunctionalInterface
    public interface Body {
        Result run();
    }

    private final Cpu cpu;
    private final String name;
    final Body body;
    volatile boolean scheduled;
    long runs;

    Job(Cpu cpu, String name, Body body) {
        this.cpu = cpu;
        this.name = name;
        this.body = body;
    }

    /** Asks the CPU to run this job on its next pass; safe from any thread, allocates nothing. */
    public void schedule() {
        if (!scheduled) {
            scheduled = true;
            cpu.wake();
        }
    }

    /** Withdraws a pending run (used by tear-down). */
    public void unschedule() {
        scheduled = false;
    }

    public boolean isScheduled() {
        return scheduled;
    }

    public String name() {
        return name;
    }

    /** How many times the body has run. */
    public long runs() {
        return runs;
    }
}
