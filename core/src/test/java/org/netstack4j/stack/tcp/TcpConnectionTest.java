package org.netstack4j.stack.tcp;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.stack.tcp.TcpPair.MS;
import static org.netstack4j.wire.TcpSegment.ACK;
import static org.netstack4j.wire.TcpSegment.FIN;
import static org.netstack4j.wire.TcpSegment.RST;
import static org.netstack4j.wire.TcpSegment.SYN;

/** One connection's mechanisms, each driven through a wire of crafted faults, with no host. */
class TcpConnectionTest {
    private static final long SECOND = 1000 * MS;

    private static byte[] pattern(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    static TcpPair established(TcpPair p, int iss) {
        p.connect(iss);
        p.runUntil(() -> p.server != null && p.server.state() == TcpState.ESTABLISHED
                && p.client.state() == TcpState.ESTABLISHED, 60 * SECOND);
        return p;
    }

    /**
     * Writes {@code data} from one side, shuts its output, and reads on the other until end of
     * stream; returns what arrived. The reader reads only when {@code reading} says so.
     */
    private static byte[] send(TcpPair p, boolean fromClient, byte[] data, long limitNanos) {
        TcpConnection writer = fromClient ? p.client : p.server;
        TcpConnection reader = fromClient ? p.server : p.client;
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int[] written = {0};
        p.runUntil(() -> {
            while (written[0] < data.length && writer.writable() > 0) {
                written[0] += writer.write(data, written[0], data.length - written[0], p.now);
            }
            if (written[0] == data.length) {
                writer.shutdownOutput(p.now);
            }
            int n;
            while ((n = reader.read(buf, 0, buf.length, p.now)) > 0) {
                got.write(buf, 0, n);
            }
            return reader.endOfStream() || reader.state() == TcpState.CLOSED;
        }, limitNanos);
        return got.toByteArray();
    }

    @Test
    void theHandshakeNegotiatesEveryOptionBothSidesOffer() {
        try (TcpPair p = established(new TcpPair(1), 1000)) {
            for (TcpConnection c : List.of(p.client, p.server)) {
                TcpConnection.Info i = c.info();
                assertThat(i.timestamps()).isTrue();
                assertThat(i.sack()).isTrue();
                assertThat(i.peerMss()).isEqualTo(1460);
                assertThat(i.sendShift()).as("256 KB needs a shift of 3").isEqualTo(3);
            }
            List<TcpPair.Sent> handshake = p.sent.subList(0, 3);
            assertThat(handshake).extracting(TcpPair.Sent::flags).containsExactly(SYN, SYN | ACK, ACK);
            assertThat(handshake.get(1).ack()).isEqualTo(1001);
            assertThat(handshake.get(2).ack()).isEqualTo(p.serverIss + 1);
            assertThat(p.client.holdsBuffers() || p.server.holdsBuffers()).as("idle: no buffer memory").isFalse();
        }
    }

    @Test
    void withoutOptionsTheDefaultsHold() {
        TcpConfig plain = TcpConfig.DEFAULT.withOptions(false, false, false);
        try (TcpPair p = established(new TcpPair(2, TcpConfig.DEFAULT, plain), 1)) {
            TcpConnection.Info i = p.client.info();
            assertThat(i.timestamps()).isFalse();
            assertThat(i.sack()).isFalse();
            assertThat(i.sendShift()).isZero();
            assertThat(p.server.info().receiveShift()).isZero();
            byte[] data = pattern(300_000, 2);
            assertThat(send(p, true, data, 60 * SECOND)).isEqualTo(data);
        }
    }

    @Test
    void aMegabyteCrossesACleanWireByteExactAndBothSidesCloseThroughTimeWait() throws Exception {
        try (TcpPair p = established(new TcpPair(3), 7)) {
            byte[] data = pattern(1 << 20, 3);
            assertThat(send(p, true, data, 60 * SECOND)).isEqualTo(data);
            p.runUntil(() -> p.client.state() == TcpState.FIN_WAIT_2, SECOND);
            assertThat(p.client.info().retransmits()).isZero();
            assertThat(p.client.info().bytesAcked()).isEqualTo(data.length);
            assertThat(p.server.state()).isEqualTo(TcpState.CLOSE_WAIT);
            // The server answers in the other direction, then closes: the client waits 2 MSL.
            byte[] reply = pattern(10_000, 4);
            assertThat(send(p, false, reply, 60 * SECOND)).isEqualTo(reply);
            p.runUntil(() -> p.server.state() == TcpState.CLOSED, 10 * SECOND);
            assertThat(p.client.state()).isEqualTo(TcpState.TIME_WAIT);
            long closedAt = p.now;
            p.runUntil(() -> p.client.state() == TcpState.CLOSED, 120 * SECOND);
            assertThat(p.now - closedAt).isBetween(59 * SECOND, 61 * SECOND);
            assertThat(p.client.failure()).isNull();
            assertThat(p.client.holdsBuffers() || p.server.holdsBuffers()).isFalse();
        }
    }

    @Test
    void sequenceNumbersWrapInTheMiddleOfATransfer() {
        try (TcpPair p = new TcpPair(4)) {
            p.serverIss = 0xFFFF_FFF0;
            established(p, 0xFFFF_0000); // the client's 100 KB pass 2^32 too
            byte[] up = pattern(100_000, 5);
            byte[] down = pattern(100_000, 6);
            assertThat(send(p, true, up, 60 * SECOND)).isEqualTo(up);
            assertThat(send(p, false, down, 60 * SECOND)).isEqualTo(down);
        }
    }

    /** SHA-256 of what arrived equals that of what was sent, through every kind of fault. */
    @Test
    void transfersSurviveLossDuplicationReorderingAndCorruptionAcrossSeeds() throws Exception {
        int seeds = 120;
        long retransmits = 0;
        for (int seed = 0; seed < seeds; seed++) {
            try (TcpPair p = new TcpPair(1000 + seed)) {
                p.loss = (seed % 5) * 0.05;          // 0, 5, 10, 15, 20 %
                p.duplication = 0.02;
                p.reordering = 0.05;
                p.corruption = 0.01;
                p.delayNanos = (1 + seed % 7) * MS;
                established(p, seed * 0x1357_9BDF);
                byte[] data = pattern(100_000 + seed * 1000, seed);
                byte[] got;
                try {
                    got = send(p, true, data, 3600 * SECOND);
                } catch (AssertionError e) {
                    throw new AssertionError("seed " + seed + ": " + p.client.info() + " / " + p.server.info() + " / "
                            + p.sent.subList(Math.max(0, p.sent.size() - 6), p.sent.size()), e);
                }
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                assertThat(sha.digest(got)).as("seed %d", seed).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
                retransmits += p.client.info().retransmits();
                assertThat(p.client.failure()).as("seed %d", seed).isNull();
            }
        }
        assertThat(retransmits).as("the faults did cost retransmissions").isPositive();
    }

    @Test
    void aSynToAClosedPortIsRefused() {
        try (TcpPair p = new TcpPair(5)) {
            p.serverClosed = true;
            p.connect(1);
            p.runUntil(() -> p.client.state() == TcpState.CLOSED, 10 * SECOND);
            assertThat(p.client.failure()).isEqualTo(TcpConnection.Failure.REFUSED);
        }
    }

    @Test
    void unansweredSynsBackOffOneTwoFourSecondsThenGiveUp() {
        TcpConfig few = TcpConfig.builder().buffers(65_536, 65_536).rto(200 * MS, 120 * SECOND).maxRetransmits(3).build();
        try (TcpPair p = new TcpPair(6, few, few)) {
            p.drop = s -> true;
            p.connect(1);
            p.runUntil(() -> p.client.state() == TcpState.CLOSED, 60 * SECOND);
            assertThat(p.client.failure()).isEqualTo(TcpConnection.Failure.TIMED_OUT);
            List<Long> synTimes = p.sentBy(true, s -> s.flags() == SYN).stream().map(TcpPair.Sent::at).toList();
            assertThat(synTimes).containsExactly(0L, SECOND, 3 * SECOND, 7 * SECOND);
            assertThat(p.now).as("given up after the last timeout, 8 s later").isEqualTo(15 * SECOND);
        }
    }

    /**
     * Three segments lost from one window: with SACK the holes are all sent again within a round
     * trip of the first (RFC 6675's NextSeg, against the pipe), where NewReno would resend one hole
     * per round trip; nothing waits for the timer.
     */
    @Test
    void threeHolesInOneWindowAreAllResentWithinARoundTrip() {
        try (TcpPair p = established(new TcpPair(18), 1)) {
            int mss = p.client.info().peerMss() - 12;
            java.util.Set<Integer> lost = new java.util.HashSet<>();
            for (int k : new int[] {2, 5, 8}) { // all in the first flight of ten
                lost.add(2 + k * mss);
            }
            java.util.Set<Integer> droppedOnce = new java.util.HashSet<>();
            p.drop = s -> s.fromClient() && s.length() > 0 && lost.contains(s.seq()) && droppedOnce.add(s.seq());
            p.client.write(new byte[20 * mss], 0, 20 * mss, p.now);
            p.runUntil(() -> p.client.info().bytesAcked() == 20L * mss, 10 * SECOND);
            assertThat(droppedOnce).hasSize(3);
            List<Long> resent = p.sent.stream().filter(s -> s.fromClient() && s.length() > 0 && lost.contains(s.seq()))
                    .map(TcpPair.Sent::at).sorted().toList();
            assertThat(resent).as("each hole: first sent, then sent again once").hasSize(6);
            long firstResend = resent.get(3);
            long lastResend = resent.get(5);
            assertThat(lastResend - firstResend).as("all three holes within one round trip (2 ms)").isLessThan(2 * MS);
            assertThat(p.client.info().retransmits()).as("only the holes went again").isEqualTo(3);
        }
    }

    @Test
    void aLostLastSegmentIsProbedAndRepairedLongBeforeTheTimer() {
        try (TcpPair p = established(new TcpPair(17), 1)) {
            int mss = p.client.info().peerMss() - 12; // timestamps on
            boolean[] dropped = {false};
            int lastSeq = 2 + 3 * mss; // the client's ISS is 1: data starts at 2
            p.drop = s -> {
                if (!dropped[0] && s.fromClient() && s.length() > 0 && s.seq() == lastSeq) {
                    dropped[0] = true; // the tail of the flight, once: nothing behind it to be SACKed
                    return true;
                }
                return false;
            };
            long start = p.now;
            p.client.write(new byte[4 * mss], 0, 4 * mss, p.now);
            p.runUntil(() -> p.client.info().bytesAcked() == 4L * mss, 10 * SECOND);
            assertThat(dropped[0]).isTrue();
            assertThat(p.now - start).as("repaired by the probe (2 SRTT, 10 ms at least), not the 200 ms timer")
                    .isLessThan(100 * MS);
            assertThat(p.client.info().retransmits()).as("one segment sent again: the probe").isEqualTo(1);
        }
    }

    @Test
    void retransmissionTimeoutsDoubleAndKarnsRuleSkipsRetransmittedSegments() {
        try (TcpPair p = established(new TcpPair(7, TcpConfig.DEFAULT.withOptions(true, false, true),
                TcpConfig.DEFAULT.withOptions(true, false, true)), 1)) {
            long rto = p.client.info().rtoNanos();
            assertThat(rto).as("RTT 2 ms: the 200 ms floor").isEqualTo(200 * MS);
            boolean[] blackhole = {true};
            p.drop = s -> blackhole[0] && s.fromClient() && s.length() > 0;
            long start = p.now;
            p.client.write(new byte[100], 0, 100, p.now);
            p.runUntil(start + 1500 * MS);
            List<Long> times = p.sentBy(true, s -> s.length() == 100).stream().map(s -> s.at() - start).toList();
            assertThat(times).containsExactly(0L, 200 * MS, 600 * MS, 1400 * MS);
            assertThat(p.client.info().retransmits()).isEqualTo(3);
            blackhole[0] = false;
            p.runUntil(() -> p.client.info().bytesAcked() == 100, 10 * SECOND);
            // The fourth copy, at 3.0 s, is the one acknowledged: no sample from it (it was resent).
            assertThat(p.client.info().rtoNanos()).as("no sample from a retransmission: still backed off")
                    .isEqualTo(3200 * MS);
            p.client.write(new byte[100], 0, 100, p.now);
            p.runUntil(() -> p.client.info().bytesAcked() == 200, 10 * SECOND);
            assertThat(p.client.info().rtoNanos()).as("a clean sample ends the back-off").isEqualTo(200 * MS);
        }
    }

    @Test
    void oneLostSegmentIsResentOnThreeDuplicateAcksLongBeforeTheTimer() {
        try (TcpPair p = established(new TcpPair(8), 1)) {
            int[] dataSegments = {0};
            p.drop = s -> s.fromClient() && s.length() > 0 && ++dataSegments[0] == 3;
            byte[] data = pattern(20 * 1448, 8);
            long start = p.now;
            byte[] got = send(p, true, data, 10 * SECOND);
            assertThat(got).isEqualTo(data);
            assertThat(p.client.info().retransmits()).isEqualTo(1);
            int lostSeq = p.sentBy(true, s -> s.length() > 0).get(2).seq();
            List<TcpPair.Sent> copies = p.sentBy(true, s -> s.length() > 0 && s.seq() == lostSeq);
            assertThat(copies).hasSize(2);
            assertThat(copies.get(1).at() - start).as("resent within a few round trips, not after 200 ms")
                    .isLessThan(20 * MS);
            // The receiver reported the hole with SACK blocks in its duplicate ACKs.
            assertThat(p.server.info().sack()).isTrue();
        }
    }

    /**
     * RFC 9293 3.10.7.4: with our receive window at zero, a data segment at RCV.NXT is not
     * acceptable for its data, but its ACK is valid and must be taken — or two ends that both
     * send and both stopped reading would ignore each other's acknowledgments until a timeout.
     */
    @Test
    void atAZeroWindowTheAckOfARefusedDataSegmentIsStillTaken() {
        TcpConfig small = TcpConfig.DEFAULT.withBuffers(8 * 1448, 256 * 1024);
        try (TcpPair p = established(new TcpPair(19, small, TcpConfig.DEFAULT), 1)) {
            byte[] toClient = pattern(8 * 1448, 19);
            p.server.write(toClient, 0, toClient.length, p.now);
            p.runUntil(p.now + SECOND); // the client reads nothing: its window is now zero
            assertThat(p.client.readable()).isEqualTo(8 * 1448);
            p.drop = s -> !s.fromClient(); // the server's own answers are lost from here on
            p.client.write(new byte[1000], 0, 1000, p.now);
            p.runUntil(p.now + 10 * MS);
            assertThat(p.client.info().bytesAcked()).isZero();
            int clientRcvNxt = p.serverIss + 1 + 8 * 1448;
            int ackOfTheThousand = 2 + 1000; // the client's ISS is 1: its data runs from 2
            p.drop = s -> false;
            p.inject(false, ACK, clientRcvNxt, ackOfTheThousand, "more".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            p.runUntil(p.now + 5 * MS);
            assertThat(p.client.info().bytesAcked()).as("the ACK was taken").isEqualTo(1000);
            assertThat(p.client.readable()).as("the data was not").isEqualTo(8 * 1448);
        }
    }

    @Test
    void aZeroWindowIsProbedAndTheTransferResumesWhenTheReaderReads() {
        TcpConfig small = TcpConfig.DEFAULT.withBuffers(8 * 1448, 256 * 1024); // eight segments exactly
        try (TcpPair p = established(new TcpPair(9, TcpConfig.DEFAULT, small), 1)) {
            byte[] data = pattern(64 * 1024, 9);
            int written = p.client.write(data, 0, data.length, p.now);
            assertThat(written).isEqualTo(data.length);
            p.runUntil(p.now + 5 * SECOND); // the server reads nothing: its window closes
            assertThat(p.server.readable()).isEqualTo(8 * 1448);
            assertThat(p.sentBy(false, s -> s.window() == 0)).as("the server said zero").isNotEmpty();
            long closedAt = p.sentBy(false, s -> s.window() == 0).get(0).at();
            // Probes: acknowledgments with an old sequence number, answered with the window.
            List<Long> probes = p.sentBy(true, s -> s.at() > closedAt && s.length() == 0).stream()
                    .map(s -> s.at() - closedAt).toList();
            assertThat(probes).as("backing off from the 200 ms RTO").hasSize(4);
            for (int i = 1; i < probes.size() - 1; i++) {
                assertThat(probes.get(i + 1) - probes.get(i)).isEqualTo(2 * (probes.get(i) - probes.get(i - 1)));
            }
            // Each probe is answered, but for the second: 400 ms after the first, inside the 500 ms that
            // answers to unacceptable segments are spaced by (as Linux's tcp_invalid_ratelimit).
            assertThat(p.sentBy(false, s -> s.at() > closedAt && s.window() == 0)).hasSize(probes.size() - 1);
            assertThat(p.server.info().outOfWindowAcksSuppressed()).isEqualTo(1);
            assertThat(p.client.state()).isEqualTo(TcpState.ESTABLISHED);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            p.runUntil(() -> {
                int n;
                while ((n = p.server.read(buf, 0, buf.length, p.now)) > 0) {
                    got.write(buf, 0, n);
                }
                return got.size() == data.length;
            }, 60 * SECOND);
            assertThat(got.toByteArray()).isEqualTo(data);
        }
    }

    @Test
    void anAbortResetsThePeer() {
        try (TcpPair p = established(new TcpPair(10), 1)) {
            p.server.abort();
            p.runUntil(() -> p.client.state() == TcpState.CLOSED, SECOND);
            assertThat(p.client.failure()).isEqualTo(TcpConnection.Failure.RESET);
            assertThat(p.server.failure()).isEqualTo(TcpConnection.Failure.ABORTED);
            assertThat(p.sentBy(false, s -> (s.flags() & RST) != 0)).hasSize(1);
        }
    }

    @Test
    void keepaliveProbesAnIdlePeerAndGivesUpWhenItHasVanished() {
        TcpConfig probing = TcpConfig.DEFAULT.withKeepAlive(10 * SECOND, 2 * SECOND, 3);
        try (TcpPair p = established(new TcpPair(15, probing, TcpConfig.DEFAULT), 1)) {
            long start = p.now;
            p.runUntil(start + 35 * SECOND);
            // A probe is SND.UNA - 1 with no data: ISS 1, the SYN took 1, so SND.UNA is 2 and a probe's sequence 1.
            List<TcpPair.Sent> probes = p.sentBy(true, s -> s.length() == 0 && s.seq() == 1 && s.at() > start);
            assertThat(probes).as("one probe per idle period, each answered").hasSize(3);
            // Ten seconds after the client last heard the server (the handshake, a few ms before 'start').
            assertThat(probes.get(0).at() - start).isBetween(10 * SECOND - 5 * MS, 10 * SECOND + 2 * MS);
            assertThat(probes.get(1).at() - probes.get(0).at()).as("answered: a full idle period again")
                    .isBetween(10 * SECOND, 10 * SECOND + 5 * MS);
            assertThat(p.client.state()).isEqualTo(TcpState.ESTABLISHED);

            p.drop = s -> true; // the server's machine is switched off
            long silent = p.now;
            p.runUntil(() -> p.client.state() == TcpState.CLOSED, 120 * SECOND);
            assertThat(p.client.failure()).isEqualTo(TcpConnection.Failure.TIMED_OUT);
            // Last heard at the third probe's answer (30 s); probes at 40, 42, 44; given up at 46.
            assertThat(p.now - silent).isBetween(10 * SECOND, 12 * SECOND);
            assertThat(p.server.state()).as("keepalive is off on the server").isEqualTo(TcpState.ESTABLISHED);
        }
    }

    @Test
    void aUserTimeoutEndsAConnectionWhoseDataStaysUnacknowledged() {
        TcpConfig patient = TcpConfig.DEFAULT.withUserTimeout(5 * SECOND);
        try (TcpPair p = established(new TcpPair(16, patient, TcpConfig.DEFAULT), 1)) {
            p.drop = s -> s.fromClient(); // a partition: nothing reaches the server
            long start = p.now;
            byte[] data = pattern(3000, 16);
            p.client.write(data, 0, data.length, p.now);
            p.runUntil(() -> p.client.state() == TcpState.CLOSED, 200 * SECOND);
            assertThat(p.client.failure()).isEqualTo(TcpConnection.Failure.TIMED_OUT);
            assertThat(p.now - start).as("the user timeout, not 15 retransmissions (minutes)").isBetween(5 * SECOND,
                    5 * SECOND + 2 * MS);
        }
    }

    @Test
    void aZeroWindowThatNeverOpensEndsAtTheUserTimeout() {
        TcpConfig patient = TcpConfig.DEFAULT.withUserTimeout(30 * SECOND);
        try (TcpPair p = established(new TcpPair(17, patient, TcpConfig.DEFAULT), 1)) {
            byte[] data = pattern(1 << 20, 17);
            int written = 0;
            long start = p.now;
            while (p.now - start < 5 * SECOND) { // the server never reads: its window closes
                written += p.client.write(data, written, data.length - written, p.now);
                p.runUntil(p.now + 100 * MS);
            }
            assertThat(p.server.readable()).isEqualTo(TcpConfig.DEFAULT.receiveBuffer());
            p.runUntil(() -> p.client.state() == TcpState.CLOSED, 300 * SECOND);
            assertThat(p.client.failure()).isEqualTo(TcpConnection.Failure.TIMED_OUT);
            assertThat(p.now - start).as("probes were answered, but nothing moved").isLessThan(40 * SECOND);
        }
    }

    @Test
    void icmpErrorsCountOnlyWhenTheyQuoteDataInFlight() {
        try (TcpPair p = established(new TcpPair(18), 1)) {
            byte[] data = pattern(4000, 18);
            p.drop = s -> s.fromClient() && s.length() > 0; // the data stays in flight
            p.client.write(data, 0, data.length, p.now);
            int una = 2; // ISS 1, the SYN took 1
            assertThat(p.client.onIcmpError(3, 1, 0, una - 1000, "blind", p.now)).as("quotes nothing we sent").isFalse();
            assertThat(p.client.onIcmpError(3, 1, 0, una + 5000, "blind", p.now)).as("beyond what we sent").isFalse();
            assertThat(p.client.softError()).isNull();
            assertThat(p.client.onIcmpError(3, 1, 0, una + 1448, "Destination Host Unreachable from x", p.now)).isTrue();
            assertThat(p.client.state()).as("a soft error for an open connection").isEqualTo(TcpState.ESTABLISHED);
            assertThat(p.client.softError()).isEqualTo("Destination Host Unreachable from x");
            int sentBefore = p.sent.size();
            p.drop = s -> false;
            assertThat(p.client.onIcmpError(3, 4, 1006, una, "Frag needed", p.now)).isTrue();
            assertThat(p.client.info().peerMss()).isEqualTo(966);
            p.runUntil(() -> p.server.readable() == data.length, 10 * SECOND);
            byte[] got = new byte[data.length];
            p.server.read(got, 0, got.length, p.now);
            assertThat(got).isEqualTo(data);
            // Resent at once, at the path's size: 966 less 12 bytes of timestamps per segment.
            assertThat(p.sent.subList(sentBefore, p.sent.size())).filteredOn(s -> s.fromClient() && s.length() > 0)
                    .isNotEmpty().allMatch(s -> s.length() <= 954).first().matches(s -> s.seq() == una);
        }
    }

    @Test
    void aSegmentFromAnEarlierIncarnationNeverLandsInTheNextOne() throws Exception {
        byte[] old;
        int oldSeq;
        long end;
        try (TcpPair a = established(new TcpPair(19), 1)) {
            a.copies = new java.util.ArrayList<>();
            int first = a.sent.size(); // copies.get(k) is sent.get(first + k)
            byte[] data = pattern(20_000, 19);
            assertThat(send(a, true, data, 10 * SECOND)).isEqualTo(data);
            int i = first;
            while (!(a.sent.get(i).fromClient() && a.sent.get(i).length() > 0)) {
                i++;
            }
            old = a.copies.get(i - first);
            oldSeq = a.sent.get(i).seq();
            a.server.shutdownOutput(a.now);
            a.runUntil(() -> a.client.state() == TcpState.TIME_WAIT, 10 * SECOND);
            a.runUntil(() -> a.client.state() == TcpState.CLOSED, 70 * SECOND); // TIME-WAIT's 2 MSL
            end = a.now;
        }
        // The same addresses and ports, after TIME-WAIT, with an ISS that puts the old segment's
        // sequence numbers inside the new connection's window: only PAWS can tell it is old.
        try (TcpPair b = new TcpPair(20)) {
            b.now = end + SECOND;
            established(b, oldSeq - 100);
            long dropped = b.server.info().droppedOutOfWindow();
            b.replay(true, old);
            b.runUntil(b.now + 10 * MS);
            assertThat(b.server.readable()).as("the old data is not taken").isZero();
            assertThat(b.server.info().droppedOutOfWindow()).isEqualTo(dropped + 1);
            byte[] fresh = pattern(5000, 20);
            assertThat(send(b, true, fresh, 10 * SECOND)).as("the new connection's own bytes, exactly").isEqualTo(fresh);
        }
    }

    @Test
    void thePeersFinIsAcknowledgedOnceAndTimeWaitDrawsNoReset() {
        try (TcpPair p = established(new TcpPair(22), 1)) {
            p.client.shutdownOutput(p.now);
            p.runUntil(() -> p.client.state() == TcpState.FIN_WAIT_2, SECOND);
            int before = p.sent.size();
            p.server.shutdownOutput(p.now);
            p.runUntil(() -> p.server.state() == TcpState.CLOSED, SECOND);
            p.runUntil(p.now + SECOND);
            assertThat(p.client.state()).isEqualTo(TcpState.TIME_WAIT);
            assertThat(p.sent.subList(before, p.sent.size())).filteredOn(TcpPair.Sent::fromClient)
                    .as("one ACK for the FIN: a second would reach a closed peer and draw a RST").hasSize(1);
        }
    }

    @Test
    void aSlowReaderOpensItsWindowInWholeSegmentsNotDribbles() {
        TcpConfig small = TcpConfig.DEFAULT.withBuffers(16_384, 16_384);
        try (TcpPair p = established(new TcpPair(23, TcpConfig.DEFAULT, small), 1)) {
            byte[] data = pattern(64 * 1024, 23);
            int[] written = {0};
            byte[] buf = new byte[100];
            int read = 0;
            int before = p.sent.size();
            while (read < data.length) {
                while (written[0] < data.length && p.client.writable() > 0) {
                    written[0] += p.client.write(data, written[0], data.length - written[0], p.now);
                }
                p.runUntil(p.now + 5 * MS);
                int n = p.server.read(buf, 0, buf.length, p.now); // 100 bytes at a time: a silly reader
                read += Math.max(0, n);
            }
            // RFC 1122 4.2.3.3: the right edge the server offers moves by a full segment (or half its
            // buffer) at least, never by the few bytes each read frees.
            List<TcpPair.Sent> fromServer = p.sent.subList(before, p.sent.size()).stream()
                    .filter(s -> !s.fromClient()).toList();
            int edge = fromServer.get(0).ack() + fromServer.get(0).window();
            int moves = 0;
            for (TcpPair.Sent s : fromServer) {
                int next = s.ack() + s.window();
                int moved = next - edge;
                if (moved > 0) {
                    assertThat(moved).as("the right edge moved by %d", moved).isGreaterThanOrEqualTo(1448);
                    moves++;
                    edge = next;
                }
            }
            assertThat(moves).as("the window did open, many times").isGreaterThan(10);
        }
    }

    @Test
    void dataThatArrivedBeforeAResetStaysReadableAndItsMemoryGoesBackWhenRead() {
        try (TcpPair p = established(new TcpPair(11), 1)) {
            byte[] data = pattern(3000, 11);
            p.client.write(data, 0, data.length, p.now);
            p.runUntil(() -> p.server.readable() == data.length, SECOND);
            p.client.abort();
            p.runUntil(() -> p.server.state() == TcpState.CLOSED, SECOND);
            assertThat(p.server.failure()).isEqualTo(TcpConnection.Failure.RESET);
            assertThat(p.client.holdsBuffers()).as("an abort drops everything").isFalse();
            byte[] got = new byte[5000];
            assertThat(p.server.read(got, 0, got.length, p.now)).isEqualTo(data.length);
            assertThat(java.util.Arrays.copyOf(got, data.length)).isEqualTo(data);
            assertThat(p.server.holdsBuffers()).isFalse();
            assertThat(p.memory.inUse()).isZero();
        }
    }

    @Test
    void noWindowUpdateIsSentOnceThePeersFinHasArrived() {
        try (TcpPair p = established(new TcpPair(12), 1)) {
            byte[] data = pattern(200_000, 12);
            int written = p.server.write(data, 0, data.length, p.now);
            p.server.shutdownOutput(p.now);
            p.runUntil(() -> p.client.state() == TcpState.CLOSE_WAIT && p.client.readable() == written, 10 * SECOND);
            int before = p.sentBy(true, s -> true).size();
            byte[] buf = new byte[written];
            assertThat(p.client.read(buf, 0, buf.length, p.now)).isEqualTo(written);
            p.runUntil(p.now + SECOND);
            assertThat(p.sentBy(true, s -> true)).as("reading after the FIN sends nothing").hasSize(before);
        }
    }

    @Test
    void blindResetsAndSynsInTheWindowGetAChallengeAckAndOnlyAnExactResetEndsTheConnection() {
        try (TcpPair p = established(new TcpPair(14), 1)) {
            int next = p.serverIss + 1; // what the client expects from the server
            long before = p.sentBy(true, s -> true).size();
            p.inject(false, RST, next + 5000, 0);
            p.runUntil(p.now + 10 * MS);
            assertThat(p.client.state()).as("a RST in the window but not exact (RFC 5961 3)").isEqualTo(TcpState.ESTABLISHED);
            assertThat(p.client.info().challengeAcks()).isEqualTo(1);
            assertThat(p.sentBy(true, s -> true)).hasSize((int) before + 1);
            p.runUntil(p.now + 600 * MS); // past the answers' rate limit
            p.inject(false, SYN, next + 77, 0);
            p.runUntil(p.now + 10 * MS);
            assertThat(p.client.state()).as("a SYN in a synchronized state (RFC 5961 4)").isEqualTo(TcpState.ESTABLISHED);
            assertThat(p.client.info().challengeAcks()).isEqualTo(2);
            p.inject(false, RST, next + 300_000, 0);
            p.runUntil(p.now + 10 * MS);
            assertThat(p.client.state()).as("outside the window: ignored").isEqualTo(TcpState.ESTABLISHED);
            byte[] data = pattern(5000, 14);
            assertThat(send(p, true, data, 10 * SECOND)).as("the connection still works").isEqualTo(data);
            p.inject(false, RST, next, 0);
            p.runUntil(p.now + 10 * MS);
            assertThat(p.client.failure()).isEqualTo(TcpConnection.Failure.RESET);
        }
    }

    @Test
    void dataWhoseAckIsOlderThanTheLargestWindowIsDiscardedAndAnsweredWithAnAck() {
        try (TcpPair p = established(new TcpPair(15), 1)) {
            int next = p.serverIss + 1; // the exact sequence number the client expects: a blind attacker's lucky guess
            int sndUna = 2;              // the client's: its SYN acknowledged, nothing else sent
            long before = p.sentBy(true, s -> true).size();
            long maxWindow = p.client.info().sendWindow();
            byte[] evil = "EVIL".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            p.inject(false, ACK, next, sndUna - (int) maxWindow - 1, evil);
            p.runUntil(p.now + 10 * MS);
            assertThat(p.client.readable()).as("RFC 5961 5.2: an ACK below SND.UNA - MAX.SND.WND").isZero();
            assertThat(p.client.info().challengeAcks()).isEqualTo(1);
            assertThat(p.sentBy(true, s -> true)).as("answered with an ACK").hasSize((int) before + 1);
            p.inject(false, ACK, next, sndUna - (int) maxWindow, evil);
            p.runUntil(p.now + 10 * MS);
            assertThat(p.client.readable()).as("at the edge of the acceptable range").isEqualTo(evil.length);
        }
    }

    @Test
    void simultaneousOpenGoesThroughSynReceivedToEstablishedOnBothSides() {
        try (TcpPair p = new TcpPair(21).connectBoth(100, 900_000)) {
            assertThat(p.client.state()).isEqualTo(TcpState.SYN_SENT);
            assertThat(p.server.state()).isEqualTo(TcpState.SYN_SENT);
            p.runUntil(p.now + 1500 * MS);
            assertThat(p.sent).filteredOn(s -> (s.flags() & (SYN | ACK)) == (SYN | ACK)).as("each answers with SYN-ACK")
                    .hasSize(2);
            assertThat(p.client.state()).isEqualTo(TcpState.ESTABLISHED);
            assertThat(p.server.state()).isEqualTo(TcpState.ESTABLISHED);
            byte[] data = pattern(50_000, 21);
            assertThat(send(p, false, data, 10 * SECOND)).isEqualTo(data);
        }
    }

    /** Drives the client into {@code state} (data and FINs as needed), then sends it an exact RST. */
    private static void resetIn(TcpState state, long seed) {
        try (TcpPair p = established(new TcpPair(seed), 1)) {
            switch (state) {
                case ESTABLISHED -> { }
                case FIN_WAIT_1 -> {
                    p.drop = s -> !s.fromClient(); // the FIN is never acknowledged
                    p.client.shutdownOutput(p.now);
                }
                case FIN_WAIT_2 -> p.client.shutdownOutput(p.now);
                case CLOSE_WAIT -> p.server.shutdownOutput(p.now);
                case CLOSING -> {
                    p.drop = s -> (s.flags() & FIN) == 0 && s.length() == 0; // FINs cross, their ACKs are lost
                    p.client.shutdownOutput(p.now);
                    p.server.shutdownOutput(p.now);
                }
                case LAST_ACK -> {
                    p.server.shutdownOutput(p.now);
                    p.runUntil(() -> p.client.state() == TcpState.CLOSE_WAIT, SECOND);
                    p.drop = s -> !s.fromClient();
                    p.client.shutdownOutput(p.now);
                }
                case TIME_WAIT -> {
                    p.client.shutdownOutput(p.now);
                    p.server.shutdownOutput(p.now);
                }
                default -> throw new IllegalArgumentException(state.toString());
            }
            p.runUntil(() -> p.client.state() == state, 2 * SECOND);
            assertThat(p.client.state()).isEqualTo(state);
            p.drop = s -> false;
            p.inject(false, RST, p.client.receiveNext(), 0); // to the client, exactly at RCV.NXT
            p.runUntil(p.now + 10 * MS);
            assertThat(p.client.state()).as("RST in %s", state).isEqualTo(TcpState.CLOSED);
            assertThat(p.client.failure()).isEqualTo(TcpConnection.Failure.RESET);
        }
    }

    @Test
    void anExactResetEndsTheConnectionInEverySynchronizedState() {
        long seed = 30;
        for (TcpState s : List.of(TcpState.ESTABLISHED, TcpState.FIN_WAIT_1, TcpState.FIN_WAIT_2, TcpState.CLOSE_WAIT,
                TcpState.CLOSING, TcpState.LAST_ACK, TcpState.TIME_WAIT)) {
            resetIn(s, seed++);
        }
    }

    @Test
    void simultaneousCloseGoesThroughClosingToTimeWaitOnBothSides() {
        try (TcpPair p = established(new TcpPair(11), 1)) {
            p.client.shutdownOutput(p.now);
            p.server.shutdownOutput(p.now);
            assertThat(p.client.state()).isEqualTo(TcpState.FIN_WAIT_1);
            p.runUntil(() -> p.client.state() == TcpState.TIME_WAIT && p.server.state() == TcpState.TIME_WAIT,
                    SECOND);
            assertThat(p.sentBy(true, s -> (s.flags() & FIN) != 0)).hasSize(1);
            p.runUntil(() -> p.client.state() == TcpState.CLOSED && p.server.state() == TcpState.CLOSED,
                    120 * SECOND);
        }
    }

    @Test
    void aSingleSmallSegmentIsAcknowledgedAfterTheDelayAndTwoAtOnce() {
        try (TcpPair p = established(new TcpPair(12), 1)) {
            long start = p.now;
            p.client.write(new byte[10], 0, 10, p.now);
            p.runUntil(() -> p.client.info().bytesAcked() == 10, SECOND);
            List<TcpPair.Sent> acks = p.sentBy(false, s -> s.at() >= start && s.length() == 0);
            assertThat(acks).hasSize(1);
            assertThat(acks.get(0).at() - start).as("1 ms to arrive, 40 ms delayed").isEqualTo(41 * MS);

            long second = p.now;
            byte[] two = new byte[2 * 1448];
            p.client.write(two, 0, two.length, p.now);
            p.runUntil(() -> p.client.info().bytesAcked() == 10 + two.length, SECOND);
            List<TcpPair.Sent> acks2 = p.sentBy(false, s -> s.at() >= second && s.length() == 0);
            assertThat(acks2).hasSize(1);
            assertThat(acks2.get(0).at() - second).as("the second full segment is acknowledged at once").isEqualTo(MS);
        }
    }

    @Test
    void nagleHoldsSmallWritesWhileDataIsUnacknowledged() {
        try (TcpPair p = established(new TcpPair(13), 1)) {
            long start = p.now;
            for (int i = 0; i < 10; i++) {
                p.client.write(new byte[10], 0, 10, p.now); // all at once, 10 bytes each
            }
            p.runUntil(() -> p.client.info().bytesAcked() == 100, SECOND);
            List<Integer> sizes = p.sentBy(true, s -> s.at() >= start && s.length() > 0).stream()
                    .map(TcpPair.Sent::length).toList();
            assertThat(sizes).containsExactly(10, 90);
        }
        try (TcpPair p = established(new TcpPair(13, TcpConfig.DEFAULT.withNoDelay(true), TcpConfig.DEFAULT), 1)) {
            long start = p.now;
            for (int i = 0; i < 10; i++) {
                p.client.write(new byte[10], 0, 10, p.now);
            }
            p.runUntil(() -> p.client.info().bytesAcked() == 100, SECOND);
            assertThat(p.sentBy(true, s -> s.at() >= start && s.length() > 0)).as("no delay: each write goes").hasSize(10);
        }
    }
}
