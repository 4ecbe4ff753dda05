package org.netstack4j.stack.tcp;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * CUBIC's window against RFC 9438's formulas. A saturated sender is modelled: each round trip a
 * window's worth of one-segment ACKs comes back, evenly spread, so the window tracks
 * W_cubic(t), the target being W_cubic(t + RTT). Expected values are computed here in double
 * from the RFC's figures, independently of the long arithmetic the class uses.
 */
class CubicTest {
    private static final int MSS = 1000;
    private static final long MS = 1_000_000L;
    private static final long SECOND = 1_000_000_000L;
    private static final double C = 0.4;
    private static final double BETA = 0.7;
    private static final double ALPHA = 3 * (1 - BETA) / (1 + BETA);

    /** RFC 9438 figure 2, in segments and seconds. */
    private static double k(double wMax, double cwndEpoch) {
        return Math.cbrt((wMax - cwndEpoch) / C);
    }

    /** RFC 9438 figure 1, in segments. */
    private static double wCubic(double t, double k, double wMax) {
        return C * Math.pow(t - k, 3) + wMax;
    }

    private static double segments(long bytes) {
        return bytes / (double) MSS;
    }

    /** Slow start from the initial window up to {@code segments}, no loss yet. */
    private static Cubic atWindow(int segments) {
        Cubic cc = new Cubic(MSS);
        while (cc.cwnd() < (long) segments * MSS) {
            cc.onAck(MSS, 0, cc.cwnd(), 0, -1);
        }
        assertThat(cc.cwnd()).isEqualTo((long) segments * MSS);
        return cc;
    }

    /**
     * A loss with a full window outstanding: three duplicates, then the ACK of everything
     * outstanding at the loss, at {@code now}, while recovery sent ssthresh's worth of new data.
     */
    private static void lose(Cubic cc, long now) {
        long flight = cc.cwnd();
        for (int i = 0; i < 3; i++) {
            cc.onDuplicateAck(flight, 1_000_000);
        }
        assertThat(cc.inRecovery()).isTrue();
        cc.onAck(flight, 1_000_000, flight + cc.ssthresh(), now, 100 * MS);
        assertThat(cc.inRecovery()).isFalse();
    }

    /** {@link #lose} without its checks (which allocate). */
    private static void loseQuietly(Cubic cc, long now) {
        long flight = cc.cwnd();
        for (int i = 0; i < 3; i++) {
            cc.onDuplicateAck(flight, 1_000_000);
        }
        cc.onAck(flight, 1_000_000, flight + cc.ssthresh(), now, 100 * MS);
    }

    /** Round trips of {@code rtt} from {@code from} until {@code until}, a window of ACKs each; returns the time. */
    private static long run(CongestionControl cc, long from, long until, long rtt) {
        long now = from;
        while (now < until) {
            long n = Math.max(1, cc.cwnd() / MSS);
            long start = now;
            for (long i = 1; i <= n && now < until; i++) {
                now = Math.min(until, start + rtt * i / n);
                cc.onAck(MSS, 0, cc.cwnd(), now, rtt);
            }
        }
        return now;
    }

    @Test
    void theCurveIsRfc9438sFormula() {
        Cubic cc = atWindow(1000);
        lose(cc, 0);
        cc.onAck(MSS, 0, cc.cwnd(), 0, 100 * MS); // avoidance begins: t_epoch = 0
        double k = k(1000, 700);
        assertThat(cc.kNanos() / (double) SECOND).as("K = cbrt(W_max (1 - beta) / C)").isCloseTo(k, within(1e-6));
        assertThat(k).isCloseTo(Math.cbrt(1000 * (1 - BETA) / C), within(1e-9));
        for (long t = 0; t <= 20 * SECOND; t += 250 * MS) {
            assertThat(segments(cc.window(t))).as("W_cubic(%d ms)", t / MS)
                    .isCloseTo(wCubic(t / (double) SECOND, k, 1000), within(0.25));
        }
    }

    @Test
    void afterALossTheWindowFollowsTheCurveThroughItsPlateau() {
        Cubic cc = atWindow(1000);
        lose(cc, 0);
        assertThat(cc.ssthresh()).as("beta = 0.7").isEqualTo(700L * MSS);
        assertThat(cc.cwnd()).isEqualTo(700L * MSS);
        assertThat(cc.wMax()).isEqualTo(1000L * MSS);
        long rtt = 100 * MS;
        cc.onAck(MSS, 0, cc.cwnd(), 0, rtt);
        double k = k(1000, 700); // 9.09 s
        long now = 0;
        List<Double> perSecond = new ArrayList<>();
        for (double t : new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, k, 10, 11, 12, 13, 14}) {
            now = run(cc, now, Math.round(t * SECOND), rtt);
            assertThat(segments(cc.cwnd())).as("cwnd at t = %.2f s", t).isCloseTo(wCubic(t, k, 1000), within(1.0));
            if (t == Math.rint(t)) {
                perSecond.add(segments(cc.cwnd()));
            }
        }
        assertThat(segments(cc.cwnd())).as("14 s: beyond W_max").isGreaterThan(1010);
        // Concave below W_max, each second adding less; convex beyond it, each adding more.
        List<Double> growth = new ArrayList<>();
        for (int i = 1; i < perSecond.size(); i++) {
            growth.add(perSecond.get(i) - perSecond.get(i - 1));
        }
        assertThat(growth.subList(0, 8)).as("1..9 s: concave").isSortedAccordingTo((a, b) -> Double.compare(b, a));
        assertThat(growth.subList(9, growth.size())).as("10..14 s: convex").isSorted();
        assertThat(growth.get(8)).as("around K: nearly flat").isLessThan(1.0);
    }

    @Test
    void whereRenoWouldGrowFasterTheWindowFollowsWEst() {
        Cubic cc = atWindow(20); // a small window on a short path: Reno's region
        lose(cc, 0);
        long rtt = 10 * MS;
        cc.onAck(MSS, 0, cc.cwnd(), 0, rtt);
        double k = k(20, 14);
        long now = run(cc, 0, 100 * MS, rtt);
        assertThat(segments(cc.cwnd())).as("ten round trips at alpha = 3 (1 - beta) / (1 + beta) a window")
                .isCloseTo(14 + 10 * ALPHA, within(1.0))
                .isGreaterThan(wCubic(0.1, k, 20) + 3);
        assertThat(segments(cc.wEst())).isCloseTo(segments(cc.cwnd()), within(0.01));
        run(cc, now, 300 * MS, rtt);
        double roundsToPrior = (20 - 14) / ALPHA; // then one segment a round trip, as Reno
        assertThat(segments(cc.cwnd())).as("past cwnd_prior: one segment a round trip")
                .isCloseTo(20 + (30 - roundsToPrior), within(1.0));
    }

    @Test
    void fastConvergenceLowersWMaxWhenALossComesBelowTheLast() {
        Cubic cc = atWindow(1000);
        lose(cc, 0);
        long rtt = 100 * MS;
        cc.onAck(MSS, 0, cc.cwnd(), 0, rtt);
        long now = run(cc, 0, SECOND, rtt);
        long atLoss = cc.cwnd();
        assertThat(atLoss).isLessThan(1000L * MSS);
        lose(cc, now);
        assertThat(cc.wMax()).as("W_max = cwnd (1 + beta) / 2").isEqualTo(atLoss * 17 / 20);
        assertThat(cc.ssthresh()).isEqualTo(atLoss * 7 / 10);
        cc.onAck(MSS, 0, cc.cwnd(), now, rtt);
        double wMax = segments(atLoss) * (1 + BETA) / 2;
        double k = k(wMax, segments(cc.ssthresh()));
        assertThat(cc.kNanos() / (double) SECOND).isCloseTo(k, within(1e-3));
        run(cc, now, now + Math.round(k * SECOND), rtt);
        assertThat(segments(cc.cwnd())).as("the plateau is the lowered W_max, not the window at the loss")
                .isCloseTo(wMax, within(1.0)).isLessThan(segments(atLoss) - 50);

        // A loss at or above W_max keeps the whole window.
        now = run(cc, now + Math.round(k * SECOND), now + Math.round(k * SECOND) + 4 * SECOND, rtt);
        long above = cc.cwnd();
        assertThat(above).isGreaterThan(Math.round(wMax * MSS));
        lose(cc, now);
        assertThat(cc.wMax()).isEqualTo(above);
    }

    @Test
    void aTimeoutStartsOverWithTheCurveAtItsPlateau() {
        Cubic cc = atWindow(1000);
        cc.onTimeout(1000L * MSS);
        assertThat(cc.cwnd()).as("loss window").isEqualTo(MSS);
        assertThat(cc.ssthresh()).as("ssthresh by beta_cubic").isEqualTo(700L * MSS);
        assertThat(cc.inRecovery()).isFalse();
        while (cc.cwnd() < cc.ssthresh()) {
            cc.onAck(MSS, 0, cc.cwnd(), 0, -1); // slow start again
        }
        long rtt = 100 * MS;
        cc.onAck(MSS, 0, cc.cwnd(), 0, rtt); // avoidance begins at 700 segments
        assertThat(cc.kNanos()).as("K = 0").isZero();
        assertThat(cc.wMax()).as("W_max = the window avoidance starts with").isEqualTo(700L * MSS);
        long now = run(cc, 0, SECOND, rtt);
        assertThat(segments(cc.cwnd())).as("1 s: the Reno-friendly estimate, above the flat curve")
                .isCloseTo(700 + 10 * ALPHA, within(1.0)).isGreaterThan(wCubic(1, 0, 700) + 3);
        run(cc, now, 6 * SECOND, rtt);
        assertThat(segments(cc.cwnd())).as("6 s: the curve from its plateau, above Reno's 60 round trips")
                .isCloseTo(wCubic(6, 0, 700), within(1.0)).isGreaterThan(700 + 60 * ALPHA + 20);
    }

    @Test
    void slowStartBelowSsthreshAndTheLossReductionHasAFloorOfTwoSegments() {
        Cubic cc = new Cubic(MSS);
        assertThat(cc.cwnd()).as("RFC 6928's initial window").isEqualTo(10L * MSS);
        assertThat(cc.ssthresh()).isEqualTo(Long.MAX_VALUE);
        cc.onAck(MSS, 0, 10L * MSS, 0, -1);
        cc.onAck(2 * MSS, 0, 10L * MSS, 0, -1);
        assertThat(cc.cwnd()).as("one segment an ACK, however much it acknowledges").isEqualTo(12L * MSS);

        // Three duplicates: ssthresh 0.7 of the flight, inflated by the three segments that left.
        assertThat(cc.onDuplicateAck(10L * MSS, 20_000)).isFalse();
        assertThat(cc.onDuplicateAck(10L * MSS, 20_000)).isFalse();
        assertThat(cc.onDuplicateAck(10L * MSS, 20_000)).as("fast retransmit").isTrue();
        assertThat(cc.ssthresh()).isEqualTo(7L * MSS);
        assertThat(cc.cwnd()).isEqualTo(10L * MSS);
        assertThat(cc.onDuplicateAck(10L * MSS, 20_000)).as("no second retransmit").isFalse();
        cc.onAck(3 * MSS, 13_000, 10L * MSS, 0, -1);
        assertThat(cc.inRecovery()).as("a partial ACK keeps recovery").isTrue();
        cc.onAck(7 * MSS, 20_000, 7L * MSS, 0, -1);
        assertThat(cc.inRecovery()).isFalse();
        assertThat(cc.cwnd()).as("deflated to flight + SMSS").isEqualTo(2L * MSS);
        cc.onAck(MSS, 0, 2L * MSS, 0, -1);
        assertThat(cc.cwnd()).as("below ssthresh: slow start").isEqualTo(3L * MSS);

        Cubic small = new Cubic(MSS);
        for (int i = 0; i < 3; i++) {
            small.onDuplicateAck(2L * MSS, 20_000);
        }
        assertThat(small.ssthresh()).as("0.7 of two segments, floored at two").isEqualTo(2L * MSS);
        small.onTimeout(MSS);
        assertThat(small.ssthresh()).isEqualTo(2L * MSS);
        assertThat(small.cwnd()).isEqualTo(MSS);
    }

    @Test
    void anAckAllocatesNothing() {
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(mx instanceof com.sun.management.ThreadMXBean tm
                && tm.isThreadAllocatedMemorySupported(), "this JVM cannot count allocated bytes per thread");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) mx;
        Cubic cc = atWindow(1000);
        long now = 0;
        for (int warm = 0; warm < 3; warm++) { // the JIT; then the same again, measured
            loseQuietly(cc, now);
            now = run(cc, now, now + 20 * SECOND, 100 * MS);
        }
        long me = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(me);
        for (int i = 0; i < 3; i++) {
            loseQuietly(cc, now);
            now = run(cc, now, now + 20 * SECOND, 100 * MS); // some 600,000 ACKs, concave and convex
        }
        long allocated = threads.getThreadAllocatedBytes(me) - before;
        assertThat(cc.cwnd()).as("the window went round its curve").isGreaterThan(1000L * MSS);
        assertThat(allocated).as("bytes allocated over three loss epochs").isLessThan(1024);
    }

    @Test
    void theConfigurationChoosesPerConnectionAndCubicIsTheDefault() {
        assertThat(TcpConfig.DEFAULT.congestionControl()).isEqualTo(CongestionControl.Kind.CUBIC);
        assertThat(CongestionControl.Kind.CUBIC.create(MSS)).isInstanceOf(Cubic.class);
        assertThat(CongestionControl.Kind.NEW_RENO.create(MSS)).isInstanceOf(NewReno.class);
        TcpConfig reno = TcpConfig.DEFAULT.withCongestionControl(CongestionControl.Kind.NEW_RENO);
        assertThat(reno.congestionControl().create(MSS).kind()).isEqualTo(CongestionControl.Kind.NEW_RENO);
        assertThat(reno.toBuilder().build()).isEqualTo(reno);
    }
}
