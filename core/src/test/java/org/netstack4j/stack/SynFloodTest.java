package org.netstack4j.stack;

import org.junit.jupiter.api.Test;
import org.netstack4j.socket.TcpListener;
import org.netstack4j.socket.TcpSocket;
import org.netstack4j.stack.tcp.TcpConnection;
import org.netstack4j.wire.Ipv4Address;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.stack.ProbedHost.MS;

/**
 * A SYN flood from spoofed addresses against a listener with a small backlog, in simulated
 * time: the half-open connections fill the SYN queue, every further SYN is answered with a SYN
 * cookie and nothing is kept, and a real client (the prober, speaking TCP from crafted segments)
 * still connects at once, with every option its SYN offered: MSS, window scale, SACK and
 * timestamps. Forged cookies are refused; with cookies off the real client is dropped.
 */
class SynFloodTest {
    private static final int PORT = 80;
    private static final int BACKLOG = 8;
    private static final int FLOOD = 2_000;
    private static final int CLIENT_PORT = 40_000;
    private static final int CLIENT_ISN = 0x1234_5678;
    /** The client's SYN options: MSS 1460, NOP + window scale 7, SACK-permitted + timestamps (TSval 1000). */
    private static final byte[] SYN_OPTIONS = {2, 4, 0x05, (byte) 0xB4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0x03, (byte) 0xE8,
            0, 0, 0, 0};

    /** What the server application saw of the connection it accepted. */
    private record Accepted(String request, TcpConnection.Info info) {
    }

    @Test
    void aRealClientConnectsThroughAFloodWithEveryOptionItsSynOffered() throws Exception {
        try (ProbedHost h = ProbedHost.settled("10.0.2.15/24", "10.0.2.99", HostConfig.DEFAULT, p -> { })) {
            h.host.setDefaultGateway(h.proberAddress); // the SYN-ACKs to spoofed sources go to the prober, not to ARP
            AtomicReference<Accepted> accepted = serve(h);
            flood(h, new SplittableRandom(11));
            assertThat(h.count(Counter.TCP_SYN_COOKIES_SENT)).as("cookies").isEqualTo(FLOOD - BACKLOG);
            h.prober.forget();

            long start = h.now();
            h.prober.sendIp(h.hostMac, Packets.ip(Packets.TCP, h.proberAddress, h.hostAddress, Packets.tcp(h.proberAddress,
                    CLIENT_PORT, h.hostAddress, PORT, CLIENT_ISN, 0, Packets.SYN, 65_535, SYN_OPTIONS, new byte[0])).bytes());
            h.idle(MS);
            Segment synAck = only(h, Packets.SYN | Packets.ACK);
            assertThat(synAck.ack).isEqualTo(CLIENT_ISN + 1);
            assertThat(synAck.mss).isEqualTo(1460);
            assertThat(synAck.windowScale).as("window scale offered back").isGreaterThanOrEqualTo(0);
            assertThat(synAck.sackPermitted).isTrue();
            assertThat(synAck.tsEcr).as("our TSval echoed").isEqualTo(1000);
            assertThat(h.count(Counter.TCP_SYN_COOKIES_SENT)).isEqualTo(FLOOD - BACKLOG + 1);

            // The third segment carries the request: the cookie comes back in its acknowledgment.
            byte[] ackOptions = timestamps(1001, synAck.tsVal);
            h.prober.forget();
            h.prober.sendIp(h.hostMac, Packets.ip(Packets.TCP, h.proberAddress, h.hostAddress, Packets.tcp(h.proberAddress,
                    CLIENT_PORT, h.hostAddress, PORT, CLIENT_ISN + 1, synAck.seq + 1, Packets.ACK | Packets.PSH, 1000,
                    ackOptions, "hello".getBytes(StandardCharsets.US_ASCII))).bytes());
            h.idle(20 * MS);
            Segment answer = h.prober.frames(f -> isTcpFromHost(h, f)).stream().map(Segment::parse)
                    .filter(s -> s.payload.length > 0).findFirst().orElseThrow();
            assertThat(new String(answer.payload, StandardCharsets.US_ASCII)).isEqualTo("world");
            assertThat(answer.tsEcr).as("timestamps in use on the cookie connection").isEqualTo(1001);
            assertThat(h.now() - start).as("connected and answered within a second").isLessThan(1_000 * MS);

            Accepted a = accepted.get();
            assertThat(a.request()).isEqualTo("hello");
            assertThat(a.info().peerMss()).isEqualTo(1460);
            assertThat(a.info().sendShift()).as("the client's window scale, from the cookie").isEqualTo(7);
            assertThat(a.info().sack()).isTrue();
            assertThat(a.info().timestamps()).isTrue();
            assertThat(a.info().sendWindow()).as("the client's window, scaled").isEqualTo(1000L << 7);
            assertThat(h.count(Counter.TCP_SYN_COOKIES_RECEIVED)).isEqualTo(1);
            assertThat(h.count(Counter.TCP_SYN_COOKIES_FAILED)).isZero();
        }
    }

    @Test
    void anAckWithAForgedCookieIsRefusedWithRstAndMakesNothing() throws Exception {
        try (ProbedHost h = ProbedHost.settled("10.0.2.15/24", "10.0.2.99", HostConfig.DEFAULT, p -> { })) {
            h.host.setDefaultGateway(h.proberAddress);
            AtomicReference<Accepted> accepted = serve(h);
            SplittableRandom random = new SplittableRandom(12);
            flood(h, random);
            long opensBefore = h.count(Counter.TCP_PASSIVE_OPENS);
            h.prober.forget();
            for (int i = 0; i < 1000; i++) { // blind guesses of the cookie for one 4-tuple
                h.prober.sendIp(h.hostMac, Packets.ip(Packets.TCP, h.proberAddress, h.hostAddress, Packets.tcp(
                        h.proberAddress, CLIENT_PORT, h.hostAddress, PORT, CLIENT_ISN + 1, random.nextInt(), Packets.ACK,
                        1000, new byte[0], "x".getBytes(StandardCharsets.US_ASCII))).bytes());
                if (i % 16 == 15) {
                    h.idle(MS);
                }
            }
            h.idle(10 * MS);
            assertThat(h.count(Counter.TCP_SYN_COOKIES_FAILED)).isEqualTo(1000);
            assertThat(h.count(Counter.TCP_SYN_COOKIES_RECEIVED)).isZero();
            assertThat(h.count(Counter.TCP_PASSIVE_OPENS)).isEqualTo(opensBefore);
            assertThat(h.prober.frames(f -> isTcpFromHost(h, f)).stream().map(Segment::parse)
                    .filter(s -> (s.flags & Packets.RST) != 0)).hasSize(1000);
            assertThat(accepted.get()).isNull();
        }
    }

    @Test
    void withCookiesOffTheRealClientsSynIsDroppedAndCounted() throws Exception {
        HostConfig noCookies = HostConfig.builder().synCookies(false).build();
        try (ProbedHost h = ProbedHost.settled("10.0.2.15/24", "10.0.2.99", noCookies, p -> { })) {
            h.host.setDefaultGateway(h.proberAddress);
            serve(h);
            flood(h, new SplittableRandom(13));
            h.prober.forget();
            h.prober.sendIp(h.hostMac, Packets.ip(Packets.TCP, h.proberAddress, h.hostAddress, Packets.tcp(h.proberAddress,
                    CLIENT_PORT, h.hostAddress, PORT, CLIENT_ISN, 0, Packets.SYN, 65_535, SYN_OPTIONS, new byte[0])).bytes());
            h.idle(5 * MS);
            assertThat(h.prober.frames(f -> isTcpFromHost(h, f) && Segment.parse(f).dstPort == CLIENT_PORT)).isEmpty();
            assertThat(h.count(Counter.TCP_SYN_QUEUE_FULL_DROPS)).isEqualTo(FLOOD - BACKLOG + 1);
            assertThat(h.count(Counter.TCP_SYN_COOKIES_SENT)).isZero();
        }
    }

    /** A server that accepts one connection, reads a request and answers "world". */
    private static AtomicReference<Accepted> serve(ProbedHost h) throws Exception {
        AtomicReference<Accepted> accepted = new AtomicReference<>();
        TcpListener listener = h.run(() -> TcpListener.listen(h.host, PORT, BACKLOG));
        h.net.startApplication("server", () -> {
            try (TcpSocket s = listener.accept(Duration.ofSeconds(30))) {
                byte[] buf = new byte[64];
                int n = s.read(buf);
                accepted.set(new Accepted(new String(buf, 0, n, StandardCharsets.US_ASCII), s.info()));
                s.write("world".getBytes(StandardCharsets.US_ASCII));
                s.read(buf); // until the client goes (or the network closes)
            } catch (java.net.SocketTimeoutException | org.netstack4j.stack.SocketClosedException e) {
                // a test that connects nobody: the accept times out, or the network closes under it
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        h.idle(MS);
        return accepted;
    }

    /**
     * SYNs to a port nobody listens on, 5,000 in about a third of a second from spoofed addresses: the host
     * answers at most its RST budget (a second's worth, 1,000, and what the time earns) and counts
     * the rest, so a flood cannot make it reflect at the flood's rate; a second later a lone SYN is
     * answered again.
     */
    @Test
    void synsToAClosedPortAreAnsweredWithRstsAtTheHostsRateNotTheFloods() throws Exception {
        try (ProbedHost h = ProbedHost.settled("10.0.2.15/24", "10.0.2.99", HostConfig.DEFAULT, p -> { })) {
            h.host.setDefaultGateway(h.proberAddress);
            int base = Ipv4Address.parseBits("198.51.100.0");
            SplittableRandom random = new SplittableRandom(13);
            long start = h.now();
            int flood = 5_000;
            for (int i = 0; i < flood; i++) {
                int source = base + random.nextInt(1, 255);
                h.prober.sendIp(h.hostMac, Packets.ip(Packets.TCP, source, h.hostAddress, Packets.tcp(source,
                        random.nextInt(1024, 65_536), h.hostAddress, 81, random.nextInt(), 0, Packets.SYN, 65_535,
                        new byte[0], new byte[0])).bytes());
                if (i % Prober.BATCH == Prober.BATCH - 1) {
                    h.idle(MS);
                }
            }
            h.idle(10 * MS);
            long elapsedMs = (h.now() - start) / MS;
            long sent = h.count(Counter.TCP_OUT_RSTS);
            long limited = h.count(Counter.TCP_OUT_RSTS_RATE_LIMITED);
            System.out.printf("%,d SYNs to a closed port in %d ms: %,d RSTs, %,d held back%n", flood, elapsedMs, sent,
                    limited);
            assertThat(h.count(Counter.TCP_IN_NO_LISTENER)).isEqualTo(flood);
            assertThat(sent + limited).as("every SYN answered or counted").isEqualTo(flood);
            assertThat(sent).as("a second's budget and what %d ms earned", elapsedMs)
                    .isBetween(1_000L, 1_000L + elapsedMs + 1);
            assertThat(h.prober.frames(f -> isTcpFromHost(h, f)).stream().map(Segment::parse)
                    .filter(s -> (s.flags & Packets.RST) != 0)).hasSize((int) sent);

            h.idle(1_000 * MS);
            h.prober.forget();
            h.prober.sendIp(h.hostMac, Packets.ip(Packets.TCP, h.proberAddress, h.hostAddress, Packets.tcp(
                    h.proberAddress, CLIENT_PORT, h.hostAddress, 81, CLIENT_ISN, 0, Packets.SYN, 65_535, new byte[0],
                    new byte[0])).bytes());
            h.idle(10 * MS);
            only(h, Packets.RST | Packets.ACK);
        }
    }

    /** {@link #FLOOD} SYNs from spoofed addresses that never answer, in the prober's batches. */
    private static void flood(ProbedHost h, SplittableRandom random) throws InterruptedException {
        int base = Ipv4Address.parseBits("198.51.100.0"); // TEST-NET-2: exists only on this simulated wire
        for (int i = 0; i < FLOOD; i++) {
            int source = base + random.nextInt(1, 255);
            h.prober.sendIp(h.hostMac, Packets.ip(Packets.TCP, source, h.hostAddress, Packets.tcp(source,
                    random.nextInt(1024, 65_536), h.hostAddress, PORT, random.nextInt(), 0, Packets.SYN, 65_535,
                    new byte[0], new byte[0])).bytes());
            if (i % Prober.BATCH == Prober.BATCH - 1) {
                h.idle(MS);
            }
        }
        h.idle(10 * MS);
    }

    private static boolean isTcpFromHost(ProbedHost h, Packets.View f) {
        return f.isIpv4() && f.protocol() == Packets.TCP && f.i32(14 + 12) == h.hostAddress;
    }

    private static Segment only(ProbedHost h, int flags) {
        List<Segment> segments = h.prober.frames(f -> isTcpFromHost(h, f)).stream().map(Segment::parse)
                .filter(s -> s.dstPort == CLIENT_PORT).toList();
        assertThat(segments).hasSize(1);
        assertThat(segments.getFirst().flags).isEqualTo(flags);
        return segments.getFirst();
    }

    private static byte[] timestamps(int tsVal, int tsEcr) {
        return ByteBuffer.allocate(12).put((byte) 1).put((byte) 1).put((byte) 8).put((byte) 10).putInt(tsVal)
                .putInt(tsEcr).array();
    }

    /** The fields of a TCP segment in a frame the prober saw. */
    private record Segment(int dstPort, int seq, int ack, int flags, int mss, int windowScale, boolean sackPermitted,
                           int tsVal, int tsEcr, byte[] payload) {
        static Segment parse(Packets.View f) {
            int at = 14 + f.ihl();
            int dataAt = at + (f.u8(at + 12) >>> 4) * 4;
            int mss = -1;
            int scale = -1;
            boolean sack = false;
            int tsVal = -1;
            int tsEcr = -1;
            for (int o = at + 20; o < dataAt; ) {
                int kind = f.u8(o);
                if (kind == 0) {
                    break;
                }
                if (kind == 1) {
                    o++;
                    continue;
                }
                int len = f.u8(o + 1);
                switch (kind) {
                    case 2 -> mss = f.u16(o + 2);
                    case 3 -> scale = f.u8(o + 2);
                    case 4 -> sack = true;
                    case 8 -> {
                        tsVal = f.i32(o + 2);
                        tsEcr = f.i32(o + 6);
                    }
                    default -> { }
                }
                o += Math.max(2, len);
            }
            int end = 14 + f.totalLength();
            byte[] payload = java.util.Arrays.copyOfRange(f.f(), dataAt, end);
            return new Segment(f.u16(at + 2), f.i32(at + 4), f.i32(at + 8), f.u8(at + 13), mss, scale, sack, tsVal,
                    tsEcr, payload);
        }
    }
}
