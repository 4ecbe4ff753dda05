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
 *
 * <p><b>Time.</b> Code tells the CPU what it did ({@link #charge(Work)}, {@link #charge(long)}),
 * and each handler run is charged {@link Work#INTERRUPT} by the CPU itself; the {@link CostModel}
 * turns that into nanoseconds. In a simulation a pass over the CPU ends as soon as the work in it
 * has cost time, and the CPU is busy until that time has passed: a job that forwards 64 packets
 * keeps it from taking interrupts meanwhile, and interrupts that keep arriving keep the jobs from
 * running — receive livelock, when there is too much of it. The next pass goes on with the next
 * job in turn, so one busy job cannot starve the others. With the default model ({@link
 * CostModel#FREE}) nothing is charged and every pass runs to its end, as before costs existed.
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

    private CostModel costs = CostModel.FREE;
    /** Nanoseconds charged so far in the current pass. */
    private long charged;
    /** Nanoseconds charged in every pass so far. */
    private long chargedTotal;
    /** Where the next pass resumes in {@link #jobs} when the last one ended early. */
    private int cursor;
    private long interruptNanos;
    private long jobNanos;
    /** Simulated time at which this CPU is free again (owned by {@link Simulation}). */
    long freeAt;

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

    /** Prices the work done on this CPU from now on (simulated time; see the class comment). */
    public void setCosts(CostModel model) {
        this.costs = java.util.Objects.requireNonNull(model, "model");
    }

    public CostModel costs() {
        return costs;
    }

    /** Records that the code now running did one unit of {@code work}. Allocates nothing; free when the model is. */
    public void charge(Work work) {
        charge(costs.nanos(work));
    }

    /** Records {@code nanos} of CPU time spent by the code now running. */
    public void charge(long nanos) {
        if (nanos > 0) {
            charged += nanos;
            chargedTotal += nanos;
        }
    }

    /** Records that the code now running summed {@code bytes} for a checksum ({@link Work#CHECKSUM_KB}, pro rata). */
    public void chargeChecksum(int bytes) {
        charge(costs.checksumNanos(bytes));
    }

    /** CPU time charged on this CPU since it was made: the work its cost model priced (0 when work is free). */
    public long chargedNanos() {
        return chargedTotal;
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
     * When work has been charged the pass ends after that handler round or that job ({@link
     * #lastPassCost()} says how long it took), and the next pass resumes with the next job.
     * Must be called only by the thread or simulation that runs this CPU.
     */
    public boolean runOnce() {
        charged = 0;
        boolean progress = serviceInterrupts();
        if (charged > 0) {
            return true;
        }
        Job[] current = jobs;
        int n = current.length;
        if (cursor >= n) {
            cursor = 0; // a job was removed meanwhile
        }
        // Each job once, starting where the last pass stopped and wrapping round; with free
        // work the cursor is 0 at the start and back at 0 at the end, in creation order.
        for (int visited = 0; visited < n; visited++) {
            Job job = current[cursor];
            progress |= serviceInterrupts();
            if (charged > 0) {
                return true; // the job's turn comes when the handlers' time has passed
            }
            cursor = cursor + 1 == n ? 0 : cursor + 1;
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
            if (charged > 0) {
                jobNanos += charged;
                return true;
            }
        }
        return progress;
    }

    /** CPU time the last {@link #runOnce} pass was charged (0 when work is free). */
    long lastPassCost() {
        return charged;
    }

    private boolean serviceInterrupts() {
        boolean ran = false;
        for (int round = 0; round < MAX_INTERRUPT_ROUNDS; round++) {
            boolean any = false;
            long before = charged;
            for (Irq line : lines) {
                if (line.pending()) {
                    any = true;
                    interruptsTaken++;
                    if (line.take()) {
                        charge(costs.interruptNanos());
                    }
                }
            }
            if (!any) {
                break;
            }
            ran = true;
            interruptNanos += charged - before;
            if (charged > 0) {
                break; // let the handlers' time pass before looking again
            }
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

    /** CPU time charged to interrupt handlers so far, entry and exit included (nanoseconds). */
    public long interruptNanos() {
        return interruptNanos;
    }

    /** CPU time charged to jobs so far (nanoseconds). */
    public long jobNanos() {
        return jobNanos;
    }

    @Override
    public String toString() {
        return "Cpu[" + name + "]";
    }
}
