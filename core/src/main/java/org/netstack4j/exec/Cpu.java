package org.netstack4j.exec;

import java.util.Arrays;

/**
 * One host's processor. Interrupt handlers run first, whenever a line is high, and again between
 * jobs: interrupts preempt at the granularity of one job, as on a real CPU. Scheduled jobs run
 * in the order they were created. All of a host's protocol and driver state is touched only here,
 * so that code needs no locks.
 *
 * <p>The CPU itself has no thread: {@link CpuThread} runs it on a platform thread in real time,
 * and {@link Simulation} runs it in simulated time.
 */
public final class Cpu {

    /** Upper bound on back-to-back handler rounds before one job is let through, so a stuck line cannot hang a test. */
    private static final int MAX_INTERRUPT_ROUNDS = 1_000;

    private final String name;
    private Irq[] lines = new Irq[0];
    private Job[] jobs = new Job[0];
    private volatile Runnable waker = () -> { };

    private long interruptsTaken;
    private long jobRuns;

    public Cpu(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    /**
     * A new interrupt line into this CPU, like an IRQ number on a board: the machine wires a
     * device's pin to it, and a driver requests it with a handler.
     */
    public synchronized Irq newIrq(String lineName) {
        Irq irq = new Irq(this, lineName);
        lines = Arrays.copyOf(lines, lines.length + 1);
        lines[lines.length - 1] = irq;
        return irq;
    }

    /** A new job on this CPU, not yet scheduled. */
    public synchronized Job newJob(String jobName, Job.Body body) {
        Job job = new Job(this, jobName, body);
        jobs = Arrays.copyOf(jobs, jobs.length + 1);
        jobs[jobs.length - 1] = job;
        return job;
    }

    /** Removes a job created by {@link #newJob} (tear-down). */
    public synchronized void removeJob(Job job) {
        job.unschedule();
        jobs = Arrays.stream(jobs).filter(j -> j != job).toArray(Job[]::new);
    }

    /** True if a line is high or a job is scheduled. */
    public boolean wantsToRun() {
        for (Irq line : lines) {
            if (line.pending()) {
                return true;
            }
        }
        for (Job job : jobs) {
            if (job.scheduled) {
                return true;
            }
        }
        return false;
    }

    /**
     * One pass: pending interrupts, then each scheduled job once with interrupts serviced before
     * it. Returns true if anything made progress (a handler ran, or a job did not merely spin).
     * Must be called only by the thread or simulation that runs this CPU.
     */
    public boolean runOnce() {
        boolean progress = serviceInterrupts();
        Job[] current = jobs;
        for (Job job : current) {
            progress |= serviceInterrupts();
            if (!job.scheduled) {
                continue;
            }
            job.scheduled = false;
            job.runs++;
            jobRuns++;
            Job.Result result = job.body.run();
            if (result != Job.Result.DONE) {
                job.scheduled = true;
            }
            progress |= result != Job.Result.SPIN;
        }
        return progress;
    }

    private boolean serviceInterrupts() {
        boolean ran = false;
        for (int round = 0; round < MAX_INTERRUPT_ROUNDS; round++) {
            boolean any = false;
            for (Irq line : lines) {
                if (line.pending()) {
                    any = true;
                    interruptsTaken++;
                    line.take();
                }
            }
            if (!any) {
                break;
            }
            ran = true;
        }
        return ran;
    }

    void setWaker(Runnable waker) {
        this.waker = waker;
    }

    void wake() {
        waker.run();
    }

    /** Interrupt handler invocations so far. */
    public long interruptsTaken() {
        return interruptsTaken;
    }

    /** Job runs so far. */
    public long jobRuns() {
        return jobRuns;
    }

    @Override
    public String toString() {
        return "Cpu[" + name + "]";
    }
}
