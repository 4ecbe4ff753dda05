package org.netstack4j.wire;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.wire.DnsMessage.Malformed;
import org.netstack4j.wire.DnsMessage.Message;
import org.netstack4j.wire.DnsMessage.Parse;
import org.netstack4j.wire.DnsMessage.Parsed;
import org.netstack4j.wire.DnsMessage.Question;
import org.netstack4j.wire.DnsMessage.ResourceRecord;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

// A parser that loops must fail the test, not hang the build: a separate thread can be abandoned.
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DnsMessageTest {
    private static final int PDOS = 0x8034817E; // 128.52.129.126
    private final Packets packets = new Packets();

    @AfterEach
    void close() {
        packets.close();
    }

    /** The DNS message inside a captured frame. */
    private byte[] dnsOf(String frame) {
        PacketBuffer b = packets.of(frame);
        b.trimFront(EthernetFrame.HEADER_LENGTH);
        b.truncate(Ipv4Packet.totalLength(b));
        b.trimFront(Ipv4Packet.headerLength(b));
        b.truncate(UdpDatagram.length(b));
        b.trimFront(UdpDatagram.HEADER_LENGTH);
        return b.toByteArray();
    }

    static Message parsed(byte[] data) {
        Parse p = DnsMessage.parse(data);
        assertThat(p).isInstanceOf(Parsed.class);
        return ((Parsed) p).m();
    }

    static String malformed(byte[] data) {
        Parse p = DnsMessage.parse(data);
        assertThat(p).isInstanceOf(Malformed.class);
        return ((Malformed) p).reason();
    }

    @Test
    void ourQueryIsByteForByteWhatGlibcSent() {
        byte[] glibc = dnsOf(Captures.LINUX_DNS_QUERY);
        assertThat(DnsMessage.query(0xd9fe, "pdos.csail.mit.edu", DnsMessage.TYPE_A, true)).isEqualTo(glibc);
        assertThat(DnsMessage.query(0xd9fe, "pdos.csail.mit.edu.", DnsMessage.TYPE_A, true)).as("absolute form").isEqualTo(glibc);

        Message q = parsed(glibc);
        assertThat(q.id()).isEqualTo(0xd9fe);
        assertThat(q.response()).isFalse();
        assertThat(q.opcode()).isEqualTo(DnsMessage.OPCODE_QUERY);
        assertThat(q.recursionDesired()).isTrue();
        assertThat(q.questions()).containsExactly(new Question("pdos.csail.mit.edu", DnsMessage.TYPE_A, DnsMessage.CLASS_IN));
        assertThat(q.answers()).isEmpty();
    }

    @Test
    void readsDnsmasqsAnswerCompressedToTheQuestion() {
        Message r = parsed(dnsOf(Captures.LINUX_DNS_RESPONSE));
        assertThat(r.id()).isEqualTo(0xd9fe);
        assertThat(r.response()).isTrue();
        assertThat(r.authoritative()).isTrue();
        assertThat(r.truncated()).isFalse();
        assertThat(r.recursionDesired()).isTrue();
        assertThat(r.recursionAvailable()).isTrue();
        assertThat(r.rcode()).isEqualTo(DnsMessage.NOERROR);
        assertThat(r.answers()).hasSize(1);
        ResourceRecord a = r.answers().getFirst();
        assertThat(a.name()).isEqualTo("pdos.csail.mit.edu");
        assertThat(a.type()).isEqualTo(DnsMessage.TYPE_A);
        assertThat(a.klass()).isEqualTo(DnsMessage.CLASS_IN);
        assertThat(a.ttl()).isZero();
        assertThat(a.ipv4()).isEqualTo(PDOS);
        assertThat(a.nameData()).isNull();
        assertThatThrownBy(a::target).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void readsACnameChainWhoseSecondOwnerPointsIntoTheCnameData() {
        Message r = parsed(dnsOf(Captures.LINUX_DNS_CNAME_RESPONSE));
        assertThat(r.questions().getFirst().name()).isEqualTo("www.netstack4j.test");
        assertThat(r.answers()).hasSize(2);
        ResourceRecord cname = r.answers().get(0);
        assertThat(cname.name()).isEqualTo("www.netstack4j.test");
        assertThat(cname.type()).isEqualTo(DnsMessage.TYPE_CNAME);
        assertThat(cname.target()).isEqualTo("pdos.csail.mit.edu");
        assertThat(cname.data()).isEqualTo(Packets.hex("04 70 64 6f 73 05 63 73 61 69 6c 03 6d 69 74 03 65 64 75 00"));
        ResourceRecord a = r.answers().get(1);
        assertThat(a.name()).as("c0 31, into the CNAME's RDATA").isEqualTo("pdos.csail.mit.edu");
        assertThat(a.ipv4()).isEqualTo(PDOS);
        assertThatThrownBy(cname::ipv4).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void readsNxdomainAndAGoogleAaaaAnswer() {
        Message nx = parsed(dnsOf(Captures.LINUX_DNS_NXDOMAIN));
        assertThat(nx.rcode()).isEqualTo(DnsMessage.NXDOMAIN);
        assertThat(nx.authoritative()).isFalse();
        assertThat(nx.answers()).isEmpty();
        assertThat(nx.questions().getFirst().name()).isEqualTo("nope.netstack4j.test");

        Message g = parsed(Packets.hex(Captures.GOOGLE_AAAA_RESPONSE));
        assertThat(g.id()).isEqualTo(0x4b4d);
        assertThat(g.authoritative()).isTrue();
        assertThat(g.recursionAvailable()).isFalse();
        ResourceRecord aaaa = g.answers().getFirst();
        assertThat(aaaa.name()).isEqualTo("www.google.com");
        assertThat(aaaa.type()).isEqualTo(DnsMessage.TYPE_AAAA);
        assertThat(aaaa.ttl()).isEqualTo(300);
        assertThat(aaaa.data()).isEqualTo(Packets.hex("2a00 1450 400e 0809 0000 0000 0000 2004"));
    }

    @Test
    void ourResponsesMatchDnsmasqsBytesButForTheRecursionAvailableBit() {
        Message query = parsed(dnsOf(Captures.LINUX_DNS_QUERY));
        byte[] ours = DnsMessage.response(query, List.of(ResourceRecord.a("pdos.csail.mit.edu", 0, PDOS)), DnsMessage.NOERROR, true);
        assertThat(ours).isEqualTo(withoutRa(dnsOf(Captures.LINUX_DNS_RESPONSE)));

        Message cnameQuery = parsed(DnsMessage.query(0xf699, "www.netstack4j.test", DnsMessage.TYPE_A, true));
        byte[] chain = DnsMessage.response(cnameQuery, List.of(
                ResourceRecord.cname("www.netstack4j.test", 0, "pdos.csail.mit.edu"),
                ResourceRecord.a("pdos.csail.mit.edu", 0, PDOS)), DnsMessage.NOERROR, true);
        assertThat(chain).isEqualTo(withoutRa(dnsOf(Captures.LINUX_DNS_CNAME_RESPONSE)));

        Message nxQuery = parsed(DnsMessage.query(0xba37, "nope.netstack4j.test", DnsMessage.TYPE_A, true));
        assertThat(DnsMessage.response(nxQuery, List.of(), DnsMessage.NXDOMAIN, false))
                .isEqualTo(withoutRa(dnsOf(Captures.LINUX_DNS_NXDOMAIN)));
    }

    private static byte[] withoutRa(byte[] message) {
        byte[] copy = message.clone();
        copy[3] &= (byte) ~0x80;
        return copy;
    }

    @Test
    void answersWithADifferentlyCasedNameAreNotCompressed() {
        Message q = parsed(DnsMessage.query(1, "WwW.Example.COM", DnsMessage.TYPE_A, false));
        byte[] r = DnsMessage.response(q, List.of(ResourceRecord.a("www.example.com", 60, 1)), DnsMessage.NOERROR, true);
        Message m = parsed(r);
        assertThat(m.questions().getFirst().name()).isEqualTo("WwW.Example.COM");
        assertThat(m.answers().getFirst().name()).isEqualTo("www.example.com");
        byte[] same = DnsMessage.response(q, List.of(ResourceRecord.a("WwW.Example.COM", 60, 1)), DnsMessage.NOERROR, true);
        assertThat(same.length).isEqualTo(r.length - 15);
    }

    @Test
    void queryRefusesNamesThatCannotBeEncoded() {
        assertThatThrownBy(() -> DnsMessage.query(1, "a..b", 1, true)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty label");
        assertThatThrownBy(() -> DnsMessage.query(1, ".a", 1, true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DnsMessage.query(1, "x".repeat(64) + ".com", 1, true)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("63");
        String long255 = String.join(".", "a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(62));
        assertThatThrownBy(() -> DnsMessage.query(1, long255, 1, true)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("255");
        assertThat(DnsMessage.query(1, long255.substring(1), 1, true)).hasSize(12 + 255 + 4);
        assertThatThrownBy(() -> DnsMessage.query(1, "bücher.example", 1, true)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("punycode");
        assertThatThrownBy(() -> DnsMessage.query(1, "a\\", 1, true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DnsMessage.query(1, "a\\25", 1, true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DnsMessage.query(1, "a\\256", 1, true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DnsMessage.query(0x10000, "a", 1, true)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void escapedLabelsRoundTrip() {
        byte[] q = DnsMessage.query(7, "a\\.b\\\\c\\000\\255 d.example", DnsMessage.TYPE_A, false);
        // one label: a . b \ c 0x00 0xff space d
        assertThat(Arrays.copyOfRange(q, 12, 12 + 12)).isEqualTo(Packets.hex("09 61 2e 62 5c 63 00 ff 20 64 07 65"));
        assertThat(parsed(q).questions().getFirst().name()).isEqualTo("a\\.b\\\\c\\000\\255\\032d.example");
        assertThat(parsed(DnsMessage.query(7, ".", DnsMessage.TYPE_NS, false)).questions().getFirst().name()).isEqualTo(".");
    }

    @Test
    void resourceRecordsCompareByContent() {
        ResourceRecord a = ResourceRecord.a("x.test", 60, 0x01020304);
        assertThat(a).isEqualTo(new ResourceRecord("x.test", DnsMessage.TYPE_A, DnsMessage.CLASS_IN, 60, new byte[] {1, 2, 3, 4}));
        assertThat(a.hashCode()).isEqualTo(ResourceRecord.a("x.test", 60, 0x01020304).hashCode());
        assertThat(a).isNotEqualTo(ResourceRecord.a("x.test", 60, 0x01020305));
        assertThat(a.toString()).contains("x.test", "1.2.3.4");
        ResourceRecord c = new ResourceRecord("w.test", DnsMessage.TYPE_CNAME, DnsMessage.CLASS_IN, 5, Packets.hex("01 78 04 74 65 73 74 00"));
        assertThat(c.target()).isEqualTo("x.test");
        assertThat(c).isEqualTo(ResourceRecord.cname("w.test", 5, "x.test"));
        assertThatThrownBy(() -> new ResourceRecord("w.test", DnsMessage.TYPE_CNAME, DnsMessage.CLASS_IN, 5, Packets.hex("c0 0c")))
                .isInstanceOf(IllegalArgumentException.class);
        ResourceRecord given = new ResourceRecord("w.test", DnsMessage.TYPE_CNAME, DnsMessage.CLASS_IN, 5, new byte[] {9, 9}, "x.test");
        assertThat(given.data()).as("data follows nameData").isEqualTo(c.data());
        assertThatThrownBy(() -> new ResourceRecord("w", DnsMessage.TYPE_A, 1, -1, new byte[4])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ResourceRecord("w", DnsMessage.TYPE_A, 1, 1, new byte[4], "x")).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- Malformed input: specific cases.

    /** A header with the given counts, then {@code body}. */
    private static byte[] message(int qd, int an, String body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(Packets.hex("1234 8180"));
        out.writeBytes(new byte[] {0, (byte) qd, 0, (byte) an, 0, 0, 0, 0});
        out.writeBytes(Packets.hex(body));
        return out.toByteArray();
    }

    @Test
    void shortOrTruncatedMessagesAreMalformed() {
        assertThat(malformed(new byte[0])).contains("shorter than the 12-byte header");
        assertThat(malformed(new byte[11])).contains("header");
        assertThat(malformed(message(1, 0, ""))).contains("past the end");
        assertThat(malformed(message(1, 0, "01 61 00 00 01 00"))).contains("needed 2 bytes");
        byte[] whole = dnsOf(Captures.LINUX_DNS_CNAME_RESPONSE);
        for (int cut = 0; cut < whole.length; cut++) {
            assertThat(DnsMessage.parse(whole, cut)).as("cut at %d", cut).isInstanceOf(Malformed.class);
        }
        assertThat(DnsMessage.parse(whole, whole.length)).isInstanceOf(Parsed.class);
    }

    @Test
    void pointerLoopsAreMalformed() {
        assertThat(malformed(message(1, 0, "c0 0c 0001 0001"))).contains("does not point back");
        // A label, then a pointer back to the start of that same run.
        assertThat(malformed(message(1, 0, "01 61 c0 0c 0001 0001"))).contains("pointer at 14 to 12");
        // Two names pointing at each other: the first pointer already points forward.
        assertThat(malformed(message(2, 0, "c0 0e c0 0c"))).contains("does not point back");
        // Question fine, answer owner name points at itself after one label.
        assertThat(malformed(message(1, 1, "01 61 00 0001 0001   01 62 c0 13"))).contains("pointer at 21 to 19");
    }

    @Test
    void pointersPastTheEndAreMalformed() {
        assertThat(malformed(message(1, 0, "c0 ff 0001 0001"))).contains("does not point back");
        assertThat(malformed(message(1, 0, "ff ff 0001 0001"))).contains("does not point back");
        assertThat(malformed(message(1, 0, "01 61 c0"))).contains("past the end");
    }

    @Test
    void labelLengthsOver63AreMalformed() {
        assertThat(malformed(message(1, 0, "40" + " 61".repeat(64) + " 00 0001 0001"))).contains("0x40").contains("over 63");
        assertThat(malformed(message(1, 0, "80 00 0001 0001"))).contains("0x80");
        assertThat(malformed(message(1, 0, "3f" + " 61".repeat(10)))).contains("label of 63 bytes");
    }

    @Test
    void namesOver255BytesAreMalformedEvenWhenBuiltFromPointers() {
        String l63 = "3f" + " 61".repeat(63);
        assertThat(parsed(message(1, 0, String.join(" ", l63, l63, l63, "3d" + " 61".repeat(61), "00 0001 0001")))
                .questions().getFirst().name()).hasSize(255 - 1 - 1);
        assertThat(malformed(message(1, 0, String.join(" ", l63, l63, l63, "3e" + " 61".repeat(62), "00 0001 0001"))))
                .contains("longer than 255");

        // 200 questions, each one label in front of a pointer to the previous: the names grow by
        // two bytes each, and the 127th is too long. Nothing recurses, nothing loops.
        StringBuilder body = new StringBuilder("01 61 00 0001 0001");
        int previous = 12;
        int at = 12 + 7;
        for (int i = 1; i < 200; i++) {
            body.append(String.format(" 01 61 %04x 0001 0001", 0xC000 | previous));
            previous = at;
            at += 8;
        }
        assertThat(malformed(message(200, 0, body.toString()))).contains("longer than 255");
    }

    @Test
    void badRdataIsMalformed() {
        String question = "01 61 00 0001 0001 ";
        assertThat(malformed(message(1, 1, question + "c0 0c 0001 0001 00000000 0003 010203"))).contains("address of 3 bytes");
        assertThat(malformed(message(1, 1, question + "c0 0c 001c 0001 00000000 0004 01020304"))).contains("address of 4 bytes");
        assertThat(malformed(message(1, 1, question + "c0 0c 0001 0001 00000000 0005 01020304"))).contains("runs past the end");
        assertThat(malformed(message(1, 1, question + "c0 0c 0005 0001 00000000 0004 c0 0c 00 00"))).contains("does not fill");
        assertThat(malformed(message(1, 1, question + "c0 0c 0005 0001 00000000 0001 01 61 00"))).contains("does not fill");
        // Other classes may carry other address formats (CHAOS A records do): kept raw.
        assertThat(parsed(message(1, 1, question + "c0 0c 0001 0003 00000000 0003 010203")).answers()).hasSize(1);
    }

    @Test
    void trailingBytesAfterTheLastRecordAreIgnored() {
        byte[] m = dnsOf(Captures.LINUX_DNS_RESPONSE);
        byte[] longer = Arrays.copyOf(m, m.length + 9);
        assertThat(parsed(longer)).isEqualTo(parsed(m));
    }

    // ---- Round trips.

    @Test
    void randomMessagesRoundTrip() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(1035);
        for (int i = 0; i < 3_000; i++) {
            Message m = DnsFuzz.randomMessage(rnd);
            byte[] wire = DnsMessage.encode(m);
            assertThat(parsed(wire)).as("message %d", i).isEqualTo(m);
            assertThat(DnsMessage.encode(parsed(wire))).isEqualTo(wire);
        }
    }

    @Test
    void compressionShrinksRepeatedNames() {
        List<ResourceRecord> answers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            answers.add(ResourceRecord.a("host.example.org", 60, i));
        }
        Message q = parsed(DnsMessage.query(9, "host.example.org", DnsMessage.TYPE_A, true));
        byte[] r = DnsMessage.response(q, answers, DnsMessage.NOERROR, true);
        assertThat(r).hasSize(12 + 18 + 4 + 5 * (2 + 10 + 4));
        assertThat(Arrays.copyOfRange(r, 34, 36)).isEqualTo(Packets.hex("c00c"));
    }
}
