package org.netstack4j.stack.tcp;

import org.junit.jupiter.api.Test;
import org.netstack4j.buffer.ChunkPool;
import org.netstack4j.wire.TcpOptions;
import org.netstack4j.wire.TcpSequence;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.stack.tcp.TcpPair.MS;

/**
 * A connection under the host's memory pressure, with crafted memory states and no host: the test
 * holds chunks of the shared pool itself, as other connections would, to put it under pressure or
 * at its hard limit.
 */
class TcpMemoryPressureTest {
    private static final long SECOND = 1000 * MS;
    private static final int C = ChunkPool.CHUNK_BYTES;

    private static byte[] pattern(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static TcpPair established(TcpPair p, int iss) {
        p.connect(iss);
        p.runUntil(() -> p.server != null && p.server.state() == TcpState.ESTABLISHED
                && p.client.state() == TcpState.ESTABLISHED, 60 * SECOND);
        return p;
    }

    /** Takes chunks (as other connections would) until {@code enough} holds; returns them. */
    private static Deque<Integer> hog(ChunkPool pool, java.util.function.BooleanSupplier enough) {
        Deque<Integer> held = new ArrayDeque<>();
        while (!enough.getAsBoolean()) {
            int c = pool.take();
            if (c < 0) {
                break;
            }
            held.push(c);
        }
        return held;
    }

    /** The right edge a segment from the server offers (ACK plus the scaled window). */
    private static int edge(TcpPair.Sent s, int shift) {
        return s.ack() + (s.window() << shift);
    }

    @Test
    void underPressureReadingDoesNotReopenTheWindowTheEdgeNeverMovesLeftAndPressureEndingOpensItAtOnce() {
        TcpConfig small = TcpConfig.DEFAULT.toBuilder().buffers(32 * 1024, 256 * 1024).build();
        int shift = small.windowShift();
        try (TcpPair p = new TcpPair(21, TcpConfig.DEFAULT, small)) {
            p.memory = new ChunkPool("pressure", 64L * C); // pressure from 48 chunks until 32; hard limit 60
            established(p, 1);
            byte[] data = pattern(96 * 1024, 21);
            int[] written = {0};
            Runnable writeWhatFits = () -> {
                while (written[0] < data.length && p.client.writable() > 0) {
                    written[0] += p.client.write(data, written[0], data.length - written[0], p.now);
                }
            };
            // The reader stalls: 32 KB fill its buffer, and flow control shuts the window.
            written[0] = p.client.write(data, 0, 32 * 1024, p.now);
            p.runUntil(() -> p.server.readable() == 32 * 1024, 10 * SECOND);
            p.runUntil(p.now + 50 * MS);
            Deque<Integer> others = hog(p.memory, p.memory::underPressure);
            assertThat(p.memory.underPressure()).isTrue();
            int from = p.sent.size();
            TcpPair.Sent last = p.sentBy(false, s -> true).getLast();
            int shutEdge = edge(last, shift);
            assertThat(last.window()).as("the stalled reader's window is shut").isZero();

            // Under pressure the reader drains part of its buffer: the window stays shut, however long.
            byte[] got = new byte[data.length];
            int read = p.server.read(got, 0, 20 * 1024, p.now);
            assertThat(read).isEqualTo(20 * 1024);
            writeWhatFits.run(); // one chunk at most: the sender's buffer under pressure
            p.runUntil(p.now + 3 * SECOND);
            List<TcpPair.Sent> meanwhile = p.sentBy(false, s -> true).stream()
                    .filter(s -> p.sent.indexOf(s) >= from).toList();
            assertThat(meanwhile).as("the server answered the sender's zero-window probes").isNotEmpty();
            assertThat(meanwhile).as("neither reopened by the read nor moved left: the same edge, a zero window")
                    .allSatisfy(s -> {
                        assertThat(edge(s, shift)).isEqualTo(shutEdge);
                        assertThat(s.window()).isZero();
                    });
            assertThat(p.clamped).as("the host was told the window was held back").contains(p.server);

            // Pressure ends: the window is offered again at once, not at the sender's next probe.
            others.forEach(p.memory::give);
            assertThat(p.memory.underPressure()).isFalse();
            int before = p.sent.size();
            p.server.memoryPressureEnded(p.now);
            assertThat(p.sent.size()).as("a window update, sent at once").isEqualTo(before + 1);
            TcpPair.Sent update = p.sent.getLast();
            assertThat(update.fromClient()).isFalse();
            assertThat(update.window() << shift).isEqualTo(20 * 1024);
            assertThat(TcpSequence.gt(edge(update, shift), shutEdge)).isTrue();

            // And the rest arrives byte-exact.
            int[] total = {read};
            p.runUntil(() -> {
                writeWhatFits.run();
                int n;
                while ((n = p.server.read(got, total[0], got.length - total[0], p.now)) > 0) {
                    total[0] += n;
                }
                return total[0] == data.length;
            }, 30 * SECOND);
            assertThat(got).isEqualTo(data);
            p.runUntil(p.now + SECOND);
            assertThat(p.memory.inUse()).as("all read and acknowledged: no chunk held").isZero();
        }
    }

    @Test
    void atTheHardLimitAReaderThatDrainsStillGetsEverySegmentOneAtATime() {
        try (TcpPair p = new TcpPair(22)) {
            p.memory = new ChunkPool("hard-limit", 64L * C); // the receiver's; the sender is another host
            p.clientMemory = new ChunkPool("sender", 16L << 20);
            established(p, 1);
            Deque<Integer> others = hog(p.memory, () -> false);
            assertThat(p.memory.available()).as("every chunk but the reserve is held elsewhere").isZero();
            byte[] data = pattern(64 * 1024, 22);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int[] written = {0};
            p.runUntil(() -> {
                while (written[0] < data.length && p.client.writable() > 0) {
                    written[0] += p.client.write(data, written[0], data.length - written[0], p.now);
                }
                int n;
                while ((n = p.server.read(buf, 0, buf.length, p.now)) > 0) {
                    got.write(buf, 0, n);
                }
                return got.size() == data.length;
            }, 60 * SECOND);
            assertThat(got.toByteArray()).isEqualTo(data);
            assertThat(p.memory.reserveTakes()).as("every segment came into the reserve, one at a time")
                    .isGreaterThanOrEqualTo(data.length / 1448);
            assertThat(p.memory.peakInUse()).isLessThanOrEqualTo(p.memory.budget());
            others.forEach(p.memory::give);
        }
    }

    @Test
    void outOfOrderDataIsPrunedForInOrderDataAtTheHardLimitAndNoLongerSacked() {
        try (TcpPair p = new TcpPair(23)) {
            p.memory = new ChunkPool("prune", 64L * C);
            established(p, 1);
            int first = 2; // the first data byte's sequence number (ISS 1)
            int holeEnd = first + 3 * 1448; // three segments: past the first 4 KB chunk
            boolean[] hole = {true};
            p.drop = s -> hole[0] && s.fromClient() && s.length() > 0 && TcpSequence.lt(s.seq(), holeEnd);
            List<int[]> serverAcks = new ArrayList<>(); // ack, then SACK blocks (left, right)...
            TcpOptions o = new TcpOptions();
            p.tap = (fromClient, seg) -> {
                if (!fromClient) {
                    o.parse(seg);
                    int[] a = new int[1 + 2 * o.sackBlocks];
                    a[0] = org.netstack4j.wire.TcpSegment.acknowledgment(seg);
                    for (int i = 0; i < o.sackBlocks; i++) {
                        a[1 + 2 * i] = o.sackLeft[i];
                        a[2 + 2 * i] = o.sackRight[i];
                    }
                    serverAcks.add(a);
                }
            };
            byte[] data = pattern(40 * 1024, 23);
            assertThat(p.client.write(data, 0, data.length, p.now)).isEqualTo(data.length);
            // Out-of-order data over three chunks at least, reported by SACK.
            p.runUntil(() -> serverAcks.stream().anyMatch(a -> a.length > 2 && TcpSequence.ge(a[2], holeEnd + 3 * C)),
                    10 * SECOND);
            assertThat(p.server.readable()).as("all of it out of order, behind the hole").isZero();

            Deque<Integer> others = hog(p.memory, () -> false); // the host reaches its hard limit
            hole[0] = false;
            int pruneAt = serverAcks.size();
            p.runUntil(() -> p.events(false, TcpConnection.Event.OFO_PRUNED) > 0, 30 * SECOND);
            assertThat(p.events(false, TcpConnection.Event.PRUNE_CALLED)).isPositive();
            p.runUntil(() -> serverAcks.stream().skip(pruneAt).anyMatch(a -> TcpSequence.gt(a[0], first)), 30 * SECOND);
            int[] firstAfter = serverAcks.stream().skip(pruneAt).filter(a -> TcpSequence.gt(a[0], first))
                    .findFirst().orElseThrow();
            assertThat(firstAfter.length).as("the ACK of the hole's first segment SACKs nothing: the pruned data is "
                    + "no longer reported").isEqualTo(1);

            others.forEach(p.memory::give);
            long repairFrom = p.now;
            byte[] got = new byte[data.length];
            int[] total = {0};
            p.runUntil(() -> {
                int n;
                while ((n = p.server.read(got, total[0], got.length - total[0], p.now)) > 0) {
                    total[0] += n;
                }
                return total[0] == data.length;
            }, 120 * SECOND);
            assertThat(got).as("the peer sent the pruned data again: byte-exact").isEqualTo(data);
            // The sender saw the ACK stop where SACKed data began (reneging) and resent it after half a
            // round trip (10 ms here), not after its 200 ms timer: 10 ms and no timeout, 208 ms and one without.
            assertThat(p.events(true, TcpConnection.Event.SACK_RENEGED)).isPositive();
            assertThat(p.now - repairFrom).as("repaired long before the retransmission timer").isLessThan(100 * MS);
            assertThat(p.events(true, TcpConnection.Event.TIMEOUT)).isZero();
        }
    }
}
