package org.netstack4j.exec;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The cost model: charged work keeps a simulated CPU busy, interrupts included. */
class CpuCostTest {

    private static CostModel interruptCosts(long nanos) {
        return CostModel.FREE.with(Work.INTERRUPT, nanos);
    }

    @Test
    void chargedJobKeepsTheCpuBusyAndDefersInterruptsUntilItEnds() {
        Simulation sim = new Simulation();
        Cpu cpu = new Cpu("cpu");
        cpu.setCosts(interruptCosts(1_000));
        sim.add(cpu);
        List<String> log = new ArrayList<>();
        Irq irq = cpu.newIrq("eth0");
        irq.request(() -> {
            log.add("isr@" + sim.nanos());
            irq.level(false);
        });
        Job work = cpu.newJob("work", () -> {
            log.add("work@" + sim.nanos());
            cpu.charge(10_000);
            return Job.Result.DONE;
        });
        Job after = cpu.newJob("after", () -> {
            log.add("after@" + sim.nanos());
            return Job.Result.DONE;
        });
        sim.newTimer("raise", () -> irq.level(true)).arm(2_000); // while 'work' runs
        work.schedule();
        after.schedule();

        sim.runUntilQuiet(Long.MAX_VALUE);

        // The interrupt waits for the job; the next job waits for the handler's entry and exit.
        assertThat(log).containsExactly("work@0", "isr@10000", "after@11000");
        assertThat(cpu.jobNanos()).isEqualTo(10_000);
        assertThat(cpu.interruptNanos()).isEqualTo(1_000);
        assertThat(sim.nanos()).isEqualTo(11_000);
    }

    @Test
    void busyJobsTakeTurnsInsteadOfStarvingEachOther() {
        Simulation sim = new Simulation();
        Cpu cpu = new Cpu("cpu");
        sim.add(cpu);
        List<String> log = new ArrayList<>();
        AtomicInteger left = new AtomicInteger(6);
        for (String name : List.of("a", "b", "c")) {
            cpu.newJob(name, () -> {
                log.add(name + "@" + sim.nanos());
                cpu.charge(100);
                return left.decrementAndGet() > 0 ? Job.Result.MORE : Job.Result.DONE;
            }).schedule();
        }
        sim.runUntil(() -> left.get() <= 0, 1_000_000);
        assertThat(log).containsExactly("a@0", "b@100", "c@200", "a@300", "b@400", "c@500");
    }

    @Test
    void aCpuWithAJobScheduledIsNeverIdle() {
        // A pass that reaches the end of the job list goes round to its start: time must not
        // jump to a far timer while a job is still scheduled.
        Simulation sim = new Simulation();
        Cpu cpu = new Cpu("cpu");
        sim.add(cpu);
        AtomicInteger runs = new AtomicInteger();
        cpu.newJob("poll", () -> {
            cpu.charge(10);
            return runs.incrementAndGet() < 100 ? Job.Result.MORE : Job.Result.DONE;
        }).schedule();
        cpu.newJob("last", () -> {
            cpu.charge(1);
            return Job.Result.DONE;
        }).schedule();
        sim.newTimer("far", () -> { }).arm(1_000_000);
        sim.runUntil(() -> runs.get() == 100, 10_000_000);
        assertThat(sim.nanos()).isEqualTo(99 * 10 + 1);
        assertThat(cpu.jobNanos()).isEqualTo(100 * 10 + 1);
    }

    @Test
    void interruptsArrivingFasterThanTheHandlerFinishesStarveTheJobs() {
        // The livelock in miniature: each interrupt costs 6 µs; arrivals every 5 µs never let the
        // job in, arrivals every 10 µs leave it room.
        assertThat(jobRunsUnderInterrupts(5_000)).isZero();
        assertThat(jobRunsUnderInterrupts(10_000)).isGreaterThan(50);
    }

    private static long jobRunsUnderInterrupts(long periodNanos) {
        Simulation sim = new Simulation();
        Cpu cpu = new Cpu("cpu");
        cpu.setCosts(interruptCosts(6_000));
        sim.add(cpu);
        Irq irq = cpu.newIrq("eth0");
        irq.request(() -> irq.level(false));
        Job job = cpu.newJob("forward", () -> {
            cpu.charge(1_000);
            return Job.Result.MORE;
        });
        Timer[] tick = new Timer[1];
        tick[0] = sim.newTimer("arrival", () -> {
            irq.level(true);
            tick[0].armAfter(periodNanos);
        });
        tick[0].arm(0);
        sim.runFor(1_000_000);
        job.schedule();
        long before = job.runs();
        sim.runFor(1_000_000);
        return job.runs() - before;
    }

    @Test
    void aSpinningJobNeverKeepsACostedCpuFromSleepingThroughTime() {
        Simulation sim = new Simulation();
        Cpu cpu = new Cpu("cpu");
        cpu.setCosts(CostModel.TYPICAL);
        sim.add(cpu);
        AtomicInteger mailbox = new AtomicInteger();
        AtomicInteger found = new AtomicInteger();
        cpu.newJob("poll", () -> {
            int n = mailbox.getAndSet(0);
            if (n == 0) {
                return Job.Result.SPIN;
            }
            cpu.charge(Work.POLL);
            found.addAndGet(n);
            return Job.Result.MORE;
        }).schedule();
        sim.newTimer("deliver", mailbox::incrementAndGet).arm(1_000_000);
        assertThat(sim.runUntil(() -> found.get() == 1, 10_000_000)).isTrue();
        assertThat(sim.nanos()).isEqualTo(1_000_000);
        assertThat(cpu.jobNanos()).isEqualTo(500);
    }

    @Test
    void freeWorkChargesNothingAndPricesAreChecked() {
        Cpu cpu = new Cpu("cpu");
        cpu.charge(Work.FORWARD);
        assertThat(cpu.costs().isFree()).isTrue();
        assertThat(cpu.lastPassCost()).isZero();
        assertThat(CostModel.TYPICAL.nanos(Work.INTERRUPT)).isEqualTo(4_000);
        assertThat(CostModel.TYPICAL.asMap()).hasSize(Work.values().length);
        assertThatThrownBy(() -> new CostModel(-1, 0, 0, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
