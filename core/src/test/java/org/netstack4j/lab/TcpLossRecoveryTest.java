package org.netstack4j.lab;

import org.junit.jupiter.api.Test;
import org.netstack4j.stack.tcp.TcpConfig;

import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Loss recovery compared, same seeds: the default (SACK with RACK, CUBIC) against NewReno without
 * SACK, at 1 %, 5 % and 20 % loss each way and with reordering, over a 100 Mbit/s link with a
 * 10 ms round trip ({@link TcpLossRig}). Prints the table (time to move the bytes, timeouts,
 * retransmissions) for the 10 MB per transfer ({@code -Dnetstack4j.lossBytes=N} for
 * another size). Every transfer completes, a seed gives the same figures every time, and where
 * loss is heavy (5 % and 20 %) the default needs fewer timeouts and less time.
 */
class TcpLossRecoveryTest {
    private static final long BYTES = Long.getLong("netstack4j.lossBytes", 10L << 20);

    @Test
    void everyTransferCompletesAndTheTableIsReproducible() throws Exception {
        TcpConfig sack = TcpLossRig.Recovery.SACK_RACK_CUBIC.tcp();
        TcpConfig plain = TcpLossRig.Recovery.NEWRENO_NO_SACK.tcp();
        double[][] cases = {{0.01, 0}, {0.05, 0}, {0.20, 0}, {0.01, 0.05}};
        long timeouts = 0;
        double[] secondsWithSack = new double[cases.length];
        double[] secondsPlain = new double[cases.length];
        long[] timeoutsWithSack = new long[cases.length];
        long[] timeoutsPlain = new long[cases.length];
        int row = 0;
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
                "%,d bytes, 100 Mbit/s, 10 ms RTT, loss each way%n%-16s %-22s %9s %9s %8s %8s%n", BYTES, "loss / reorder",
                "recovery", "seconds", "Mbit/s", "timeouts", "retrans"));
        for (double[] c : cases) {
            for (boolean withSack : new boolean[] {true, false}) {
                TcpLossRig.Outcome o = TcpLossRig.transfer(7, BYTES, c[0], c[1], withSack ? sack : plain);
                assertThat(o.seconds()).isPositive();
                assertThat(o.poolsFull()).as("every buffer back").isTrue();
                timeouts += o.timeouts();
                (withSack ? secondsWithSack : secondsPlain)[row] = o.seconds();
                (withSack ? timeoutsWithSack : timeoutsPlain)[row] = o.timeouts();
                table.append(String.format(Locale.ROOT, "%-16s %-22s %9.2f %9.2f %8d %8d%n",
                        String.format(Locale.ROOT, "%.0f %% / %.0f %%", 100 * c[0], 100 * c[1]),
                        (withSack ? TcpLossRig.Recovery.SACK_RACK_CUBIC : TcpLossRig.Recovery.NEWRENO_NO_SACK).label(), o.seconds(), o.mbitPerSecond(), o.timeouts(),
                        o.retransmitted()));
            }
            row++;
        }
        System.out.print(table);
        for (int heavy : new int[] {1, 2}) { // 5 % and 20 %
            assertThat(timeoutsWithSack[heavy]).as("timeouts, case %d", heavy).isLessThan(timeoutsPlain[heavy]);
            assertThat(secondsWithSack[heavy]).as("seconds, case %d", heavy).isLessThan(secondsPlain[heavy]);
        }
        assertThat(timeouts).as("at 5 and 20 % loss, some losses are found only by the timer").isPositive();
        assertThat(TcpLossRig.transfer(7, BYTES, 0.05, 0, sack)).as("the same seed, the same transfer")
                .isEqualTo(TcpLossRig.transfer(7, BYTES, 0.05, 0, sack));
    }
}
