package org.netstack4j.exec;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class SimulationTest {

    @Test
    void timersFireInDeadlineOrderThenArmingOrder() {
        Simulation sim = new Simulation();
        List<String> fired = new ArrayList<>();
        Timer late = sim.newTimer("late", () -> fired.add("late@" + sim.nanos()));
        Timer first = sim.newTimer("first", () -> fired.add("first@" + sim.nanos()));
        Timer second = sim.newTimer("second", () -> fired.add("second@" + sim.nanos()));
        Timer cancelled = sim.newTimer("cancelled", () -> fired.add("cancelled"));
        late.arm(300);
        first.arm(100);
        second.arm(100);
        cancelled.arm(50);
        cancelled.cancel();
        first.arm(100); // re-arming moves it behind 'second', armed earlier for the same instant
        sim.runUntilQuiet(Long.MAX_VALUE);
        assertThat(fired).containsExactly("second@100", "first@100", "late@300");
        assertThat(sim.nanos()).isEqualTo(300);
    }

    @Test
    void interruptsRunBeforeJobsAndBetweenThem() {
        Simulation sim = new Simulation();
        Cpu cpu = new Cpu("cpu");
        sim.add(cpu);
        List<String> order = new ArrayList<>();
        Irq irq = cpu.newIrq("eth0");
        irq.request(() -> {
            order.add("isr");
            irq.level(false);
        });
        Job first = cpu.newJob("first", () -> {
            order.add("first");
            irq.level(true); // a device interrupts while the job runs
            return Job.Result.DONE;
        });
        Job second = cpu.newJob("second", () -> {
            order.add("second");
            return Job.Result.DONE;
        });
        first.schedule();
        second.schedule();
        irq.level(true);
        sim.runUntilQuiet(Long.MAX_VALUE);
        assertThat(order).containsExactly("isr", "first", "isr", "second");
        assertThat(cpu.interruptsTaken()).isEqualTo(2);
    }

    @Test
    void spinningJobsDoNotStopTimeFromAdvancing() {
        Simulation sim = new Simulation();
        Cpu cpu = new Cpu("cpu");
        sim.add(cpu);
        AtomicInteger found = new AtomicInteger();
        AtomicInteger mailbox = new AtomicInteger();
        Job poller = cpu.newJob("poll", () -> {
            int n = mailbox.getAndSet(0);
            found.addAndGet(n);
            return n > 0 ? Job.Result.MORE : Job.Result.SPIN;
        });
        poller.schedule();
        Timer deliver = sim.newTimer("deliver", () -> mailbox.incrementAndGet());
        deliver.arm(1_000);
        boolean done = sim.runUntil(() -> found.get() == 1, 10_000);
        assertThat(done).isTrue();
        assertThat(sim.nanos()).isEqualTo(1_000);
    }

    @Test
    void aHighLineWithoutHandlerIsIgnored() {
        Cpu cpu = new Cpu("cpu");
        Irq irq = cpu.newIrq("nobody");
        irq.level(true);
        assertThat(cpu.wantsToRun()).isFalse();
        irq.request(() -> irq.level(false));
        assertThat(cpu.wantsToRun()).isTrue();
        cpu.runOnce();
        assertThat(irq.taken()).isEqualTo(1);
        irq.free();
        irq.level(true);
        assertThat(cpu.wantsToRun()).isFalse();
    }

    @Test
    void cpuThreadSleepsUntilWokenAndStopsCleanly() throws Exception {
        Cpu cpu = new Cpu("real");
        java.util.concurrent.Semaphore ran = new java.util.concurrent.Semaphore(0);
        Job job = cpu.newJob("job", () -> {
            ran.release();
            return Job.Result.DONE;
        });
        try (CpuThread thread = new CpuThread(cpu)) {
            for (int i = 0; i < 3; i++) {
                // Each schedule after the previous run began (the CPU clears "scheduled" before
                // the body), so none of the three can be folded into another however late the
                // thread wakes.
                job.schedule();
                assertThat(ran.tryAcquire(5, TimeUnit.SECONDS)).as("run %d", i + 1).isTrue();
            }
            assertThat(thread.thread().isAlive()).isTrue();
        }
        assertThat(job.runs()).isEqualTo(3);
    }

    @Test
    void realTimelineFiresTimersOnItsThread() throws Exception {
        try (RealTimeline timeline = new RealTimeline()) {
            CountDownLatch fired = new CountDownLatch(1);
            long[] at = new long[1];
            Timer t = timeline.newTimer("t", () -> {
                at[0] = timeline.nanos();
                fired.countDown();
            });
            long start = timeline.nanos();
            t.armAfter(2_000_000);
            assertThat(fired.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(at[0] - start).isGreaterThanOrEqualTo(2_000_000);
        }
    }
}
