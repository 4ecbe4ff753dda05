package org.netstack4j.stack;

import org.junit.jupiter.api.Test;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.Network;
import org.netstack4j.socket.Ping;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.stack.ProbedHost.HOST;
import static org.netstack4j.stack.ProbedHost.MS;
import static org.netstack4j.stack.ProbedHost.PROBER;
import static org.netstack4j.stack.ProbedHost.SECOND;

/** IPv4 fragmentation and reassembly (RFC 791, RFC 815), with every bound a peer could push on. */
class FragmentationTest {
    private static final int PORT = 7000;

    /** One fragment of {@code payload}: bytes [from, to) at offset {@code from}. */
    private static byte[] fragment(int protocol, int id, byte[] payload, int from, int to, boolean more) {
        return Packets.ip(protocol, PROBER, HOST, Arrays.copyOfRange(payload, from, to)).id(id)
                .fragment(from, more).bytes();
    }

    /** A UDP datagram (header and payload) from the prober to the host's test port, with no checksum. */
    private static byte[] udpToHost(byte[] payload) {
        return Packets.udp(4000, PORT, PROBER, HOST, payload, Packets.Sum.NONE);
    }

    /** Lengths only: an assertion on a 64 KB datagram should not print it. */
    private static List<Integer> lengths(List<byte[]> datagrams) {
        return datagrams.stream().map(d -> d.length).toList();
    }

    /** The IP payload of the datagram the host sent with {@code id}, put back together from its fragments. */
    private static byte[] reassemble(List<Packets.View> fragments) {
        List<Packets.View> sorted = new ArrayList<>(fragments);
        sorted.sort(Comparator.comparingInt(Packets.View::fragmentOffset));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Packets.View f : sorted) {
            assertThat(f.fragmentOffset()).as("fragments are contiguous").isEqualTo(out.size());
            assertThat(f.ipChecksumOk()).isTrue();
            out.writeBytes(f.ipPayload());
        }
        assertThat(sorted.get(sorted.size() - 1).moreFragments()).isFalse();
        return out.toByteArray();
    }

    /**
     * The host under test, settled, with a UDP socket bound to {@link #PORT} that the reassembled
     * datagrams are for. {@link #close} checks that every collector's buffer is back in the large
     * pool while the host still runs, then closes the socket and the network (which checks that
     * every buffer came back).
     */
    private static final class BoundHost {
        final ProbedHost probed;
        final UdpSocket socket;

        BoundHost() throws Exception {
            probed = ProbedHost.settled(HostConfig.DEFAULT);
            socket = probed.bind(PORT);
        }

        void toHost(byte[] datagram) {
            probed.toHost(datagram);
        }

        void idle(long nanos) throws InterruptedException {
            probed.idle(nanos);
        }

        long count(Counter c) {
            return probed.count(c);
        }

        boolean largePoolFull() {
            return probed.host.largePoolFull();
        }

        /** Every datagram waiting on the socket. */
        List<byte[]> drain() throws Exception {
            return probed.drain(socket);
        }

        void close() throws Exception {
            assertThat(largePoolFull()).as("every collector's buffer back in the large pool").isTrue();
            probed.closeSocket(socket);
            probed.close();
        }
    }

    @Test
    void fragmentedPingIsReassembledAndItsReplyFragmented() throws Exception {
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT);
        byte[] data = Packets.pattern(4000, 5);
        byte[] request = Packets.echo(8, 0x77, 1, data);
        // 4008 bytes of ICMP in three fragments, sent last first.
        h.toHost(fragment(Packets.ICMP, 900, request, 2960, request.length, false));
        h.toHost(fragment(Packets.ICMP, 900, request, 1480, 2960, true));
        h.toHost(fragment(Packets.ICMP, 900, request, 0, 1480, true));
        h.idle(100 * MS);

        List<Packets.View> reply = h.prober.frames(v -> v.isIpv4() && v.protocol() == Packets.ICMP);
        assertThat(reply).hasSize(3);
        assertThat(reply).allSatisfy(f -> {
            assertThat(f.totalLength()).isLessThanOrEqualTo(1500);
            assertThat(f.ipId()).isEqualTo(reply.get(0).ipId());
            assertThat(f.ipSource()).isEqualTo(HOST);
        });
        Packets.assertSameBytes(reassemble(reply), Packets.echo(0, 0x77, 1, data));
        assertThat(h.count(Counter.IP_REASM_REQDS)).isEqualTo(3);
        assertThat(h.count(Counter.IP_REASM_OKS)).isEqualTo(1);
        assertThat(h.count(Counter.IP_FRAG_OKS)).isEqualTo(1);
        assertThat(h.count(Counter.IP_FRAG_CREATES)).isEqualTo(3);
        assertThat(h.host.largePoolFull()).isTrue();
        h.close();
    }

    @Test
    void smallFragmentedPingIsAnsweredWhole() throws Exception {
        // The reassembled request sits in a large buffer; the reply fits one frame and leaves from it.
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT);
        byte[] data = Packets.pattern(40, 3);
        byte[] request = Packets.echo(8, 0x55, 2, data);
        h.toHost(fragment(Packets.ICMP, 901, request, 0, 24, true));
        h.toHost(fragment(Packets.ICMP, 901, request, 24, request.length, false));
        h.idle(100 * MS);
        List<Packets.View> reply = h.prober.frames(Packets.View::isIcmp);
        assertThat(reply).hasSize(1);
        assertThat(reply.get(0).moreFragments()).isFalse();
        assertThat(reply.get(0).fragmentOffset()).isZero();
        assertThat(reply.get(0).ipPayload()).isEqualTo(Packets.echo(0, 0x55, 2, data));
        assertThat(h.count(Counter.IP_FRAG_OKS)).isZero();
        h.idle(10 * MS);
        assertThat(h.host.largePoolFull()).isTrue();
        h.close();
    }

    @Test
    void largeUdpDatagramsAndPingsBetweenTwoHosts() throws Exception {
        Network net = TwoHosts.start(Network.simulated(3), "a", WakeMode.NAPI, "b", WakeMode.INTERRUPT);
        Network.Node a = net.nodes().get(0);
        Network.Node b = net.nodes().get(1);
        int addressA = Ipv4Address.parseBits("10.0.2.15");
        int addressB = Ipv4Address.parseBits("10.0.2.2");
        byte[] big = Packets.pattern(8000, 1);
        byte[] biggest = Packets.pattern(65_507, 2); // the largest UDP payload IPv4 can carry
        List<byte[]> got = net.run("udp", () -> {
            try (UdpSocket sa = UdpSocket.bind(a.host(), 1111); UdpSocket sb = UdpSocket.bind(b.host(), 2222)) {
                sa.setTimeout(Duration.ofSeconds(2));
                sb.setTimeout(Duration.ofSeconds(2));
                byte[] buf = new byte[70_000];
                sa.sendTo(big, addressB, 2222);
                int n = sb.receive(buf);
                byte[] atB = Arrays.copyOf(buf, n);
                sb.sendTo(biggest, addressA, 1111);
                n = sa.receive(buf);
                byte[] atA = Arrays.copyOf(buf, n);
                return List.of(atB, atA);
            }
        });
        Packets.assertSameBytes(got.get(0), big);
        Packets.assertSameBytes(got.get(1), biggest);
        assertThat(a.host().counters().get(Counter.IP_FRAG_CREATES)).isEqualTo(6); // 8008 bytes: 5 x 1480 + 608
        assertThat(b.host().counters().get(Counter.IP_REASM_OKS)).isEqualTo(1);
        assertThat(b.host().counters().get(Counter.IP_FRAG_CREATES)).isEqualTo(45); // 65515 bytes
        assertThat(a.host().counters().get(Counter.IP_REASM_OKS)).isEqualTo(1);

        Ping.Reply reply = net.run("ping", () -> {
            try (Ping p = Ping.open(a.host(), 5000)) {
                return p.ping(addressB, 1, 4000, Duration.ofSeconds(2));
            }
        });
        assertThat(reply).isNotNull();
        assertThat(reply.bytes()).isEqualTo(4000);
        assertThat(reply.from()).isEqualTo(addressB);
        assertThat(b.host().counters().get(Counter.IP_REASM_OKS)).isEqualTo(2);
        assertThat(a.host().counters().get(Counter.IP_REASM_OKS)).isEqualTo(2);
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }

    @Test
    void incompleteDatagramsTimeOutAndGiveTheirBuffersBack() throws Exception {
        BoundHost h = new BoundHost(); // reassembly timeout: 30 s
        byte[] udp = udpToHost(Packets.pattern(2000, 1));
        // Datagram 1: only its first fragment. Datagram 2: only its last.
        h.toHost(fragment(Packets.UDP, 1, udp, 0, 1480, true));
        h.toHost(fragment(Packets.UDP, 2, udp, 1480, udp.length, false));
        h.idle(10 * MS);
        assertThat(h.largePoolFull()).isFalse();
        h.idle(29 * SECOND);
        assertThat(h.count(Counter.IP_REASM_TIMEOUT)).isZero();
        h.idle(SECOND + 100 * MS);
        assertThat(h.count(Counter.IP_REASM_TIMEOUT)).isEqualTo(2);
        assertThat(h.count(Counter.IP_REASM_FAILS)).isEqualTo(2);
        assertThat(h.largePoolFull()).as("collectors' buffers returned").isTrue();
        assertThat(lengths(h.drain())).isEmpty();

        // RFC 792: the sender of the first fragment is told, quoting that fragment's header.
        List<Packets.View> errors = h.probed.prober.frames(v -> v.isIcmp() && v.icmpType() == 11);
        assertThat(errors).hasSize(1);
        Packets.View e = errors.get(0);
        assertThat(e.icmpCode()).isEqualTo(1);
        assertThat(e.icmpChecksumOk()).isTrue();
        byte[] quoted = Arrays.copyOfRange(e.ipPayload(), 8, e.ipPayload().length);
        byte[] sent = fragment(Packets.UDP, 1, udp, 0, 1480, true);
        assertThat(quoted).isEqualTo(Arrays.copyOf(sent, 28));
        assertThat(h.count(Counter.ICMP_OUT_TIME_EXCDS)).isEqualTo(1);
        h.close();
    }

    @Test
    void overlappingFragmentsCondemnTheDatagram() throws Exception {
        BoundHost h = new BoundHost();
        byte[] udp = udpToHost(Packets.pattern(2000, 1));
        byte[] other = udpToHost(Packets.pattern(2000, 99));

        // 1: a fragment overlapping part of one already held.
        h.toHost(fragment(Packets.UDP, 11, udp, 0, 1480, true));
        h.toHost(fragment(Packets.UDP, 11, other, 1000, 1800, true));
        h.toHost(fragment(Packets.UDP, 11, udp, 1480, udp.length, false));
        // 2: the same range again, with different bytes (the classic rewrite of a header).
        h.toHost(fragment(Packets.UDP, 12, udp, 1480, udp.length, false));
        h.toHost(fragment(Packets.UDP, 12, other, 1480, other.length, false));
        h.toHost(fragment(Packets.UDP, 12, udp, 0, 1480, true));
        // 3 and 4: two last fragments that disagree on where the datagram ends, in either order
        // (the shorter one carries the same bytes as the start of the longer).
        h.toHost(fragment(Packets.UDP, 13, udp, 1480, udp.length, false));
        h.toHost(fragment(Packets.UDP, 13, udp, 1480, udp.length - 8, false));
        h.toHost(fragment(Packets.UDP, 13, udp, 0, 1480, true));
        h.toHost(fragment(Packets.UDP, 14, udp, 1480, udp.length - 8, false));
        h.toHost(fragment(Packets.UDP, 14, udp, 1480, udp.length, false));
        h.toHost(fragment(Packets.UDP, 14, udp, 0, 1480, true));
        h.idle(100 * MS);
        assertThat(h.count(Counter.IP_REASM_OVERLAPS)).isEqualTo(4);
        assertThat(lengths(h.drain())).as("nothing assembled from overlapping pieces is delivered").isEmpty();

        // What was left over after each condemnation never completes; it times out and is freed.
        h.idle(31 * SECOND);
        assertThat(lengths(h.drain())).isEmpty();
        assertThat(h.count(Counter.IP_REASM_OKS)).isZero();
        assertThat(h.count(Counter.UDP_IN_DATAGRAMS)).isZero();
        h.close();
    }

    @Test
    void exactDuplicateFragmentsAreHarmless() throws Exception {
        BoundHost h = new BoundHost();
        byte[] payload = Packets.pattern(3500, 4);
        byte[] udp = udpToHost(payload);
        byte[] f1 = fragment(Packets.UDP, 21, udp, 0, 1480, true);
        byte[] f2 = fragment(Packets.UDP, 21, udp, 1480, 2960, true);
        byte[] f3 = fragment(Packets.UDP, 21, udp, 2960, udp.length, false);
        h.toHost(f1);
        h.toHost(f1);
        h.toHost(f3);
        h.toHost(f3);
        h.toHost(f2);
        h.idle(100 * MS);
        List<byte[]> got = h.drain();
        assertThat(got).hasSize(1);
        Packets.assertSameBytes(got.get(0), payload);
        assertThat(h.count(Counter.IP_REASM_OVERLAPS)).isZero();
        assertThat(h.count(Counter.IP_REASM_DUPLICATES)).as("each dropped duplicate counted").isEqualTo(2);
        assertThat(h.count(Counter.IP_REASM_OKS)).isEqualTo(1);
        // A duplicate arriving after completion starts a new datagram that never completes.
        h.toHost(f2);
        h.idle(31 * SECOND);
        assertThat(lengths(h.drain())).isEmpty();
        assertThat(h.count(Counter.IP_REASM_TIMEOUT)).isEqualTo(1);
        h.close();
    }

    @Test
    void collectorsAreBoundedAndTheOldestIsEvictedForANewDatagram() throws Exception {
        BoundHost h = new BoundHost();
        int collectors = HostConfig.DEFAULT.reassemblyCollectors();
        List<byte[]> datagrams = new ArrayList<>();
        for (int id = 0; id <= collectors; id++) {
            byte[] udp = udpToHost(Packets.pattern(2000, id));
            datagrams.add(udp);
            h.toHost(fragment(Packets.UDP, 100 + id, udp, 0, 1480, true));
            h.idle(MS);
        }
        h.idle(10 * MS);
        // One more datagram than collectors: the oldest (the first) made room for the newest.
        assertThat(h.count(Counter.IP_REASM_EVICTED)).isEqualTo(1);
        assertThat(h.count(Counter.IP_REASM_FAILS)).isEqualTo(1);
        assertThat(h.count(Counter.IP_REASM_NO_COLLECTOR)).isZero();
        assertThat(h.count(Counter.BUF_LARGE_POOL_EMPTY)).as("never more buffers than collectors").isZero();
        // The others complete; the evicted one's last fragment starts a datagram that never completes.
        for (int id = 1; id <= collectors; id++) {
            byte[] udp = datagrams.get(id);
            h.toHost(fragment(Packets.UDP, 100 + id, udp, 1480, udp.length, false));
        }
        h.toHost(fragment(Packets.UDP, 100, datagrams.get(0), 1480, datagrams.get(0).length, false));
        h.idle(10 * MS);
        List<byte[]> got = h.drain();
        assertThat(got).hasSize(collectors);
        for (int id = 1; id <= collectors; id++) {
            Packets.assertSameBytes(got.get(id - 1), Packets.pattern(2000, id));
        }
        assertThat(h.count(Counter.IP_REASM_OKS)).isEqualTo(collectors);
        h.idle(31 * SECOND);
        assertThat(h.count(Counter.IP_REASM_TIMEOUT)).isEqualTo(1);
        assertThat(h.count(Counter.IP_REASM_FAILS)).isEqualTo(2);
        h.close();
    }

    @Test
    void junkFirstFragmentsCannotShutOutReassembly() throws Exception {
        // One tiny first fragment per collector, each for a datagram that never completes, would
        // hold every collector for the whole timeout: no datagram could be reassembled meanwhile.
        BoundHost h = new BoundHost();
        int collectors = HostConfig.DEFAULT.reassemblyCollectors();
        for (int id = 0; id < collectors; id++) {
            h.toHost(fragment(Packets.UDP, 200 + id, udpToHost(new byte[16]), 0, 8, true));
        }
        h.idle(10 * MS);
        assertThat(h.largePoolFull()).isFalse();
        byte[] payload = Packets.pattern(2000, 7);
        byte[] udp = udpToHost(payload);
        h.toHost(fragment(Packets.UDP, 300, udp, 0, 1480, true));
        h.toHost(fragment(Packets.UDP, 300, udp, 1480, udp.length, false));
        h.idle(10 * MS);
        List<byte[]> got = h.drain();
        assertThat(got).hasSize(1);
        Packets.assertSameBytes(got.get(0), payload);
        assertThat(h.count(Counter.IP_REASM_OKS)).isEqualTo(1);
        assertThat(h.count(Counter.IP_REASM_EVICTED)).as("the oldest junk made room").isEqualTo(1);
        assertThat(h.count(Counter.IP_REASM_FAILS)).isEqualTo(1);
        assertThat(h.count(Counter.IP_REASM_NO_COLLECTOR)).isZero();
        h.idle(31 * SECOND);
        assertThat(h.count(Counter.IP_REASM_TIMEOUT)).isEqualTo(collectors - 1);
        assertThat(h.count(Counter.IP_REASM_FAILS)).isEqualTo(collectors);
        h.close();
    }

    @Test
    void fragmentReachingPast65535IsDropped() throws Exception {
        BoundHost h = new BoundHost();
        // The highest offset there is (65528) with 16 bytes: 20 + 65544 bytes, more than IPv4 can hold.
        h.toHost(Packets.ip(Packets.UDP, PROBER, HOST, new byte[16]).id(31).fragment(65_528, false).bytes());
        h.idle(10 * MS);
        assertThat(h.count(Counter.IP_REASM_FAILS)).isEqualTo(1);
        assertThat(h.largePoolFull()).as("no collector opened for it").isTrue();
        h.idle(31 * SECOND);
        assertThat(h.count(Counter.IP_REASM_TIMEOUT)).isZero();
        assertThat(lengths(h.drain())).isEmpty();
        h.close();
    }

    /**
     * Sends a UDP datagram of {@code udpLength} bytes in fragments whose first carries a header of
     * {@code firstHeaderLength} bytes (options) and the rest 20-byte headers.
     */
    private static void sendLarge(BoundHost h, int id, int udpLength, int firstHeaderLength) {
        byte[] payload = Packets.pattern(udpLength - 8, id);
        byte[] udp = udpToHost(payload);
        byte[] options = new byte[firstHeaderLength - 20];
        Arrays.fill(options, (byte) 1);
        int first = 1480 - options.length;
        h.toHost(Packets.ip(Packets.UDP, PROBER, HOST, Arrays.copyOf(udp, first)).id(id).fragment(0, true)
                .options(options).bytes());
        for (int from = first; from < udp.length; from += 1480) {
            int to = Math.min(udp.length, from + 1480);
            h.toHost(fragment(Packets.UDP, id, udp, from, to, to < udp.length));
        }
    }

    @Test
    void reassembledDatagramLongerThan65535IsDropped() throws Exception {
        BoundHost h = new BoundHost();
        // 65512 bytes after a 20-byte header: 65532, a legal datagram; it is delivered.
        sendLarge(h, 41, 65_512, 20);
        h.idle(100 * MS);
        List<byte[]> got = h.drain();
        assertThat(got).hasSize(1);
        Packets.assertSameBytes(got.get(0), Packets.pattern(65_504, 41));
        // The same bytes after a first fragment with 40 bytes of options: 65572 bytes in all. Each
        // fragment is within bounds on its own, but the datagram they make is not (a "ping of death").
        sendLarge(h, 42, 65_512, 60);
        h.idle(100 * MS);
        assertThat(lengths(h.drain())).as("an oversized datagram is never delivered").isEmpty();
        assertThat(h.count(Counter.IP_REASM_OKS)).isEqualTo(1);
        assertThat(h.count(Counter.IP_REASM_FAILS)).isEqualTo(1);
        h.close();
    }

    @Test
    void aDatagramIsFragmentedWholeOrNotAtAll() throws Exception {
        // The sender's machine has 40 frame buffers, too few for the 45 fragments of a 64 KB
        // datagram: sending some of them would only fill the receiver's collector for 30 s.
        Network net = Network.simulated(4).machineSize(40, 16L << 20);
        Network.Node a = net.addHost("a", MacAddress.parse("52:54:00:12:34:56"), "10.0.2.15/24", WakeMode.NAPI,
                HostConfig.DEFAULT);
        net.machineSize(1024, 16L << 20);
        Network.Node b = net.addHost("b", MacAddress.parse("52:55:0a:00:02:02"), "10.0.2.2/24", WakeMode.NAPI,
                HostConfig.DEFAULT);
        net.cable(a, b);
        net.start();
        int addressB = Ipv4Address.parseBits("10.0.2.2");
        List<Integer> got = net.run("udp", () -> {
            try (UdpSocket sa = UdpSocket.bind(a.host(), 1111); UdpSocket sb = UdpSocket.bind(b.host(), 2222)) {
                sb.setTimeout(Duration.ofSeconds(1));
                byte[] buf = new byte[70_000];
                sa.sendTo(new byte[] {1}, addressB, 2222); // b's MAC is known from here on
                int small = sb.receive(buf);
                sa.sendTo(Packets.pattern(65_507, 1), addressB, 2222);
                sa.sendTo(Packets.pattern(8000, 2), addressB, 2222);
                int next = sb.receive(buf);
                return List.of(small, next, sb.receiveNow(buf, 0, buf.length));
            }
        });
        assertThat(got).containsExactly(1, 8000, -1);
        StackCounters ca = a.host().counters();
        assertThat(ca.get(Counter.IP_FRAG_FAILS)).isEqualTo(1);
        assertThat(ca.get(Counter.IP_FRAG_OKS)).as("only the 8000-byte datagram").isEqualTo(1);
        assertThat(ca.get(Counter.IP_FRAG_CREATES)).isEqualTo(6);
        assertThat(ca.get(Counter.BUF_TX_POOL_EMPTY)).isEqualTo(1);
        assertThat(b.host().counters().get(Counter.IP_REASM_REQDS)).as("no fragment of the failed one").isEqualTo(6);
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }
}
