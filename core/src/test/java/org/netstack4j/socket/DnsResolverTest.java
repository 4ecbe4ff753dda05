package org.netstack4j.socket;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.netstack4j.stack.Counter;
import org.netstack4j.wire.DnsMessage;
import org.netstack4j.wire.DnsMessage.ResourceRecord;
import org.netstack4j.wire.Ipv4Address;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.netstack4j.socket.DnsLab.EVIL;
import static org.netstack4j.socket.DnsLab.PDOS;

/** The stub resolver against DnsResponder and against scripted (and hostile) servers. */
class DnsResolverTest {
    private static final String PDOS_NAME = "pdos.csail.mit.edu";

    private static int ip(String dotted) {
        return Ipv4Address.parseBits(dotted);
    }

    private static DnsException failure(DnsLab lab, DnsResolver resolver, String name) throws Exception {
        return lab.run(() -> {
            try {
                resolver.resolveA(name);
                return null;
            } catch (DnsException e) {
                return e;
            }
        });
    }

    // ==== Against DnsResponder, simulated and on real threads ==============================

    @ParameterizedTest
    @EnumSource(DnsLab.Mode.class)
    void resolvesTheXv6LabQuery(DnsLab.Mode mode) throws Exception {
        try (DnsLab lab = DnsLab.of(mode, 7)) {
            DnsResponder server = lab.responder(Map.of(PDOS_NAME, List.of(PDOS)), Map.of());
            DnsResolver resolver = lab.resolver();
            List<Integer> addresses = lab.run(() -> resolver.resolveA(PDOS_NAME));
            assertThat(addresses).containsExactly(PDOS);
            // Names compare without regard to case; a final dot names the same name.
            assertThat(lab.run(() -> resolver.resolveA("PDOS.Csail.MIT.edu."))).containsExactly(PDOS);
            assertThat(resolver.queriesSent()).isEqualTo(2);
            assertThat(resolver.retries()).isZero();
            assertThat(resolver.mismatchedResponses()).isZero();
            assertThat(resolver.malformedResponses()).isZero();
            assertThat(resolver.responsesAccepted()).isEqualTo(2);
            assertThat(server.answered()).isEqualTo(2);
            assertThat(server.received()).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @EnumSource(DnsLab.Mode.class)
    void followsACnameChain(DnsLab.Mode mode) throws Exception {
        try (DnsLab lab = DnsLab.of(mode, 7)) {
            lab.responder(Map.of("srv.example.com", List.of(ip("10.0.2.80"), ip("10.0.2.81"))),
                    Map.of("www.example.com", "web.example.com", "web.example.com", "srv.example.com"));
            DnsResolver resolver = lab.resolver();
            DnsResolver.Answer answer = lab.run(() -> resolver.resolve("www.example.com"));
            assertThat(answer.name()).isEqualTo("www.example.com");
            assertThat(answer.cnames()).containsExactly("web.example.com", "srv.example.com");
            assertThat(answer.canonicalName()).isEqualTo("srv.example.com");
            assertThat(answer.addresses()).containsExactly(ip("10.0.2.80"), ip("10.0.2.81"));
            assertThat(answer.ttl()).isEqualTo(DnsResponder.DEFAULT_TTL);
        }
    }

    @ParameterizedTest
    @EnumSource(DnsLab.Mode.class)
    void nxdomainIsAClearError(DnsLab.Mode mode) throws Exception {
        try (DnsLab lab = DnsLab.of(mode, 7)) {
            DnsResponder server = lab.responder(Map.of(PDOS_NAME, List.of(PDOS)),
                    Map.of("dangling.example.com", "nowhere.example.com"));
            DnsResolver resolver = lab.resolver();
            DnsException e = failure(lab, resolver, "nosuch.csail.mit.edu");
            assertThat(e).isNotNull();
            assertThat(e.kind()).isEqualTo(DnsException.Kind.NXDOMAIN);
            assertThat(e.rcode()).isEqualTo(DnsMessage.NXDOMAIN);
            assertThat(e.name()).isEqualTo("nosuch.csail.mit.edu");
            assertThat(e).hasMessageContaining("nosuch.csail.mit.edu").hasMessageContaining("NXDOMAIN");
            // A CNAME to a name that does not exist: NXDOMAIN for the end of the chain (RFC 6604).
            assertThat(failure(lab, resolver, "dangling.example.com").kind()).isEqualTo(DnsException.Kind.NXDOMAIN);
            assertThat(server.nxdomain()).isEqualTo(2);
            assertThat(resolver.retries()).isZero();
        }
    }

    @Test
    void aNameWithoutAddressesIsNoData() throws Exception {
        try (DnsLab lab = DnsLab.simulated(7)) {
            DnsResponder server = lab.responder(Map.of("mail.example.com", List.of()),
                    Map.of("alias.example.com", "mail.example.com"));
            DnsResolver resolver = lab.resolver();
            DnsException e = failure(lab, resolver, "mail.example.com");
            assertThat(e.kind()).isEqualTo(DnsException.Kind.NO_DATA);
            assertThat(failure(lab, resolver, "alias.example.com").kind()).isEqualTo(DnsException.Kind.NO_DATA);
            assertThat(server.nodata()).isEqualTo(2);
        }
    }

    @Test
    void aChainLongerThanAllowedIsAnError() throws Exception {
        try (DnsLab lab = DnsLab.simulated(7)) {
            lab.responder(Map.of("d.example", List.of(PDOS)),
                    Map.of("a.example", "b.example", "b.example", "c.example", "c.example", "d.example"));
            DnsResolver strict = lab.resolver(DnsResolver.Options.DEFAULT.withMaxCnameChain(2));
            assertThat(failure(lab, strict, "a.example").kind()).isEqualTo(DnsException.Kind.CNAME_CHAIN_TOO_LONG);
            assertThat(lab.run(() -> strict.resolveA("b.example"))).containsExactly(PDOS);
            DnsResolver lenient = lab.resolver(DnsResolver.Options.DEFAULT.withMaxCnameChain(3));
            assertThat(lab.run(() -> lenient.resolveA("a.example"))).containsExactly(PDOS);
        }
    }

    // ==== Nobody answers ===================================================================

    @Test
    void timesOutAfterEveryRetryWhenNoServerListens() throws Exception {
        try (DnsLab lab = DnsLab.simulated(7)) {
            DnsResolver resolver = lab.resolver();
            var clock = lab.host.host().applications().clock();
            long[] elapsed = new long[1];
            DnsException e = lab.run(() -> {
                long start = clock.nanos();
                try {
                    resolver.resolveA(PDOS_NAME);
                    return null;
                } catch (DnsException x) {
                    elapsed[0] = clock.nanos() - start;
                    return x;
                }
            });
            assertThat(e.kind()).isEqualTo(DnsException.Kind.TIMEOUT);
            assertThat(e.rcode()).isEqualTo(-1);
            assertThat(e).hasMessageContaining("3 tries");
            assertThat(resolver.queriesSent()).isEqualTo(3);
            assertThat(resolver.retries()).isEqualTo(2);
            assertThat(resolver.timeouts()).isEqualTo(3);
            // Three tries of one (simulated) second each.
            assertThat(elapsed[0]).isBetween(3_000_000_000L, 3_100_000_000L);
            // Each query reached the gateway, which had no port 53 and said so (ICMP port unreachable).
            assertThat(lab.gateway.host().counters().get(Counter.UDP_NO_PORTS)).isEqualTo(3);
        }
    }

    @Test
    void retriesAsConfigured() throws Exception {
        try (DnsLab lab = DnsLab.simulated(7)) {
            DnsResolver resolver = lab.resolver(DnsResolver.Options.DEFAULT.withTries(5)
                    .withTimeout(Duration.ofMillis(200)));
            assertThat(failure(lab, resolver, PDOS_NAME).kind()).isEqualTo(DnsException.Kind.TIMEOUT);
            assertThat(resolver.retries()).isEqualTo(4);
            assertThat(resolver.queriesSent()).isEqualTo(5);
        }
    }

    @Test
    void timesOutOnRealThreads() throws Exception {
        try (DnsLab lab = DnsLab.real(7)) {
            DnsResolver resolver = lab.resolver(DnsResolver.Options.DEFAULT.withTries(2)
                    .withTimeout(Duration.ofMillis(100)));
            long start = System.nanoTime();
            assertThat(failure(lab, resolver, PDOS_NAME).kind()).isEqualTo(DnsException.Kind.TIMEOUT);
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(200_000_000L);
            assertThat(resolver.retries()).isEqualTo(1);
            assertThat(resolver.queriesSent()).isEqualTo(2);
        }
    }

    @Test
    void aLateAnswerToTheFirstTryIsTaken() throws Exception {
        try (DnsLab lab = DnsLab.simulated(7)) {
            // The server sits on the first query; it answers only the second, which has the same id.
            DnsLab.FakeServer fake = lab.fake((i, q, out) -> {
                if (i == 1) {
                    out.send(DnsLab.reply(q, DnsMessage.NOERROR, ResourceRecord.a(PDOS_NAME, 60, PDOS)));
                }
            });
            DnsResolver resolver = lab.resolver();
            assertThat(lab.run(() -> resolver.resolveA(PDOS_NAME))).containsExactly(PDOS);
            assertThat(resolver.retries()).isEqualTo(1);
            assertThat(fake.queries).hasSize(2);
            assertThat(fake.queries.get(1).id()).isEqualTo(fake.queries.get(0).id());
        }
    }

    // ==== Hostile and broken servers =======================================================

    @Test
    void ignoresRogueResponsesAndTakesTheRightOne() throws Exception {
        try (DnsLab lab = DnsLab.simulated(7)) {
            lab.fake((i, q, out) -> {
                ResourceRecord evil = ResourceRecord.a(PDOS_NAME, 60, EVIL);
                // From the right address but the wrong port.
                out.sendFromOtherPort(DnsLab.reply(q, DnsMessage.NOERROR, evil));
                // The wrong id.
                out.send(DnsLab.message(q.id() ^ 0x5A5A, true, false, DnsMessage.NOERROR, PDOS_NAME,
                        DnsMessage.TYPE_A, List.of(evil)));
                // The right id, the wrong question.
                out.send(DnsLab.message(q.id(), true, false, DnsMessage.NOERROR, "evil.example.com",
                        DnsMessage.TYPE_A, List.of(ResourceRecord.a("evil.example.com", 60, EVIL))));
                // The right id and name, the wrong type.
                out.send(DnsLab.message(q.id(), true, false, DnsMessage.NOERROR, PDOS_NAME,
                        DnsMessage.TYPE_AAAA, List.of(evil)));
                // QR clear: a query, not a response.
                out.send(DnsLab.message(q.id(), false, false, DnsMessage.NOERROR, PDOS_NAME,
                        DnsMessage.TYPE_A, List.of(evil)));
                // At last the answer, in another case (0x20): still the same question.
                out.send(DnsLab.message(q.id(), true, false, DnsMessage.NOERROR, "PDOS.csail.MIT.edu",
                        DnsMessage.TYPE_A, List.of(ResourceRecord.a("pdos.CSAIL.mit.edu", 60, PDOS))));
            });
            DnsResolver resolver = lab.resolver();
            assertThat(lab.run(() -> resolver.resolveA(PDOS_NAME))).containsExactly(PDOS);
            assertThat(resolver.mismatchedResponses()).isEqualTo(5);
            assertThat(resolver.malformedResponses()).isZero();
            assertThat(resolver.retries()).isZero();
            assertThat(resolver.queriesSent()).isEqualTo(1);
        }
    }

    @Test
    void recordsForOtherNamesInTheAnswerAreIgnored() throws Exception {
        try (DnsLab lab = DnsLab.simulated(7)) {
            lab.fake((i, q, out) -> out.send(DnsLab.reply(q, DnsMessage.NOERROR,
                    ResourceRecord.a("evil.example.com", 60, EVIL),
                    ResourceRecord.a(PDOS_NAME, 60, PDOS),
                    ResourceRecord.cname("other.example.com", 60, "evil.example.com"))));
            DnsResolver resolver = lab.resolver();
            assertThat(lab.run(() -> resolver.resolveA(PDOS_NAME))).containsExactly(PDOS);
        }
    }

    @Test
    void malformedResponseIsCountedThenRetried() throws Exception {
        try (DnsLab lab = DnsLab.simulated(7)) {
            DnsLab.FakeServer fake = lab.fake((i, q, out) -> {
                if (i == 0) {
                    // The right id and a header promising an answer that is not there.
                    out.send(new byte[] {(byte) (q.id() >>> 8), (byte) q.id(), (byte) 0x81, (byte) 0x80,
                            0, 1, 0, 1, 0, 0, 0, 0, 4, 'p', 'd'});
                } else {
                    out.send(DnsLab.reply(q, DnsMessage.NOERROR, ResourceRecord.a(PDOS_NAME, 60, PDOS)));
                }
            });
            DnsResolver resolver = lab.resolver();
            assertThat(lab.run(() -> resolver.resolveA(PDOS_NAME))).containsExactly(PDOS);
            assertThat(resolver.malformedResponses()).isEqualTo(1);
            assertThat(resolver.mismatchedResponses()).isZero();
            assertThat(resolver.retries()).isEqualTo(1);
            assertThat(resolver.queriesSent()).isEqualTo(2);
            assertThat(fake.queries).hasSize(2);
        }
    }

    @Test
    void onlyMalformedResponsesFailAsMalformed() throws Exception {
        try (DnsLab lab = DnsLab.simulated(7)) {
            lab.fake((i, q, out) -> out.send(new byte[] {1, 2, 3}));
            DnsResolver resolver = lab.resolver(DnsResolver.Options.DEFAULT.withTries(2));
            DnsException e = failure(lab, resolver, PDOS_NAME);
            assertThat(e.kind()).isEqualTo(DnsException.Kind.MALFORMED);
            assertThat(e).hasMessageContaining("shorter than the 12-byte header");
            assertThat(resolver.malformedResponses()).isEqualTo(2);
            assertThat(resolver.retries()).isEqualTo(1);
        }
    }

    @Test
    void aCnameLoopIsDetected() throws Exception {
        try (DnsLab lab = DnsLab.simulated(7)) {
            lab.fake((i, q, out) -> out.send(DnsLab.reply(q, DnsMessage.NOERROR,
                    ResourceRecord.cname(PDOS_NAME, 60, "a.example.com"),
                    ResourceRecord.cname("a.example.com", 60, "b.example.com"),
                    ResourceRecord.cname("b.example.com", 60, "PDOS.csail.mit.edu"),
                    ResourceRecord.a("b.example.com", 60, EVIL))));
            DnsResolver resolver = lab.resolver();
            DnsException e = failure(lab, resolver, PDOS_NAME);
            assertThat(e.kind()).isEqualTo(DnsException.Kind.CNAME_LOOP);
            assertThat(e).hasMessageContaining("a.example.com -> b.example.com");
            assertThat(resolver.retries()).isZero();
        }
    }

    @Test
    void serverFailureRefusalAndTruncationAreErrors() throws Exception {
        try (DnsLab lab = DnsLab.simulated(7)) {
            int[] codes = {DnsMessage.SERVFAIL, DnsMessage.REFUSED, DnsMessage.NOTIMP, DnsMessage.FORMERR, 9};
            lab.fake((i, q, out) -> {
                if (i < codes.length) {
                    out.send(DnsLab.reply(q, codes[i]));
                } else {
                    out.send(DnsLab.message(q.id(), true, true, DnsMessage.NOERROR, PDOS_NAME, DnsMessage.TYPE_A,
                            List.of(ResourceRecord.a(PDOS_NAME, 60, PDOS))));
                }
            });
            DnsResolver resolver = lab.resolver();
            List<DnsException.Kind> kinds = new ArrayList<>();
            List<Integer> rcodes = new ArrayList<>();
            for (int i = 0; i <= codes.length; i++) {
                DnsException e = failure(lab, resolver, PDOS_NAME);
                kinds.add(e.kind());
                rcodes.add(e.rcode());
            }
            assertThat(kinds).containsExactly(DnsException.Kind.SERVFAIL, DnsException.Kind.REFUSED,
                    DnsException.Kind.NOTIMP, DnsException.Kind.FORMERR, DnsException.Kind.RCODE,
                    DnsException.Kind.TRUNCATED);
            assertThat(rcodes).containsExactly(2, 5, 4, 1, 9, -1);
            assertThat(resolver.retries()).isZero();
        }
    }

    // ==== Ids ==============================================================================

    private static List<Integer> idsSeen(long seed) throws Exception {
        try (DnsLab lab = DnsLab.simulated(seed)) {
            DnsLab.FakeServer fake = lab.fake((i, q, out) ->
                    out.send(DnsLab.reply(q, DnsMessage.NOERROR, ResourceRecord.a(PDOS_NAME, 60, PDOS))));
            DnsResolver resolver = lab.resolver();
            lab.run(() -> {
                for (int i = 0; i < 8; i++) {
                    resolver.resolveA(PDOS_NAME);
                }
                return null;
            });
            return fake.queries.stream().map(DnsMessage.Message::id).toList();
        }
    }

    @Test
    void idsAreRandomAndFollowTheSeed() throws Exception {
        List<Integer> first = idsSeen(7);
        assertThat(first).hasSize(8);
        assertThat(first).doesNotHaveDuplicates();
        assertThat(idsSeen(7)).isEqualTo(first);
        assertThat(idsSeen(8)).isNotEqualTo(first);
    }

    @Test
    void rejectsBadNamesAndOptions() {
        assertThatThrownBy(() -> DnsResolver.canonical("a..b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DnsResolver.canonical("x".repeat(64) + ".com"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(DnsResolver.canonical("Example.COM.")).isEqualTo("Example.COM");
        assertThatThrownBy(() -> DnsResolver.Options.DEFAULT.withTries(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DnsResolver.Options.DEFAULT.withTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
