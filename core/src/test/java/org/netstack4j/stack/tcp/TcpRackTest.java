package org.netstack4j.stack.tcp;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RACK (RFC 8985), D-SACK (RFC 2883) and undo, end to end between two connections on a wire of
 * 1 ms each way (RTT 2 ms, RTO 200 ms): segments a test picks are lost, held back or duplicated.
 */
class TcpRackTest {
    private static final long MS = TcpPair.MS;
    private static final long SECOND = 1_000 * MS;

    private static int mss(TcpPair p) {
        return p.client.info().peerMss() - 12; // timestamps on
    }

    /** The client's sequence number of its k-th data segment (its ISS is 1: data starts at 2). */
    private static int seqOf(TcpPair p, int k) {
        return 2 + k * mss(p);
    }

    private static List<Long> copiesOf(TcpPair p, int seq) {
        return p.sent.stream().filter(s -> s.fromClient() && s.length() > 0 && s.seq() == seq)
                .map(TcpPair.Sent::at).toList();
    }

    /**
     * The segment is lost, and so is its first retransmission. Segments sent after the
     * retransmission are SACKed, so RACK knows it is lost a round trip later and sends it again;
     * counting SACKed segments or waiting for the timer (200 ms), as before RACK, cannot.
     */
    @Test
    void aLostRetransmissionIsFoundAndSentAgainWithinRoundTripsNotByTheTimer() {
        try (TcpPair p = TcpConnectionTest.established(new TcpPair(31), 1)) {
            int seq = seqOf(p, 5);
            int[] copies = {0};
            p.drop = s -> s.fromClient() && s.length() > 0 && s.seq() == seq && copies[0]++ < 2;
            int n = 60 * mss(p);
            p.client.write(new byte[n], 0, n, p.now);
            p.runUntil(() -> p.client.info().bytesAcked() == n, 10 * SECOND);

            List<Long> times = copiesOf(p, seq);
            assertThat(times).as("lost, lost again, then delivered").hasSize(3);
            assertThat(times.get(2) - times.get(1)).as("the lost retransmission resent after a few round trips")
                    .isLessThan(10 * MS);
            assertThat(p.events(true, TcpConnection.Event.LOST_RETRANSMIT)).isEqualTo(1);
            assertThat(p.events(true, TcpConnection.Event.TIMEOUT)).as("no timer expired").isZero();
            assertThat(p.client.info().retransmits()).as("only that segment went again").isEqualTo(2);
        }
    }

    /**
     * A segment held back 1.5 ms (less than a round trip) is first taken as lost — no reordering
     * has been seen — and sent again; its original arrives first, so the receiver reports the
     * copy with a D-SACK, and the sender undoes the window reduction and widens its reordering
     * window. Held back again later, 0.8 ms, the segment is waited for: nothing is sent again.
     */
    @Test
    void aNeedlessRetransmissionIsReportedByDsackUndoneAndNotRepeated() {
        try (TcpPair p = TcpConnectionTest.established(new TcpPair(32), 1)) {
            int first = seqOf(p, 3);
            int[] holds = {0};
            long[] holdFor = {1_500_000};
            int[] heldSeq = {first};
            p.hold = s -> s.fromClient() && s.length() > 0 && s.seq() == heldSeq[0] && holds[0]++ == 0 ? holdFor[0] : 0;
            int n = 30 * mss(p);
            p.client.write(new byte[n], 0, n, p.now);
            p.runUntil(() -> p.client.info().bytesAcked() == n, 10 * SECOND);

            assertThat(copiesOf(p, first)).as("sent, then needlessly again").hasSize(2);
            assertThat(p.events(false, TcpConnection.Event.DSACK_SENT)).as("the receiver saw the copy").isEqualTo(1);
            assertThat(p.events(true, TcpConnection.Event.DSACK_RECEIVED)).isEqualTo(1);
            assertThat(p.events(true, TcpConnection.Event.RECOVERY_UNDONE)).isEqualTo(1);
            assertThat(p.client.info().ssthresh()).as("the reduction undone: still slow start")
                    .isEqualTo(Long.MAX_VALUE);

            // Again, held back less than the reordering window now allows (2 x min RTT / 4 = 1 ms).
            long retransmitsBefore = p.client.info().retransmits();
            int second = seqOf(p, 30 + 3);
            heldSeq[0] = second;
            holds[0] = 0;
            holdFor[0] = 800_000;
            p.client.write(new byte[n], 0, n, p.now);
            p.runUntil(() -> p.client.info().bytesAcked() == 2L * n, 10 * SECOND);
            assertThat(holds[0]).as("the segment was held").isPositive();
            assertThat(copiesOf(p, second)).as("waited for, not sent again").hasSize(1);
            assertThat(p.client.info().retransmits()).isEqualTo(retransmitsBefore);
        }
    }

    /** A segment that arrives twice while the receiver holds it out of order is reported by D-SACK. */
    @Test
    void aDuplicateOfOutOfOrderDataIsReportedInTheFirstSackBlock() {
        try (TcpPair p = TcpConnectionTest.established(new TcpPair(33), 1)) {
            int lostSeq = seqOf(p, 1);
            int dupSeq = seqOf(p, 4);
            boolean[] dropped = {false};
            p.drop = s -> s.fromClient() && s.length() > 0 && s.seq() == lostSeq && !dropped[0] && (dropped[0] = true);
            boolean[] duplicated = {false};
            p.duplicate = s -> s.fromClient() && s.length() > 0 && s.seq() == dupSeq && !duplicated[0]
                    && (duplicated[0] = true);
            int n = 8 * mss(p);
            p.client.write(new byte[n], 0, n, p.now);
            p.runUntil(() -> p.client.info().bytesAcked() == n, 10 * SECOND);
            assertThat(dropped[0]).isTrue();
            assertThat(duplicated[0]).isTrue();
            assertThat(p.events(false, TcpConnection.Event.DSACK_SENT)).isEqualTo(1);
            assertThat(p.events(true, TcpConnection.Event.DSACK_RECEIVED)).isEqualTo(1);
            assertThat(p.events(true, TcpConnection.Event.RECOVERY_UNDONE))
                    .as("a network duplicate is no needless retransmission: the real loss stays a loss").isZero();
        }
    }

    /**
     * The peer's window has fallen below a segment (its application stopped reading) when a
     * segment that fitted it is lost. After the timeout the sender goes back and must resend what
     * fits, though it is less than a segment: the silly-window rule is for new data. (Found by
     * the memory-pressure work: the sender sent nothing and timed out after its last retry.)
     */
    @Test
    void afterATimeoutWhatWasSentIsResentEvenIntoAWindowSmallerThanASegment() {
        TcpConfig small = TcpConfig.DEFAULT.toBuilder().buffers(4096, 65_536).build();
        try (TcpPair p = TcpConnectionTest.established(new TcpPair(34, TcpConfig.DEFAULT, small), 1)) {
            int tail = seqOf(p, 2); // after two full segments the 4 KB window has 1,200 bytes left
            int[] dropped = {0};
            p.drop = s -> s.fromClient() && s.length() > 0 && s.seq() == tail && dropped[0]++ < 2; // and the probe
            p.client.write(new byte[10_000], 0, 10_000, p.now);
            p.runUntil(() -> p.server.readable() == 4096, 60 * SECOND);
            assertThat(dropped[0]).isGreaterThanOrEqualTo(2);
            assertThat(p.events(true, TcpConnection.Event.TIMEOUT)).as("recovered by the timer").isPositive();
            assertThat(p.server.readable()).as("the window filled, the lost tail resent").isEqualTo(4096);
            assertThat(p.client.failure()).isNull();
        }
    }
}
