package org.netstack4j.exec;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class TimerWheelTest {
    private static final long MS = 1_000_000L;

    /** An entry that records when it fired. */
    private static final class Probe extends TimerWheel.Entry {
        final int id;
        final List<Probe> log;
        long deadline = -1;
        long firedAt = -1;
        Runnable onExpire = () -> { };

        Probe(int id, List<Probe> log) {
            this.id = id;
            this.log = log;
        }

        @Override
        protected void expire(long nowNanos) {
            firedAt = nowNanos;
            log.add(this);
            onExpire.run();
        }
    }

    /** Drives the wheel as its owner does: the timeline timer at each next tick, until {@code until}. */
    private static long runUntil(TimerWheel wheel, long now, long until) {
        while (true) {
            long next = wheel.nextTick();
            if (next < 0 || TimerWheel.timeOf(next) > until) {
                wheel.advance(until);
                return until;
            }
            now = Math.max(now, TimerWheel.timeOf(next));
            wheel.advance(now);
        }
    }

    @Test
    void firesEachEntryOnceNeverEarlyAndWithinATick() {
        for (long seed = 1; seed <= 40; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            long start = r.nextLong(1L << 40); // anywhere on the clock, not at a turn's start
            TimerWheel wheel = new TimerWheel(start);
            List<Probe> log = new ArrayList<>();
            List<Probe> probes = new ArrayList<>();
            long now = start;
            for (int round = 0; round < 30; round++) {
                for (int i = 0; i < 40; i++) {
                    Probe p = new Probe(probes.size(), log);
                    // From due at once to hours ahead: every level of the wheel.
                    long delay = switch (r.nextInt(5)) {
                        case 0 -> r.nextLong(2 * MS);
                        case 1 -> r.nextLong(70 * MS);
                        case 2 -> r.nextLong(5_000 * MS);
                        case 3 -> r.nextLong(300_000 * MS);
                        default -> r.nextLong(7_200_000 * MS);
                    };
                    p.deadline = now + delay;
                    wheel.arm(p, p.deadline);
                    probes.add(p);
                }
                for (Probe p : probes) {
                    if (p.armed() && r.nextInt(6) == 0) {
                        if (r.nextBoolean()) {
                            wheel.cancel(p);
                            p.deadline = -1;
                        } else {
                            p.deadline = now + r.nextLong(100_000 * MS);
                            wheel.arm(p, p.deadline); // moved
                        }
                    }
                }
                now = runUntil(wheel, now, now + r.nextLong(3_000_000 * MS));
            }
            now = runUntil(wheel, now, now + (1L << 50));
            assertThat(wheel.size()).isZero();
            assertThat(wheel.nextTick()).isEqualTo(-1);
            for (Probe p : probes) {
                if (p.deadline < 0) {
                    assertThat(p.firedAt).as("cancelled %d never fires", p.id).isEqualTo(-1);
                } else {
                    assertThat(p.firedAt).as("probe %d (seed %d)", p.id, seed).isGreaterThanOrEqualTo(p.deadline)
                            .isLessThan(p.deadline + 2 * (1L << TimerWheel.TICK_SHIFT));
                }
            }
            assertThat(log).doesNotHaveDuplicates();
            assertThat(log.size()).isEqualTo(probes.stream().filter(p -> p.deadline >= 0).count());
            for (int i = 1; i < log.size(); i++) {
                // In deadline order, give or take the tick a timer due at once waits for.
                assertThat(TimerWheel.tickOf(log.get(i).deadline) + 1)
                        .as("fired in deadline order").isGreaterThanOrEqualTo(TimerWheel.tickOf(log.get(i - 1).deadline));
            }
        }
    }

    @Test
    void oneSlotFiresInArmingOrder() {
        TimerWheel wheel = new TimerWheel(0);
        List<Probe> log = new ArrayList<>();
        List<Probe> armed = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Probe p = new Probe(i, log);
            wheel.arm(p, 5_000 * MS + i); // one tick, far enough to come down two levels
            armed.add(p);
        }
        runUntil(wheel, 0, 6_000 * MS);
        assertThat(log).containsExactlyElementsOf(armed);
    }

    @Test
    void anEntryCanReArmItselfAndOthersWhileFiring() {
        TimerWheel wheel = new TimerWheel(0);
        List<Probe> log = new ArrayList<>();
        Probe a = new Probe(0, log);
        Probe b = new Probe(1, log);
        Probe c = new Probe(2, log);
        int[] rounds = {0};
        a.onExpire = () -> {
            if (++rounds[0] < 5) {
                wheel.arm(a, a.firedAt); // due at once: it must wait for the next tick, not loop
            }
            wheel.cancel(b);
        };
        wheel.arm(a, 10 * MS);
        wheel.arm(b, 10 * MS);
        wheel.arm(c, 10 * MS);
        runUntil(wheel, 0, 100 * MS);
        assertThat(log).extracting(p -> p.id).containsExactly(0, 2, 0, 0, 0, 0);
        assertThat(b.firedAt).isEqualTo(-1);
    }

    @Test
    void farFutureEntriesWaitPastTheTopTurn() {
        long start = (1L << (TimerWheel.TICK_SHIFT + 36)) - 5 * MS; // near the end of the top level's turn
        TimerWheel wheel = new TimerWheel(start);
        List<Probe> log = new ArrayList<>();
        Probe far = new Probe(0, log);
        long deadline = start + (3L << (TimerWheel.TICK_SHIFT + 36)); // three turns ahead: about six years
        wheel.arm(far, deadline);
        Probe near = new Probe(1, log);
        wheel.arm(near, start + 10 * MS);
        long now = runUntil(wheel, start, deadline - 1);
        assertThat(log).containsExactly(near);
        runUntil(wheel, now, deadline + 10 * MS);
        assertThat(log).containsExactly(near, far);
        assertThat(far.firedAt).isGreaterThanOrEqualTo(deadline);
    }

    @Test
    void idleStretchesAreSkippedNotWalked() {
        TimerWheel wheel = new TimerWheel(0);
        List<Probe> log = new ArrayList<>();
        Probe p = new Probe(0, log);
        wheel.arm(p, 7_200_000 * MS); // two hours: keepalive's default
        int steps = 0;
        long now = 0;
        while (wheel.size() > 0) {
            now = TimerWheel.timeOf(wheel.nextTick());
            wheel.advance(now);
            steps++;
        }
        assertThat(steps).as("one stop per level it comes down, not one per tick").isLessThanOrEqualTo(6);
        assertThat(p.firedAt).isEqualTo(now).isGreaterThanOrEqualTo(7_200_000 * MS);
    }
}
