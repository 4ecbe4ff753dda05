package org.netstack4j.stack;

import org.junit.jupiter.api.Test;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.wire.Ipv4Address;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.stack.ProbedHost.HOST;
import static org.netstack4j.stack.ProbedHost.MS;
import static org.netstack4j.stack.ProbedHost.PROBER;

/** IPv4 input: header validation, options, Ethernet padding, and who a datagram is for. */
class Ipv4InputTest {

    private static byte[] echoRequest(int id, int seq) {
        return Packets.echo(8, id, seq, Packets.pattern(32, seq));
    }

    /** A settled host whose prober has forgotten the host's announcements: what it sees from here on is an answer. */
    private static ProbedHost quietHost() throws InterruptedException {
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT);
        h.prober.forget();
        return h;
    }

    /** From each of {@code sources}: an echo request and a UDP datagram to the host; then 100 ms on. */
    private static void sendFromEach(ProbedHost h, int[] sources) throws InterruptedException {
        for (int source : sources) {
            h.toHost(Packets.ip(Packets.ICMP, source, HOST, echoRequest(4, 1)).bytes());
            h.toHost(Packets.ip(Packets.UDP, source, HOST,
                    Packets.udp(4000, 6001, source, HOST, new byte[8], Packets.Sum.GOOD)).bytes());
        }
        h.idle(100 * MS);
    }

    @Test
    void malformedHeadersAreDroppedAndCountedAndTheHostKeepsAnswering() throws Exception {
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT);
        assertThat(h.pingAnswered(1, 1)).isTrue();
        long echosBefore = h.count(Counter.ICMP_IN_ECHOS);

        // Version 6 in an otherwise good header.
        h.toHost(Packets.ip(Packets.ICMP, PROBER, HOST, echoRequest(1, 2)).version(6).bytes());
        // IHL 4: a header shorter than the fixed part.
        h.toHost(Packets.ip(Packets.ICMP, PROBER, HOST, echoRequest(1, 3)).ihl(4).bytes());
        // Total length beyond the frame: 100 bytes carried, 200 claimed.
        h.toHost(Packets.ip(Packets.ICMP, PROBER, HOST, Packets.echo(8, 1, 4, Packets.pattern(72, 4)))
                .totalLength(200).bytes());
        // Total length shorter than the header itself.
        h.toHost(Packets.ip(Packets.ICMP, PROBER, HOST, echoRequest(1, 5)).totalLength(12).bytes());
        // Truncated: IHL says 60 bytes of header, the (padded) frame carries only 46 bytes of IP.
        h.toHost(Arrays.copyOf(Packets.ip(Packets.ICMP, PROBER, HOST, new byte[0]).ihl(15).totalLength(20).bytes(), 20));
        // A wrong header checksum.
        h.toHost(Packets.ip(Packets.ICMP, PROBER, HOST, echoRequest(1, 6)).badChecksum().bytes());
        h.idle(100 * MS);

        assertThat(h.count(Counter.IP_IN_HDR_ERRORS)).isEqualTo(5);
        assertThat(h.count(Counter.IP_IN_CSUM_ERRORS)).isEqualTo(1);
        assertThat(h.count(Counter.ICMP_IN_ECHOS)).isEqualTo(echosBefore);
        assertThat(h.prober.frames(v -> v.isIcmp() && v.icmpSeq() >= 2 && v.icmpSeq() <= 6)).isEmpty();
        // None of them hurt: the next ping is answered.
        assertThat(h.pingAnswered(1, 7)).isTrue();
        assertThat(h.count(Counter.IP_IN_RECEIVES)).isEqualTo(8);
        h.close();
    }

    @Test
    void optionsAreToleratedAndSkipped() throws Exception {
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT);
        byte[] data = Packets.pattern(40, 9);
        h.toHost(Packets.ip(Packets.ICMP, PROBER, HOST, Packets.echo(8, 0x4242, 1, data))
                .options(Packets.nopOption()).bytes());
        h.idle(100 * MS);
        List<Packets.View> replies = h.prober.frames(v -> v.isIcmp() && v.icmpType() == 0);
        assertThat(replies).hasSize(1);
        Packets.View r = replies.get(0);
        assertThat(r.ipChecksumOk()).isTrue();
        assertThat(r.ipSource()).isEqualTo(HOST);
        assertThat(r.ipDestination()).isEqualTo(PROBER);
        assertThat(r.icmpChecksumOk()).isTrue();
        assertThat(r.ipPayload()).isEqualTo(Packets.echo(0, 0x4242, 1, data));
        assertThat(h.count(Counter.IP_IN_HDR_ERRORS)).isZero();

        // A UDP datagram behind a 40-byte option field reaches its socket intact too.
        UdpSocket s = h.bind(7000);
        byte[] options = new byte[40];
        Arrays.fill(options, (byte) 1);
        byte[] payload = Packets.pattern(100, 3);
        h.toHost(Packets.ip(Packets.UDP, PROBER, HOST, Packets.udp(4000, 7000, PROBER, HOST, payload, Packets.Sum.GOOD))
                .options(options).bytes());
        h.idle(10 * MS);
        byte[] got = h.run(() -> {
            byte[] buf = new byte[200];
            int n = s.receiveNow(buf, 0, buf.length);
            s.close();
            return n < 0 ? null : Arrays.copyOf(buf, n);
        });
        assertThat(got).isEqualTo(payload);
        h.close();
    }

    @Test
    void ethernetPaddingBeyondTheTotalLengthIsIgnored() throws Exception {
        ProbedHost h = ProbedHost.settled(HostConfig.DEFAULT);
        UdpSocket s = h.bind(7000);
        // An echo request with 30 bytes of junk after the datagram: the ICMP checksum covers the
        // datagram only, so the request is answered only if the junk is cut off.
        byte[] data = Packets.pattern(16, 1);
        byte[] request = Packets.ip(Packets.ICMP, PROBER, HOST, Packets.echo(8, 5, 1, data)).bytes();
        byte[] padded = Arrays.copyOf(request, request.length + 30);
        Arrays.fill(padded, request.length, padded.length, (byte) 0xEE);
        h.toHost(padded);
        // A 3-byte UDP datagram in a minimum-size frame (the card pads it), and one with junk after it.
        byte[] small = Packets.ip(Packets.UDP, PROBER, HOST,
                Packets.udp(4000, 7000, PROBER, HOST, new byte[] {7, 8, 9}, Packets.Sum.GOOD)).bytes();
        h.toHost(small);
        byte[] junk = Arrays.copyOf(small, small.length + 100);
        Arrays.fill(junk, small.length, junk.length, (byte) 0xEE);
        h.toHost(junk);
        h.idle(100 * MS);

        List<Packets.View> replies = h.prober.frames(v -> v.isIcmp() && v.icmpType() == 0);
        assertThat(replies).hasSize(1);
        assertThat(replies.get(0).totalLength()).isEqualTo(request.length);
        assertThat(replies.get(0).ipPayload()).isEqualTo(Packets.echo(0, 5, 1, data));
        List<byte[]> got = h.run(() -> {
            byte[] buf = new byte[200];
            int n1 = s.receiveNow(buf, 0, buf.length);
            byte[] first = Arrays.copyOf(buf, n1);
            int n2 = s.receiveNow(buf, 0, buf.length);
            byte[] second = Arrays.copyOf(buf, n2);
            int n3 = s.receiveNow(buf, 0, buf.length);
            s.close();
            return n3 == -1 ? List.of(first, second) : List.of();
        });
        assertThat(got).containsExactly(new byte[] {7, 8, 9}, new byte[] {7, 8, 9});
        assertThat(h.count(Counter.UDP_IN_DATAGRAMS)).isEqualTo(2);
        assertThat(h.count(Counter.UDP_IN_ERRORS)).isZero();
        h.close();
    }

    @Test
    void datagramsFromABroadcastOrMulticastSourceAreDropped() throws Exception {
        // RFC 1122 3.2.1.3: a broadcast or multicast address is never a source. Answering one would
        // broadcast the answer to the whole link (a smurf reflector).
        ProbedHost h = quietHost();
        int[] sources = {
            Ipv4Address.parseBits("10.0.2.255"),
            Ipv4Address.parseBits("255.255.255.255"),
            Ipv4Address.parseBits("224.0.0.1"),
        };
        sendFromEach(h, sources);
        assertThat(h.count(Counter.IP_IN_ADDR_ERRORS)).isEqualTo(6);
        assertThat(h.count(Counter.ICMP_IN_ECHOS)).isZero();
        assertThat(h.count(Counter.UDP_NO_PORTS)).isZero();
        assertThat(h.count(Counter.ICMP_OUT_MSGS)).isZero();
        assertThat(h.prober.seen()).as("no answer, least of all a broadcast one").isEmpty();
        h.close();
    }

    @Test
    void withoutForwardingOtherHostsDatagramsAreDropped() throws Exception {
        ProbedHost h = quietHost();
        int elsewhere = Ipv4Address.parseBits("10.0.3.5");
        // Addressed to our MAC, but to another host's IP: a host is not a router.
        h.toHost(Packets.ip(Packets.UDP, PROBER, elsewhere,
                Packets.udp(4000, 7, PROBER, elsewhere, new byte[8], Packets.Sum.GOOD)).bytes());
        h.toHost(Packets.ip(Packets.ICMP, PROBER, elsewhere, echoRequest(3, 1)).bytes());
        h.idle(100 * MS);
        assertThat(h.count(Counter.IP_IN_ADDR_ERRORS)).isEqualTo(2);
        assertThat(h.count(Counter.IP_FORW_DATAGRAMS)).isZero();
        assertThat(h.count(Counter.IP_IN_DELIVERS)).isZero();
        assertThat(h.prober.seen()).as("nothing forwarded, nothing answered").isEmpty();
        h.close();
    }

    @Test
    void martianSourcesAreDropped() throws Exception {
        // Loopback (127/8), "this network" (0/8), and our own address can never come from the
        // wire (RFC 1122 3.2.1.3, RFC 1812 5.3.7); Linux drops them as martian sources.
        ProbedHost h = quietHost();
        int[] sources = {
            Ipv4Address.parseBits("127.0.0.1"),
            Ipv4Address.parseBits("127.1.2.3"),
            Ipv4Address.parseBits("0.1.2.3"),
            Ipv4Address.parseBits("0.0.0.0"), // only a limited broadcast may come from 0.0.0.0
            HOST,
        };
        sendFromEach(h, sources);
        assertThat(h.count(Counter.IP_IN_ADDR_ERRORS)).isEqualTo(2L * sources.length);
        assertThat(h.count(Counter.IP_IN_DELIVERS)).isZero();
        assertThat(h.count(Counter.ICMP_OUT_MSGS)).isZero();
        assertThat(h.prober.seen()).as("nothing answered").isEmpty();

        // A DHCP client without an address sends from 0.0.0.0 to 255.255.255.255: a server here hears it.
        UdpSocket server = h.bind(67);
        int limited = Ipv4Address.parseBits("255.255.255.255");
        h.prober.send(Packets.ethernet(Packets.BROADCAST, h.prober.mac, Packets.IPV4, Packets.ip(Packets.UDP, 0,
                limited, Packets.udp(68, 67, 0, limited, new byte[] {1, 2, 3}, Packets.Sum.GOOD)).bytes()));
        h.idle(10 * MS);
        assertThat(h.drain(server)).containsExactly(new byte[] {1, 2, 3});
        assertThat(h.count(Counter.IP_IN_ADDR_ERRORS)).isEqualTo(2L * sources.length);
        h.closeSocket(server);
        h.close();
    }
}
