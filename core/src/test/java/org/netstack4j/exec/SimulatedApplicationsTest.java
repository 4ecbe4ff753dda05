package org.netstack4j.exec;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SimulatedApplicationsTest {

    /** Ten threads that sleep for different simulated times interleave the same way on every run. */
    private static List<String> runOnce() {
        Simulation sim = new Simulation();
        SimulatedApplications apps = new SimulatedApplications(sim);
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 10; i++) {
            int id = i;
            apps.start("app-" + i, () -> {
                for (int step = 0; step < 3; step++) {
                    apps.block(sim.nanos() + (10 - id) * 1_000L);
                    log.add(id + "@" + sim.nanos());
                }
            });
        }
        assertThat(sim.runUntil(apps::allFinished, Long.MAX_VALUE)).isTrue(); // throws if a thread died
        return log;
    }

    @Test
    void applicationThreadsRunOneAtATimeInSimulatedTimeDeterministically() {
        List<String> first = runOnce();
        assertThat(first).hasSize(30);
        assertThat(first.get(0)).isEqualTo("9@1000");
        assertThat(first).contains("0@30000");
        for (int i = 0; i < 5; i++) {
            assertThat(runOnce()).isEqualTo(first);
        }
    }

    @Test
    void aWakeFromTheLoopRunsTheBlockedThread() {
        Simulation sim = new Simulation();
        SimulatedApplications apps = new SimulatedApplications(sim);
        Cpu cpu = new Cpu("loop");
        sim.add(cpu);
        long[] mailbox = new long[1];
        Thread[] waiter = new Thread[1];
        Job deliver = cpu.newJob("deliver", () -> {
            mailbox[0] = sim.nanos();
            apps.wake(waiter[0]);
            return Job.Result.DONE;
        });
        Timer later = sim.newTimer("later", deliver::schedule);
        long[] seen = new long[1];
        waiter[0] = apps.start("reader", () -> {
            later.arm(5_000);
            while (mailbox[0] == 0) {
                apps.block(Long.MAX_VALUE);
            }
            seen[0] = sim.nanos();
        });
        assertThat(sim.runUntil(apps::allFinished, 1_000_000)).isTrue();
        assertThat(seen[0]).isEqualTo(5_000);
    }
}
