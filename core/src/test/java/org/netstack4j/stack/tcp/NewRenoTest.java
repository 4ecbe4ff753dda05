package org.netstack4j.stack.tcp;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** NewReno's window through slow start, congestion avoidance, a loss recovered fast, and a timeout. */
class NewRenoTest {
    private static final int MSS = 1000;

    @Test
    void theInitialWindowIsTenSegmentsBoundedBy14600Bytes() {
        assertThat(NewReno.initialWindow(1460)).isEqualTo(14_600);
        assertThat(NewReno.initialWindow(536)).isEqualTo(5360);
        assertThat(NewReno.initialWindow(8960)).as("jumbo: two segments").isEqualTo(17_920);
        assertThat(new NewReno(MSS).ssthresh()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void slowStartGrowsByTheBytesAckedUpToOneSegmentPerAck() {
        NewReno cc = new NewReno(MSS);
        cc.onAck(MSS, 1000, 10 * MSS, 0, -1);
        assertThat(cc.cwnd()).isEqualTo(11 * MSS);
        cc.onAck(3 * MSS, 4000, 10 * MSS, 0, -1); // a stretch ACK still adds one SMSS (L = 1)
        assertThat(cc.cwnd()).isEqualTo(12 * MSS);
        cc.onAck(100, 4100, 10 * MSS, 0, -1);
        assertThat(cc.cwnd()).isEqualTo(12 * MSS + 100);
    }

    @Test
    void threeDuplicatesRetransmitAndRecoveryLastsUntilTheRecoveryPoint() {
        NewReno cc = new NewReno(MSS);
        int highestSent = 20_000; // 10 segments outstanding from 10,000
        long flight = 10 * MSS;
        assertThat(cc.onDuplicateAck(flight, highestSent)).isFalse();
        assertThat(cc.onDuplicateAck(flight, highestSent)).isFalse();
        assertThat(cc.onDuplicateAck(flight, highestSent)).as("the third: fast retransmit").isTrue();
        assertThat(cc.inRecovery()).isTrue();
        assertThat(cc.ssthresh()).isEqualTo(5 * MSS);
        assertThat(cc.cwnd()).isEqualTo(8 * MSS);
        assertThat(cc.onDuplicateAck(flight, highestSent)).as("no second retransmit").isFalse();
        assertThat(cc.cwnd()).as("inflated by each further duplicate").isEqualTo(9 * MSS);

        cc.onAck(3 * MSS, 13_000, flight, 0, -1); // partial: the next hole is at 13,000
        assertThat(cc.inRecovery()).isTrue();
        assertThat(cc.cwnd()).as("9 - 3 + 1 segments").isEqualTo(7 * MSS);
        cc.onAck(7 * MSS, 20_000, 7 * MSS, 0, -1); // everything outstanding at the loss
        assertThat(cc.inRecovery()).isFalse();
        assertThat(cc.cwnd()).as("min(ssthresh, max(flight, SMSS) + SMSS)").isEqualTo(2 * MSS);
    }

    @Test
    void congestionAvoidanceAddsOneSegmentPerWindowAcknowledged() {
        NewReno cc = new NewReno(MSS);
        cc.onTimeout(8 * MSS); // ssthresh 4 segments, cwnd 1
        assertThat(cc.cwnd()).isEqualTo(MSS);
        assertThat(cc.ssthresh()).isEqualTo(4 * MSS);
        for (int i = 0; i < 3; i++) {
            cc.onAck(MSS, 0, MSS, 0, -1);
        }
        assertThat(cc.cwnd()).as("slow start up to ssthresh").isEqualTo(4 * MSS);
        for (int i = 0; i < 3; i++) {
            cc.onAck(MSS, 0, 4 * MSS, 0, -1);
        }
        assertThat(cc.cwnd()).as("three quarters of a window: not yet").isEqualTo(4 * MSS);
        cc.onAck(MSS, 0, 4 * MSS, 0, -1);
        assertThat(cc.cwnd()).isEqualTo(5 * MSS);
    }

    @Test
    void aTimeoutLeavesRecoveryWithOneSegmentAndHalfTheFlight() {
        NewReno cc = new NewReno(MSS);
        for (int i = 0; i < 3; i++) {
            cc.onDuplicateAck(10 * MSS, 20_000);
        }
        cc.onTimeout(3 * MSS);
        assertThat(cc.inRecovery()).isFalse();
        assertThat(cc.cwnd()).isEqualTo(MSS);
        assertThat(cc.ssthresh()).as("never below two segments").isEqualTo(2 * MSS);
        assertThat(cc.duplicateAcks()).isZero();
    }
}
