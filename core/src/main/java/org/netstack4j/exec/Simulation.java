package org.netstack4j.exec;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Simulated time for a whole network, on the caller's thread: every CPU, every hardware and
 * medium timer, in a fixed order, so the same inputs give the same events. CPUs run in the order
 * they were added; when none makes progress, the clock jumps to the next timer or to the moment
 * a busy CPU becomes free, whichever comes first. Application threads ({@link
 * SimulatedApplications}) run first, one at a time.
 *
 * <p>Running code costs simulated time only as a CPU's {@link CostModel} says: a CPU that was
 * charged for a pass is busy, and runs nothing, until that much time has passed. With the default
 * model, {@link CostModel#FREE}, code runs in no time at all.
 */
public final class Simulation implements Timeline {
    private final TimerHeap heap = new TimerHeap();
    private final List<Cpu> cpus = new ArrayList<>();
    private Cpu[] order = new Cpu[0];
    private long now;
    private SimulatedApplications applications;

    @Override
    public long nanos() {
        return now;
    }

    @Override
    public Timer newTimer(String name, Runnable action) {
        return new Timer(this, name, action);
    }

    @Override
    public void arm(Timer timer, long deadlineNanos) {
        heap.arm(timer, Math.max(deadlineNanos, now));
    }

    @Override
    public void cancel(Timer timer) {
        heap.remove(timer);
    }

    /** Lets application threads run inside this simulation (called by {@link SimulatedApplications}). */
    void setApplications(SimulatedApplications apps) {
        this.applications = apps;
    }

    /** Adds a CPU to be driven by this simulation. */
    public void add(Cpu cpu) {
        cpus.add(cpu);
        order = cpus.toArray(Cpu[]::new);
    }

    public void remove(Cpu cpu) {
        cpus.remove(cpu);
        order = cpus.toArray(Cpu[]::new);
    }

    /**
     * Runs until {@code done} holds, the network is quiet (no CPU wants to run, no timer is
     * armed), or simulated time passes {@code deadlineNanos}. Returns true if {@code done} holds.
     */
    public boolean runUntil(BooleanSupplier done, long deadlineNanos) {
        while (!done.getAsBoolean()) {
            if (!step(deadlineNanos)) {
                return done.getAsBoolean();
            }
        }
        return true;
    }

    /** Runs until the network is quiet or simulated time passes {@code deadlineNanos}. */
    public void runUntilQuiet(long deadlineNanos) {
        while (step(deadlineNanos)) {
            // keep going
        }
    }

    /** Advances simulated time by {@code nanos}, running everything due on the way. */
    public void runFor(long nanos) {
        long end = now + nanos;
        runUntilQuiet(end);
        now = Math.max(now, end);
    }

    /**
     * One step: an application thread's turn (whose death is thrown here, as a {@link
     * ThreadFailures.ThreadFailedException}), or a pass over the CPUs that want to run and are not busy; if none made progress,
     * move the clock to the next timer deadline or the next moment a busy CPU that wants to run
     * becomes free, and fire the timers due then. Returns false when there is nothing left to do
     * before the deadline.
     */
    public boolean step(long deadlineNanos) {
        if (applications != null && applications.runOne()) {
            applications.failures().throwIfAny(); // an application thread that died fails the run now
            return true;
        }
        boolean progress = false;
        for (Cpu cpu : order) {
            if (cpu.freeAt <= now && cpu.wantsToRun()) {
                progress |= cpu.runOnce();
                long cost = cpu.lastPassCost();
                if (cost > 0) {
                    cpu.freeAt = now + cost;
                    progress = true;
                }
            }
        }
        if (progress) {
            return true;
        }
        long next = Long.MAX_VALUE;
        Timer first = heap.peek();
        if (first != null) {
            next = first.deadline;
        }
        for (Cpu cpu : order) {
            if (cpu.freeAt > now && cpu.freeAt < next && cpu.wantsToRun()) {
                next = cpu.freeAt;
            }
        }
        if (next == Long.MAX_VALUE || next > deadlineNanos) {
            return false;
        }
        now = Math.max(now, next);
        Timer due;
        while ((due = heap.pollDue(now)) != null) {
            due.action.run();
        }
        return true;
    }
}
