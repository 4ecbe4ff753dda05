package org.netstack4j.lab;

import org.junit.jupiter.api.Test;
import org.netstack4j.driver.DriverConfig;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.Simulation;
import org.netstack4j.hw.link.FaultInjector;
import org.netstack4j.hw.link.Link;
import org.netstack4j.stack.Counter;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.stack.StackCounters;
import org.netstack4j.stack.TcpLayer;
import org.netstack4j.stack.tcp.TcpConfig;
import org.netstack4j.stack.tcp.TcpConnection;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;
import org.netstack4j.wire.TcpSequence;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Memory pressure between two hosts in simulated time: many connections into a receiver whose
 * stream memory is far smaller than their windows, with readers that stall and then drain. The
 * receiver's segments are watched on the wire (every right edge it offers), its counters read,
 * every byte checked against what was sent, and every buffer and chunk counted back at the end.
 */
class TcpMemoryPressureHostsTest {
    private static final long MS = 1_000_000L;
    private static final long SECOND = 1000 * MS;
    private static final int PORT = 9;

    /** What one run saw. */
    record Outcome(StackCounters receiver, int peakChunks, int budgetChunks, long edgeMovedLeft, long segmentsUnderPressure,
                   long zeroWindowsUnderPressure, int largestOpeningUnderPressure, long activeReadAtHardLimit,
                   long corruptBytes, long bytesReceived, boolean pressureAtEnd, int receiverConnectionsLeft,
                   int senderConnectionsLeft, boolean poolsFull, double seconds) {
        long count(Counter c) {
            return receiver.get(c);
        }

        Outcome withPoolsFull(boolean full) {
            return new Outcome(receiver, peakChunks, budgetChunks, edgeMovedLeft, segmentsUnderPressure,
                    zeroWindowsUnderPressure, largestOpeningUnderPressure, activeReadAtHardLimit, corruptBytes,
                    bytesReceived, pressureAtEnd, receiverConnectionsLeft, senderConnectionsLeft, full, seconds);
        }
    }

    /**
     * The receiver's segments as they leave (on its loop, in simulated time: its state is as it
     * was when each was sent): per connection, the right edge offered (ACK plus window) must never
     * move left; under pressure, how windows went.
     */
    private static final class EdgeWatch {
        final Map<Integer, Integer> edges = new HashMap<>();
        /** Per connection, the pressure episode its last segment was sent in (-1: none). */
        final Map<Integer, Long> episodes = new HashMap<>();
        TcpLayer receiver;
        int shift;
        long movedLeft;
        long underPressure;
        long zeroUnderPressure;
        int largestOpening;

        Link wrap(Link inner) {
            return (frame, offset, length) -> {
                look(frame, offset, length);
                inner.send(frame, offset, length);
            };
        }

        private static int u8(MemorySegment m, long at) {
            return m.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
        }

        private static int u16(MemorySegment m, long at) {
            return u8(m, at) << 8 | u8(m, at + 1);
        }

        private static int u32(MemorySegment m, long at) {
            return u16(m, at) << 16 | u16(m, at + 2);
        }

        private void look(MemorySegment m, long offset, int length) {
            if (length < 54 || u16(m, offset + 12) != 0x0800 || u8(m, offset + 23) != 6) {
                return; // not TCP over IPv4
            }
            long tcp = offset + 14 + (u8(m, offset + 14) & 0xF) * 4L;
            int flags = u8(m, tcp + 13);
            if ((flags & 0x02) != 0 || (flags & 0x04) != 0 || (flags & 0x10) == 0) {
                return; // a SYN's window is not scaled; a RST offers none
            }
            int port = u16(m, tcp + 2);
            int edge = u32(m, tcp + 8) + (u16(m, tcp + 14) << shift);
            Integer last = edges.put(port, edge);
            if (last != null && TcpSequence.distance(edge, last) >= 1 << shift) {
                movedLeft++; // beyond what the window's scaling rounds away (RFC 7323 2.4)
            }
            long episode = receiver.underMemoryPressure() ? receiver.memory().pressureEntries() : -1;
            Long lastEpisode = episodes.put(port, episode);
            if (episode >= 0) {
                underPressure++;
                if (u16(m, tcp + 14) == 0) {
                    zeroUnderPressure++;
                }
                if (last != null && lastEpisode == episode && TcpSequence.gt(edge, last)) {
                    largestOpening = Math.max(largestOpening, TcpSequence.distance(last, edge));
                }
            }
        }
    }

    /**
     * {@code connections} connections each carry {@code bytes} from the sender to the receiver
     * (whose stream memory is {@code budget} and receive buffer {@code receiveBuffer}), through a
     * cable of {@code mtu} losing {@code loss} of frames each way. The first {@code activeReaders} readers read
     * all along; the others stall for {@code stallNanos}, then drain. Each side closes at the end.
     */
    static Outcome run(long seed, int connections, int bytes, long budget, int receiveBuffer, int mtu, double loss,
                       long stallNanos, int activeReaders) throws Exception {
        Network net = Network.simulated(seed);
        List<FaultInjector> injectors = new ArrayList<>();
        EdgeWatch watch = new EdgeWatch();
        SplittableRandom random = new SplittableRandom(seed);
        byte[] source = new byte[bytes + 7 * connections];
        random.nextBytes(source);
        long corrupt = 0;
        long received = 0;
        long activeAtHardLimit = 0;
        Outcome outcome;
        try {
            TcpConfig small = TcpConfig.DEFAULT.toBuilder().buffers(receiveBuffer, 256 * 1024).mss(mtu - 40).build();
            DriverConfig driver = DriverConfig.of(WakeMode.NAPI).withMtu(mtu);
            if (mtu > 1500) {
                net.machineSize(512, 64L << 20); // 16 KB buffers
            }
            watch.shift = small.windowShift();
            // Patient ARP: with loss three unanswered requests in a row happen.
            HostConfig senderConfig = HostConfig.builder().arpTimes(60 * SECOND, SECOND, 10, SECOND).seed(seed).build();
            HostConfig receiverConfig = senderConfig.toBuilder().tcp(small).streamMemoryBytes(budget).seed(seed + 1).build();
            Network.Node a = net.addHost("sender", MacAddress.parse("02:00:00:00:00:01"), UdpPair.CLIENT_ADDRESS + "/24",
                    driver, driver.rxRingSize(), senderConfig.toBuilder().tcp(TcpConfig.DEFAULT.toBuilder().mss(mtu - 40)
                            .build()).build());
            Network.Node b = net.addHost("receiver", MacAddress.parse("02:00:00:00:00:02"), UdpPair.SERVER_ADDRESS + "/24",
                    driver, driver.rxRingSize(), receiverConfig);
            FaultInjector.Rates rates = FaultInjector.Rates.NONE.withDrop(loss);
            int[] direction = {0};
            net.cable(a, b, link -> {
                boolean fromReceiver = direction[0]++ == 1;
                Link faulty = link;
                if (loss > 0) {
                    FaultInjector f = new FaultInjector(link, net.timeline(), rates, seed * 31 + injectors.size(),
                            FaultInjector.DEFAULT_BUFFERS, driver.maxFrame());
                    injectors.add(f);
                    faulty = f;
                }
                return fromReceiver ? watch.wrap(faulty) : faulty;
            });
            net.start();
            Simulation sim = net.simulation();
            TcpLayer sender = a.host().tcp();
            TcpLayer receiver = b.host().tcp();
            watch.receiver = receiver;
            sim.runFor(10 * MS); // the gratuitous ARPs
            // Between simulation steps this thread is the only one running: the loops' calls are safe here.
            TcpLayer.Listener l = receiver.listenNow(0, PORT, connections, null);
            TcpConnection[] out = new TcpConnection[connections];
            TcpConnection[] in = new TcpConnection[connections];
            Map<Integer, Integer> byPort = new HashMap<>();
            for (int i = 0; i < connections; i++) {
                out[i] = sender.connectNow(Ipv4Address.parseBits(UdpPair.SERVER_ADDRESS), PORT, null);
                byPort.put(out[i].localPort(), i);
            }
            int accepted = 0;
            long openBy = sim.nanos() + 60 * SECOND;
            while (accepted < connections) {
                for (TcpConnection c; (c = receiver.acceptNow(l, null)) != null; accepted++) {
                    in[byPort.get(c.remotePort())] = c;
                }
                if (accepted < connections && !sim.step(openBy)) {
                    throw new IllegalStateException("only " + accepted + " of " + connections + " connections opened");
                }
            }
            long start = sim.nanos();
            long stallEnd = start + stallNanos;
            long limit = start + 600 * SECOND;
            int[] written = new int[connections];
            int[] read = new int[connections];
            boolean[] done = new boolean[connections];
            boolean[] closedOut = new boolean[connections];
            byte[] buf = new byte[16 * 1024];
            int finished = 0;
            boolean hardLimitSeen = false;
            while (finished < connections) {
                if (sim.nanos() > limit) {
                    throw new IllegalStateException("not done in 600 simulated seconds: " + finished + " of "
                            + connections + " finished, " + receiver.memory());
                }
                boolean stalled = sim.nanos() < stallEnd;
                for (int i = 0; i < connections; i++) {
                    TcpConnection o = out[i];
                    // The readers that read all along start sending only once the receiver is at its hard limit.
                    hardLimitSeen |= receiver.memory().available() == 0;
                    while (written[i] < bytes && (i >= activeReaders || hardLimitSeen)) {
                        int n = sender.writeNow(o, source, i * 7 + written[i], bytes - written[i]);
                        if (n == 0) {
                            break;
                        }
                        written[i] += n;
                    }
                    if (written[i] == bytes && !closedOut[i]) {
                        sender.closeNow(o); // a FIN after the data
                        closedOut[i] = true;
                    }
                    if (done[i] || stalled && i >= activeReaders) {
                        continue;
                    }
                    boolean atHardLimit = stalled && receiver.memory().available() == 0;
                    int n;
                    while ((n = receiver.readNow(in[i], buf, 0, buf.length)) > 0) {
                        for (int k = 0; k < n; k++) {
                            if (buf[k] != source[i * 7 + read[i] + k]) {
                                corrupt++;
                            }
                        }
                        if (atHardLimit) {
                            activeAtHardLimit += n;
                        }
                        read[i] += n;
                        received += n;
                    }
                    if (n < 0) {
                        receiver.closeNow(in[i]);
                        done[i] = true;
                        finished++;
                    }
                }
                if (!sim.step(stalled ? stallEnd : limit)) {
                    if (!stalled) {
                        StringBuilder waiting = new StringBuilder();
                        for (int i = 0; i < connections; i++) {
                            if (!done[i]) {
                                waiting.append("\n  ").append(i).append(": read ").append(read[i]).append(", ")
                                        .append(out[i]).append(" / ").append(in[i].state()).append(" readable ")
                                        .append(in[i].readable());
                            }
                        }
                        throw new IllegalStateException("nothing left to happen with " + (connections - finished)
                                + " unfinished (a deadlock), " + receiver.memory() + waiting);
                    }
                    sim.runFor(stallEnd - sim.nanos()); // nothing before the readers wake
                }
            }
            double seconds = (sim.nanos() - start) / 1e9;
            for (int i = 0; i < connections; i++) {
                assertThat(read[i]).as("connection %d: every byte", i).isEqualTo(bytes);
            }
            sim.runFor(70 * SECOND); // the last ACKs, and the sender's TIME-WAITs
            outcome = new Outcome(b.host().counters(), receiver.memory().peakInUse(), receiver.memory().budget(),
                    watch.movedLeft, watch.underPressure, watch.zeroUnderPressure, watch.largestOpening,
                    activeAtHardLimit, corrupt, received, receiver.underMemoryPressure(), receiver.connections(),
                    sender.connections(), false, seconds);
        } finally {
            net.close();
            for (FaultInjector f : injectors) {
                f.close();
            }
        }
        return outcome.withPoolsFull(net.poolsFull() && injectors.stream().allMatch(f -> f.pool().isFull()));
    }

    private static void report(String what, Outcome o) {
        System.out.printf(Locale.ROOT, "%s: %.1f simulated s, %,d bytes; peak %d of %d chunks; pressures %d for %d ms; "
                        + "refused chunk takes %d; dropped in order %d, out of order %d; prune calls %d, ranges pruned %d; "
                        + "%d segments under pressure, %d with a zero window, largest opening %d bytes; "
                        + "active reader read %,d bytes at the hard limit%n",
                what, o.seconds, o.bytesReceived, o.peakChunks, o.budgetChunks, o.count(Counter.TCP_MEMORY_PRESSURES),
                o.count(Counter.TCP_MEMORY_PRESSURES_CHRONO), o.count(Counter.TCP_MEMORY_REFUSED),
                o.count(Counter.TCP_RCVQ_DROP), o.count(Counter.TCP_OFO_NO_MEMORY_DROP), o.count(Counter.TCP_PRUNE_CALLED),
                o.count(Counter.TCP_OFO_PRUNED), o.segmentsUnderPressure, o.zeroWindowsUnderPressure,
                o.largestOpeningUnderPressure, o.activeReadAtHardLimit);
    }

    private static void assertFinishedClean(Outcome o) {
        assertThat(o.corruptBytes).as("every byte as sent, in order").isZero();
        assertThat(o.pressureAtEnd).as("pressure left once the readers drained").isFalse();
        assertThat(o.receiverConnectionsLeft).as("the receiver's connections all finished").isZero();
        assertThat(o.senderConnectionsLeft).as("the sender's too, TIME-WAIT over").isZero();
        assertThat(o.poolsFull).as("every buffer and chunk came back").isTrue();
        assertThat(o.peakChunks).isLessThanOrEqualTo(o.budgetChunks);
        assertThat(o.count(Counter.TCP_NO_MEMORY_DROPPED)).as("the total is the sum of its causes")
                .isEqualTo(o.count(Counter.TCP_RCVQ_DROP) + o.count(Counter.TCP_OFO_NO_MEMORY_DROP));
    }

    @Test
    void twoHundredConnectionsWithStalledReadersFillASmallBudgetThenDrainByteExact() throws Exception {
        // 200 windows of 16 KB (3.2 MB) into 1 MB of stream memory; 64 KB each, 12.8 MB in all.
        Outcome o = run(41, 200, 64 * 1024, 1 << 20, 16 * 1024, 1500, 0, 3 * SECOND, 1);
        report("200 connections", o);
        assertThat(o.count(Counter.TCP_MEMORY_PRESSURES)).as("pressure entered").isPositive();
        assertThat(o.count(Counter.TCP_MEMORY_PRESSURES_CHRONO)).as("time in pressure, in ms").isPositive();
        assertThat(o.count(Counter.TCP_RCVQ_DROP)).as("data that found no memory, refused and counted").isPositive();
        assertThat(o.count(Counter.TCP_MEMORY_REFUSED)).isPositive();
        assertThat(o.zeroWindowsUnderPressure).as("windows closed under pressure").isPositive();
        assertThat(o.edgeMovedLeft()).as("no right edge ever moved left (RFC 9293)").isZero();
        assertThat(o.largestOpeningUnderPressure).as("under pressure a window opens by a chunk's rest or a segment at most")
                .isLessThanOrEqualTo(4096);
        assertThat(o.activeReadAtHardLimit).as("the reader that kept reading got data at the hard limit").isPositive();
        assertFinishedClean(o);
    }

    @Test
    void outOfOrderDataIsPrunedUnderPressureWithLossAndEveryTransferStillCompletes() throws Exception {
        // Jumbo frames: a lost 8,960-byte segment leaves a whole 4 KB chunk empty, so filling the hole needs
        // memory the stalled readers hold, and the data beyond it is pruned for it. (A lost 1,448-byte
        // segment shares its chunks with the data around it: filling it needs no new memory.)
        Outcome o = run(43, 40, 128 * 1024, 512 * 1024, 64 * 1024, 9000, 0.10, 3 * SECOND, 0);
        report("40 connections, 9000-byte MTU, 10 % loss", o);
        assertThat(o.count(Counter.TCP_MEMORY_PRESSURES)).isPositive();
        assertThat(o.count(Counter.TCP_PRUNE_CALLED)).as("received data needed memory").isPositive();
        assertThat(o.count(Counter.TCP_OFO_PRUNED)).as("out-of-order data gave it up").isPositive();
        assertThat(o.edgeMovedLeft()).isZero();
        assertFinishedClean(o);
    }
}
