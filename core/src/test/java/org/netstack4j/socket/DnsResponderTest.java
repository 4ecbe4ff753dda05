package org.netstack4j.socket;

import org.junit.jupiter.api.Test;
import org.netstack4j.wire.DnsMessage;
import org.netstack4j.wire.DnsMessage.Message;
import org.netstack4j.wire.DnsMessage.Question;
import org.netstack4j.wire.DnsMessage.ResourceRecord;
import org.netstack4j.wire.Ipv4Address;

import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.netstack4j.socket.DnsLab.GATEWAY;
import static org.netstack4j.socket.DnsLab.PDOS;

/** DnsResponder asked with hand-made queries from a plain UDP socket (in simulated time). */
class DnsResponderTest {
    private static final int CLASS_CH = 3;
    private static final int TYPE_AXFR = 252;
    private static final int OPCODE_STATUS = 2;

    private static final Map<String, List<Integer>> A = Map.of(
            "pdos.csail.mit.edu", List.of(PDOS),
            "srv.example.com", List.of(Ipv4Address.parseBits("10.0.2.80")),
            "empty.example.com", List.of());
    private static final Map<String, String> CNAMES = Map.of(
            "www.example.com", "web.example.com",
            "web.example.com", "srv.example.com",
            "dangling.example.com", "nowhere.example.com");

    /** Sends {@code query} from the host to the responder and returns the response, or null if none came. */
    private static byte[] ask(DnsLab lab, byte[] query) throws Exception {
        return lab.run(() -> {
            try (UdpSocket s = UdpSocket.open(lab.host.host())) {
                s.setTimeout(Duration.ofSeconds(2));
                s.sendTo(query, GATEWAY, DnsMessage.PORT);
                byte[] buf = new byte[2048];
                try {
                    int n = s.receive(buf);
                    assertThat(s.sourcePort()).isEqualTo(DnsMessage.PORT);
                    return Arrays.copyOf(buf, n);
                } catch (SocketTimeoutException e) {
                    return null;
                }
            }
        });
    }

    private static Message askParsed(DnsLab lab, byte[] query) throws Exception {
        byte[] r = ask(lab, query);
        assertThat(r).as("a response").isNotNull();
        assertThat(r.length).isLessThanOrEqualTo(DnsMessage.MAX_UDP_LENGTH);
        return ((DnsMessage.Parsed) DnsMessage.parse(r)).m();
    }

    private static byte[] query(int id, int opcode, boolean rd, String name, int type, int klass) {
        return DnsMessage.encode(new Message(id, false, opcode, false, false, rd, false, 0,
                List.of(new Question(name, type, klass)), List.of(), List.of(), List.of()));
    }

    @Test
    void answersAuthoritativelyWithTheQuestionAsAsked() throws Exception {
        try (DnsLab lab = DnsLab.simulated(3)) {
            DnsResponder server = lab.responder(A, CNAMES);
            Message r = askParsed(lab, query(0x1234, 0, true, "PDOS.csail.MIT.edu", DnsMessage.TYPE_A, DnsMessage.CLASS_IN));
            assertThat(r.id()).isEqualTo(0x1234);
            assertThat(r.response()).isTrue();
            assertThat(r.authoritative()).isTrue();
            assertThat(r.recursionDesired()).isTrue();
            assertThat(r.recursionAvailable()).isFalse();
            assertThat(r.truncated()).isFalse();
            assertThat(r.rcode()).isEqualTo(DnsMessage.NOERROR);
            assertThat(r.questions()).containsExactly(new Question("PDOS.csail.MIT.edu", DnsMessage.TYPE_A, DnsMessage.CLASS_IN));
            assertThat(r.answers()).containsExactly(ResourceRecord.a("PDOS.csail.MIT.edu", DnsResponder.DEFAULT_TTL, PDOS));
            // RD clear stays clear.
            assertThat(askParsed(lab, query(7, 0, false, "pdos.csail.mit.edu", DnsMessage.TYPE_A, DnsMessage.CLASS_IN))
                    .recursionDesired()).isFalse();
            assertThat(server.answered()).isEqualTo(2);
        }
    }

    @Test
    void cnamesNodataAndNxdomain() throws Exception {
        try (DnsLab lab = DnsLab.simulated(3)) {
            DnsResponder server = lab.responder(A, CNAMES);
            long ttl = DnsResponder.DEFAULT_TTL;
            int srv = Ipv4Address.parseBits("10.0.2.80");

            Message chain = askParsed(lab, query(1, 0, true, "www.example.com", DnsMessage.TYPE_A, DnsMessage.CLASS_IN));
            assertThat(chain.rcode()).isEqualTo(DnsMessage.NOERROR);
            assertThat(chain.answers()).containsExactly(
                    ResourceRecord.cname("www.example.com", ttl, "web.example.com"),
                    ResourceRecord.cname("web.example.com", ttl, "srv.example.com"),
                    ResourceRecord.a("srv.example.com", ttl, srv));

            // Asking for the CNAME itself: that record alone.
            Message cname = askParsed(lab, query(2, 0, true, "www.example.com", DnsMessage.TYPE_CNAME, DnsMessage.CLASS_IN));
            assertThat(cname.answers()).containsExactly(
                    ResourceRecord.cname("www.example.com", ttl, "web.example.com"));

            // Another type at a name that exists: NODATA (NOERROR, nothing), after the chain for an alias.
            Message aaaa = askParsed(lab, query(3, 0, true, "pdos.csail.mit.edu", DnsMessage.TYPE_AAAA, DnsMessage.CLASS_IN));
            assertThat(aaaa.rcode()).isEqualTo(DnsMessage.NOERROR);
            assertThat(aaaa.authoritative()).isTrue();
            assertThat(aaaa.answers()).isEmpty();
            Message mx = askParsed(lab, query(4, 0, true, "www.example.com", DnsMessage.TYPE_MX, DnsMessage.CLASS_IN));
            assertThat(mx.rcode()).isEqualTo(DnsMessage.NOERROR);
            assertThat(mx.answers()).extracting(ResourceRecord::type).containsOnly(DnsMessage.TYPE_CNAME).hasSize(2);
            Message empty = askParsed(lab, query(5, 0, true, "empty.example.com", DnsMessage.TYPE_A, DnsMessage.CLASS_IN));
            assertThat(empty.rcode()).isEqualTo(DnsMessage.NOERROR);
            assertThat(empty.answers()).isEmpty();

            Message nx = askParsed(lab, query(6, 0, true, "nosuch.example.com", DnsMessage.TYPE_A, DnsMessage.CLASS_IN));
            assertThat(nx.rcode()).isEqualTo(DnsMessage.NXDOMAIN);
            assertThat(nx.authoritative()).isTrue();
            assertThat(nx.answers()).isEmpty();
            Message dangling = askParsed(lab, query(7, 0, true, "dangling.example.com", DnsMessage.TYPE_A, DnsMessage.CLASS_IN));
            assertThat(dangling.rcode()).isEqualTo(DnsMessage.NXDOMAIN);
            assertThat(dangling.answers()).containsExactly(
                    ResourceRecord.cname("dangling.example.com", ttl, "nowhere.example.com"));

            assertThat(server.nodata()).isEqualTo(3);
            assertThat(server.nxdomain()).isEqualTo(2);
            assertThat(server.answered()).isEqualTo(7);
        }
    }

    @Test
    void refusesOtherClassesAndZoneTransfers() throws Exception {
        try (DnsLab lab = DnsLab.simulated(3)) {
            DnsResponder server = lab.responder(A, CNAMES);
            Message chaos = askParsed(lab, query(1, 0, false, "version.bind", DnsMessage.TYPE_TXT, CLASS_CH));
            assertThat(chaos.rcode()).isEqualTo(DnsMessage.REFUSED);
            assertThat(chaos.questions()).hasSize(1);
            Message axfr = askParsed(lab, query(2, 0, false, "example.com", TYPE_AXFR, DnsMessage.CLASS_IN));
            assertThat(axfr.rcode()).isEqualTo(DnsMessage.REFUSED);
            assertThat(server.refused()).isEqualTo(2);
        }
    }

    @Test
    void notimpForOtherOpcodes() throws Exception {
        try (DnsLab lab = DnsLab.simulated(3)) {
            DnsResponder server = lab.responder(A, CNAMES);
            Message r = askParsed(lab, query(0xBEEF, OPCODE_STATUS, true, "pdos.csail.mit.edu", DnsMessage.TYPE_A,
                    DnsMessage.CLASS_IN));
            assertThat(r.id()).isEqualTo(0xBEEF);
            assertThat(r.opcode()).isEqualTo(OPCODE_STATUS);
            assertThat(r.rcode()).isEqualTo(DnsMessage.NOTIMP);
            assertThat(r.answers()).isEmpty();
            assertThat(server.notimp()).isEqualTo(1);
        }
    }

    @Test
    void formerrWhenTheIdCanBeReadAndSilenceOtherwise() throws Exception {
        try (DnsLab lab = DnsLab.simulated(3)) {
            DnsResponder server = lab.responder(A, CNAMES);
            // A header promising a question that is not there.
            Message r = askParsed(lab, new byte[] {(byte) 0xAB, (byte) 0xCD, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'a'});
            assertThat(r.id()).isEqualTo(0xABCD);
            assertThat(r.response()).isTrue();
            assertThat(r.rcode()).isEqualTo(DnsMessage.FORMERR);
            assertThat(r.recursionDesired()).isTrue();
            assertThat(r.questions()).isEmpty();
            // Two questions in one query.
            byte[] two = DnsMessage.encode(new Message(9, false, 0, false, false, true, false, 0,
                    List.of(new Question("a.example", DnsMessage.TYPE_A, DnsMessage.CLASS_IN),
                            new Question("b.example", DnsMessage.TYPE_A, DnsMessage.CLASS_IN)),
                    List.of(), List.of(), List.of()));
            assertThat(askParsed(lab, two).rcode()).isEqualTo(DnsMessage.FORMERR);
            // Shorter than a header: no id worth answering.
            assertThat(ask(lab, new byte[] {1, 2, 3, 4, 5})).isNull();
            // A response: answering it could start an endless exchange between two servers.
            byte[] response = DnsMessage.response(
                    ((DnsMessage.Parsed) DnsMessage.parse(query(1, 0, true, "pdos.csail.mit.edu", 1, 1))).m(),
                    List.of(), DnsMessage.NOERROR, false);
            assertThat(ask(lab, response)).isNull();
            assertThat(server.formerr()).isEqualTo(2);
            assertThat(server.dropped()).isEqualTo(2);
            assertThat(server.received()).isEqualTo(4);
            assertThat(server.answered()).isEqualTo(2);
        }
    }

    @Test
    void aLargeAnswerIsTruncatedToFit() throws Exception {
        try (DnsLab lab = DnsLab.simulated(3)) {
            List<Integer> many = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                many.add(Ipv4Address.parseBits("10.0.3." + (i + 1)));
            }
            DnsResponder server = lab.responder(Map.of("many.example.com", many), Map.of());
            Message r = askParsed(lab, query(1, 0, true, "many.example.com", DnsMessage.TYPE_A, DnsMessage.CLASS_IN));
            assertThat(r.truncated()).isTrue();
            assertThat(r.answers()).isNotEmpty().hasSizeLessThan(60);
            assertThat(server.truncated()).isEqualTo(1);
            // The resolver has no TCP to ask again: it says so.
            DnsResolver resolver = lab.resolver();
            DnsException e = lab.run(() -> {
                try {
                    resolver.resolveA("many.example.com");
                    return null;
                } catch (DnsException x) {
                    return x;
                }
            });
            assertThat(e.kind()).isEqualTo(DnsException.Kind.TRUNCATED);
        }
    }

    @Test
    void rejectsAliasesWithDataAndLoops() throws Exception {
        try (DnsLab lab = DnsLab.simulated(3)) {
            var gw = lab.gateway.host();
            lab.run(() -> {
                assertThatThrownBy(() -> new DnsResponder(gw, Map.of("a.example", List.of(PDOS)),
                        Map.of("A.example.", "b.example"))).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("alias");
                assertThatThrownBy(() -> new DnsResponder(gw, Map.of(),
                        Map.of("a.example", "b.example", "b.example", "c.example", "c.example", "A.EXAMPLE")))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loop");
                assertThatThrownBy(() -> new DnsResponder(gw, Map.of("bad..name", List.of()), Map.of()))
                        .isInstanceOf(IllegalArgumentException.class);
                return null;
            });
        }
    }

    @Test
    void serveReturnsOnCloseAndThePortIsFreeAgain() throws Exception {
        try (DnsLab lab = DnsLab.simulated(3)) {
            DnsResponder first = lab.responder(A, CNAMES);
            assertThat(first.port()).isEqualTo(DnsMessage.PORT);
            lab.run(() -> {
                first.close();
                return null;
            });
            lab.run(() -> {
                var apps = lab.host.host().applications();
                while (!lab.serversFinished()) {
                    apps.block(apps.clock().nanos() + 1_000_000);
                }
                return null;
            });
            assertThat(first.isClosed()).isTrue();
            // A new responder binds the same port; the old one's handle reaches nothing.
            DnsResponder second = lab.responder(Map.of("pdos.csail.mit.edu", List.of(PDOS)), Map.of());
            DnsResolver resolver = lab.resolver();
            assertThat(lab.run(() -> resolver.resolveA("pdos.csail.mit.edu"))).containsExactly(PDOS);
            assertThat(second.answered()).isEqualTo(1);
            assertThat(first.answered()).isZero();
        }
    }
}
