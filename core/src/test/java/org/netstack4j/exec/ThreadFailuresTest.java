package org.netstack4j.exec;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Whatever thread a run started, its death reaches whoever checks the run, with its cause. */
class ThreadFailuresTest {

    private static AssertionError planted(String what) {
        return new AssertionError("planted in " + what);
    }

    @Test
    void anApplicationThreadThatDiesInSimulatedTimeFailsTheNextStep() {
        Simulation sim = new Simulation();
        SimulatedApplications apps = new SimulatedApplications(sim);
        apps.start("dies", () -> {
            apps.block(sim.nanos() + 1_000);
            throw planted("dies");
        });
        apps.start("lives", () -> apps.block(sim.nanos() + 5_000));
        assertThatThrownBy(() -> sim.runUntil(apps::allFinished, 1_000_000))
                .isInstanceOf(ThreadFailures.ThreadFailedException.class)
                .hasMessageContaining("thread dies died")
                .cause().isInstanceOf(AssertionError.class).hasMessage("planted in dies");
        assertThat(sim.nanos()).isEqualTo(1_000); // thrown at once, not at the end of the run
        // Thrown once: the rest of the run goes on.
        assertThat(sim.runUntil(apps::allFinished, 1_000_000)).isTrue();
        assertThat(apps.failures().any()).isFalse();
    }

    @Test
    void anApplicationThreadThatDiesInRealTimeIsRecordedWithTheOthersSuppressed() throws Exception {
        Applications apps = Applications.real();
        Thread a = apps.start("first", () -> {
            throw planted("first");
        });
        a.join();
        Thread b = apps.start("second", () -> {
            throw new IllegalStateException("second");
        });
        b.join();
        Thread ok = apps.start("fine", () -> { });
        ok.join();
        assertThat(apps.failures().any()).isTrue();
        assertThatThrownBy(() -> apps.failures().throwIfAny())
                .isInstanceOfSatisfying(ThreadFailures.ThreadFailedException.class, e -> {
                    assertThat(e.thread()).isEqualTo("first");
                    assertThat(e.getCause()).hasMessage("planted in first");
                    assertThat(e.getSuppressed()).singleElement()
                            .satisfies(s -> assertThat(s.getCause()).isInstanceOf(IllegalStateException.class));
                });
        apps.failures().throwIfAny(); // nothing left: returns
        assertThat(Applications.real().failures()).isNotSameAs(apps.failures());
    }

    @Test
    void aCpuThreadWhoseJobThrowsRecordsWhyItStopped() throws Exception {
        Cpu cpu = new Cpu("victim");
        ThreadFailures failures = new ThreadFailures();
        Job bad = cpu.newJob("bad", () -> {
            throw planted("a job");
        });
        try (CpuThread t = new CpuThread(cpu, failures)) {
            bad.schedule();
            t.thread().join(10_000);
            assertThat(t.thread().isAlive()).isFalse();
        }
        assertThatThrownBy(failures::throwIfAny)
                .hasMessageContaining("cpu-victim")
                .cause().hasMessage("planted in a job");
    }

    @Test
    void aTimerActionThatThrowsIsRecordedAndLaterTimersStillFire() throws Exception {
        ThreadFailures failures = new ThreadFailures();
        CountDownLatch later = new CountDownLatch(1);
        try (RealTimeline timeline = new RealTimeline(failures)) {
            Timer bad = timeline.newTimer("bad", () -> {
                throw planted("a timer");
            });
            Timer good = timeline.newTimer("good", later::countDown);
            bad.armAfter(1_000_000);
            good.armAfter(20_000_000);
            assertThat(later.await(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThatThrownBy(failures::throwIfAny)
                .hasMessageContaining("(bad)")
                .cause().hasMessage("planted in a timer");
    }
}
