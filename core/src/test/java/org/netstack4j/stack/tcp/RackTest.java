package org.netstack4j.stack.tcp;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RACK's rules (RFC 8985 6.2) on a crafted log of 1,000-byte segments, times in nanoseconds. A
 * burst sent at one instant is stamped a nanosecond apart (the log keeps send times strictly
 * increasing), so round trips come out up to a few nanoseconds short of the round figure.
 */
class RackTest {
    private static final long US = 1_000;
    private static final long RTT = 10_000 * US; // 10 ms
    private static final int ISS = 7_000;

    private static SentSegments flight(int segments, long at) {
        SentSegments log = new SentSegments();
        for (int k = 0; k < segments; k++) {
            log.sent(ISS + k * 1000, ISS + (k + 1) * 1000, at);
        }
        return log;
    }

    private static int seq(int k) {
        return ISS + k * 1000;
    }

    @Test
    void withoutReorderingAndThreeSegmentsSackedALossIsDeclaredAtOnce() {
        Rack rack = new Rack();
        SentSegments log = flight(6, 0);
        rack.onAck(false, seq(0), seq(6));
        for (int k = 2; k <= 4; k++) {
            log.sack(seq(k), seq(k + 1), rack, RTT);
        }
        rack.onAck(false, seq(0), seq(6));
        assertThat(rack.reorderingWindow(log.sackedSegments(), RTT, false)).isZero();
        long wait = rack.detectLoss(log, RTT, RTT, false);
        assertThat(log.has(0, SentSegments.LOST)).isTrue();
        assertThat(log.has(1, SentSegments.LOST)).isTrue();
        assertThat(log.has(5, SentSegments.LOST)).as("sent after the last delivered: not judged").isFalse();
        assertThat(wait).isZero();
    }

    @Test
    void withFewerSackedTheLossWaitsAQuarterOfTheLeastRoundTrip() {
        Rack rack = new Rack();
        SentSegments log = flight(3, 0);
        log.sack(seq(1), seq(2), rack, RTT);
        rack.onAck(false, seq(0), seq(3));
        long reo = rack.reorderingWindow(log.sackedSegments(), RTT, false);
        assertThat(reo).isBetween(RTT / 4 - 3, RTT / 4);
        long wait = rack.detectLoss(log, RTT, RTT, false);
        assertThat(log.has(0, SentSegments.LOST)).isFalse();
        assertThat(wait).as("the reordering timer: a quarter round trip").isBetween(RTT / 4 - US, RTT / 4);
        rack.detectLoss(log, RTT + RTT / 4, RTT, false);
        assertThat(log.has(0, SentSegments.LOST)).as("time is up").isTrue();
    }

    @Test
    void aSegmentDeliveredBelowWhatAnEarlierAckDeliveredIsReordering() {
        Rack rack = new Rack();
        SentSegments log = flight(4, 0);
        log.sack(seq(2), seq(3), rack, RTT);
        log.acknowledge(seq(1), rack, RTT); // the same ACK: no reordering
        rack.onAck(false, seq(1), seq(4));
        assertThat(rack.reorderingSeen()).isFalse();
        log.acknowledge(seq(2), rack, RTT + US); // a later ACK delivers what was sent once, below seq(3)
        rack.onAck(false, seq(2), seq(4));
        assertThat(rack.reorderingSeen()).isTrue();
        assertThat(rack.reorderingWindow(3, RTT, true)).as("now even in recovery there is a window").isBetween(RTT / 4 - 3, RTT / 4);
    }

    @Test
    void aRetransmissionIsLostWhenNewDataSentAfterItIsDelivered() {
        Rack rack = new Rack();
        SentSegments log = flight(4, 0);
        for (int k = 1; k < 4; k++) {
            log.sack(seq(k), seq(k + 1), rack, RTT);
        }
        rack.onAck(false, seq(0), seq(4));
        rack.detectLoss(log, RTT, RTT, false);
        assertThat(log.has(0, SentSegments.LOST)).isTrue();
        log.sent(seq(0), seq(1), RTT);          // the hole again
        log.sent(seq(4), seq(5), RTT);          // new data just after it
        log.sack(seq(4), seq(5), rack, 2 * RTT); // the new data arrives; the retransmission does not
        rack.onAck(false, seq(0), seq(5));
        rack.detectLoss(log, 2 * RTT, RTT, true);
        assertThat(log.has(0, SentSegments.LOST)).as("the retransmission is lost too").isTrue();
        assertThat(rack.takeLostRetransmits()).isEqualTo(1);
        assertThat(rack.takeLostRetransmits()).isZero();
    }

    @Test
    void aDeliveryQuickerThanAnyRoundTripIsNotTakenAsTheRetransmissions() {
        Rack rack = new Rack();
        SentSegments log = flight(2, 0);
        log.sack(seq(1), seq(2), rack, RTT);
        rack.onAck(false, seq(0), seq(2));
        log.sent(seq(0), seq(1), RTT + 100 * US);
        log.acknowledge(seq(2), rack, RTT + 200 * US); // the original's ACK, 0.1 ms after the resend
        assertThat(rack.minRttNanos()).as("no 0.1 ms sample").isBetween(RTT - 3, RTT);
    }

    @Test
    void eachRoundWithADsackWidensTheWindowAndSixteenRecoveriesWithoutNarrowIt() {
        Rack rack = new Rack();
        SentSegments log = flight(2, 0);
        log.sack(seq(1), seq(2), rack, RTT);
        rack.onAck(false, seq(0), seq(2));
        assertThat(rack.reoWndMult()).isEqualTo(1);
        rack.onAck(true, seq(0), seq(2));
        rack.onAck(true, seq(1), seq(2)); // same round (SND.UNA below the round's end): no second step
        assertThat(rack.reoWndMult()).isEqualTo(2);
        assertThat(rack.reorderingSeen()).as("a needless copy means the original was late").isTrue();
        rack.onAck(true, seq(2), seq(3)); // a new round
        assertThat(rack.reoWndMult()).isEqualTo(3);
        assertThat(rack.reorderingWindow(0, RTT, false)).as("3 x RTT / 4").isBetween(3 * RTT / 4 - 3, 3 * RTT / 4);
        assertThat(rack.reorderingWindow(0, RTT / 2, false)).as("at most SRTT").isEqualTo(RTT / 2);
        for (int i = 0; i < 15; i++) {
            rack.onRecoveryEnd();
        }
        assertThat(rack.reoWndMult()).isEqualTo(3);
        rack.onRecoveryEnd();
        assertThat(rack.reoWndMult()).isEqualTo(1);
    }
}
