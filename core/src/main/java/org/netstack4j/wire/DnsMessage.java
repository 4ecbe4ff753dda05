package org.netstack4j.wire;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * DNS messages (RFC 1035 §4) over byte arrays. Unlike the rest of this package this runs on
 * application threads (the resolver, a test server), so it allocates freely; it is still safe on
 * any bytes: {@link #parse} answers {@link Malformed} for anything it cannot read, and follows
 * compression pointers only backwards, so loops and long chains cannot hang or overflow it.
 */
public final class DnsMessage {
    public static final int PORT = 53;
    public static final int HEADER_LENGTH = 12;
    /** Largest message over UDP without EDNS (RFC 1035 §4.2.1). */
    public static final int MAX_UDP_LENGTH = 512;

    public static final int TYPE_A = 1;
    public static final int TYPE_NS = 2;
    public static final int TYPE_CNAME = 5;
    public static final int TYPE_SOA = 6;
    public static final int TYPE_PTR = 12;
    public static final int TYPE_MX = 15;
    public static final int TYPE_TXT = 16;
    public static final int TYPE_AAAA = 28;
    public static final int CLASS_IN = 1;

    public static final int OPCODE_QUERY = 0;

    public static final int NOERROR = 0;
    public static final int FORMERR = 1;
    public static final int SERVFAIL = 2;
    public static final int NXDOMAIN = 3;
    public static final int NOTIMP = 4;
    public static final int REFUSED = 5;

    private static final int FLAG_QR = 0x8000;
    private static final int FLAG_AA = 0x0400;
    private static final int FLAG_TC = 0x0200;
    private static final int FLAG_RD = 0x0100;
    private static final int FLAG_RA = 0x0080;

    private DnsMessage() {
    }

    /** The result of {@link #parse}: a message, or why there is none. */
    public sealed interface Parse permits Parsed, Malformed {
    }

    public record Parsed(Message m) implements Parse {
    }

    public record Malformed(String reason) implements Parse {
    }

    public record Message(int id, boolean response, int opcode, boolean authoritative, boolean truncated,
                          boolean recursionDesired, boolean recursionAvailable, int rcode,
                          List<Question> questions, List<ResourceRecord> answers,
                          List<ResourceRecord> authorities, List<ResourceRecord> additionals) {
        public Message {
            checkRange("id", id, 0xFFFF);
            checkRange("opcode", opcode, 0xF);
            checkRange("rcode", rcode, 0xF);
            questions = List.copyOf(questions);
            answers = List.copyOf(answers);
            authorities = List.copyOf(authorities);
            additionals = List.copyOf(additionals);
        }
    }

    /** {@code klass} because {@code class} is taken. */
    public record Question(String name, int type, int klass) {
        public Question {
            Objects.requireNonNull(name, "name");
            checkRange("type", type, 0xFFFF);
            checkRange("class", klass, 0xFFFF);
        }
    }

    /**
     * A resource record. {@code data} is the RDATA. For NS, CNAME and PTR the RDATA is a name that
     * may be compressed against the whole message, which the bytes alone cannot resolve later:
     * the parser decodes it into {@code nameData} and keeps {@code data} as that name
     * uncompressed. {@code nameData} is what gets written (compressed) when the record is encoded
     * again; it is null for every other type.
     */
    public record ResourceRecord(String name, int type, int klass, long ttl, byte[] data, String nameData) {
        public ResourceRecord {
            Objects.requireNonNull(name, "name");
            checkRange("type", type, 0xFFFF);
            checkRange("class", klass, 0xFFFF);
            if (ttl < 0 || ttl > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("TTL " + ttl + " is not an unsigned 32-bit number");
            }
            data = data.clone();
            if (data.length > 0xFFFF) {
                throw new IllegalArgumentException("RDATA of " + data.length + " bytes is over 65535");
            }
            if (!hasNameData(type) && nameData != null) {
                throw new IllegalArgumentException("type " + type + " holds no name, yet nameData is " + nameData);
            }
            if (hasNameData(type)) {
                // One source of truth: data is always nameData uncompressed.
                if (nameData == null) {
                    nameData = standaloneName(data);
                } else {
                    data = encodeName(nameData);
                }
            }
        }

        /**
         * A record from raw RDATA; for NS, CNAME and PTR the RDATA must be an uncompressed name,
         * which becomes {@code nameData}.
         */
        public ResourceRecord(String name, int type, int klass, long ttl, byte[] data) {
            this(name, type, klass, ttl, data, null);
        }

        public static ResourceRecord a(String name, long ttl, int ipv4) {
            return new ResourceRecord(name, TYPE_A, CLASS_IN, ttl,
                    new byte[] {(byte) (ipv4 >>> 24), (byte) (ipv4 >>> 16), (byte) (ipv4 >>> 8), (byte) ipv4}, null);
        }

        public static ResourceRecord cname(String name, long ttl, String target) {
            return new ResourceRecord(name, TYPE_CNAME, CLASS_IN, ttl, new byte[0], Objects.requireNonNull(target, "target"));
        }

        /** A copy of the RDATA. */
        @Override
        public byte[] data() {
            return data.clone();
        }

        /** The address of an A record. */
        public int ipv4() {
            if (type != TYPE_A || data.length != 4) {
                throw new IllegalStateException("not an A record: " + this);
            }
            return ((data[0] & 0xFF) << 24) | ((data[1] & 0xFF) << 16) | ((data[2] & 0xFF) << 8) | (data[3] & 0xFF);
        }

        /** The name a CNAME, NS or PTR record points to. */
        public String target() {
            if (nameData == null) {
                throw new IllegalStateException("record of type " + type + " holds no name: " + this);
            }
            return nameData;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ResourceRecord r && name.equals(r.name) && type == r.type && klass == r.klass
                    && ttl == r.ttl && Arrays.equals(data, r.data) && Objects.equals(nameData, r.nameData);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, type, klass, ttl, Arrays.hashCode(data), nameData);
        }

        @Override
        public String toString() {
            String rdata = nameData != null ? nameData
                    : type == TYPE_A && data.length == 4 ? Ipv4Address.format(ipv4())
                    : HexFormat.of().formatHex(data);
            return name + " " + ttl + " class " + klass + " type " + type + " " + rdata;
        }
    }

    /** A standard query for one name. */
    public static byte[] query(int id, String name, int type, boolean recursionDesired) {
        return encode(new Message(id, false, OPCODE_QUERY, false, false, recursionDesired, false, NOERROR,
                List.of(new Question(name, type, CLASS_IN)), List.of(), List.of(), List.of()));
    }

    /**
     * The response to {@code query}: same id, opcode, RD and questions, with {@code answers}.
     * Recursion is not offered (RA clear): this is for small authoritative test servers.
     */
    public static byte[] response(Message query, List<ResourceRecord> answers, int rcode, boolean authoritative) {
        return encode(new Message(query.id(), true, query.opcode(), authoritative, false, query.recursionDesired(), false,
                rcode, query.questions(), answers, List.of(), List.of()));
    }

    /**
     * Encodes a message, compressing every name (owner names and the names inside NS, CNAME and
     * PTR data) against the names already written, so answers point back at the question. Only
     * exact matches are compressed: DNS compares names case-insensitively, but a pointer to a
     * differently cased name would change the case a reader sees (and DNS 0x20 checks it).
     */
    public static byte[] encode(Message m) {
        Encoder w = new Encoder();
        w.u16(m.id());
        w.u16((m.response() ? FLAG_QR : 0) | m.opcode() << 11 | (m.authoritative() ? FLAG_AA : 0)
                | (m.truncated() ? FLAG_TC : 0) | (m.recursionDesired() ? FLAG_RD : 0)
                | (m.recursionAvailable() ? FLAG_RA : 0) | m.rcode());
        w.u16(count(m.questions()));
        w.u16(count(m.answers()));
        w.u16(count(m.authorities()));
        w.u16(count(m.additionals()));
        for (Question q : m.questions()) {
            w.name(q.name());
            w.u16(q.type());
            w.u16(q.klass());
        }
        for (List<ResourceRecord> section : List.of(m.answers(), m.authorities(), m.additionals())) {
            for (ResourceRecord r : section) {
                w.name(r.name());
                w.u16(r.type());
                w.u16(r.klass());
                w.u32(r.ttl());
                int lengthAt = w.length;
                w.u16(0);
                if (r.nameData() != null) {
                    w.name(r.nameData());
                } else {
                    w.bytes(r.data);
                }
                int rdLength = w.length - lengthAt - 2;
                w.buf[lengthAt] = (byte) (rdLength >>> 8);
                w.buf[lengthAt + 1] = (byte) rdLength;
            }
        }
        return Arrays.copyOf(w.buf, w.length);
    }

    public static Parse parse(byte[] data) {
        return parse(data, data.length);
    }

    /** Parses the first {@code length} bytes of {@code data}; bytes after the last record are ignored. */
    public static Parse parse(byte[] data, int length) {
        Objects.checkFromIndexSize(0, length, data.length);
        try {
            return new Parsed(new Decoder(data, length).message());
        } catch (Bad e) {
            return new Malformed(e.getMessage());
        }
    }

    /** The uncompressed wire form of a name. */
    static byte[] encodeName(String name) {
        Encoder w = new Encoder();
        w.names = null;
        w.name(name);
        return Arrays.copyOf(w.buf, w.length);
    }

    private static boolean hasNameData(int type) {
        return type == TYPE_NS || type == TYPE_CNAME || type == TYPE_PTR;
    }

    private static String standaloneName(byte[] data) {
        try {
            Decoder d = new Decoder(data, data.length);
            String name = d.name();
            if (d.pos != data.length) {
                throw new Bad("bytes after the name");
            }
            return name;
        } catch (Bad e) {
            throw new IllegalArgumentException("RDATA is not one uncompressed name: " + e.getMessage());
        }
    }

    private static int count(List<?> list) {
        if (list.size() > 0xFFFF) {
            throw new IllegalArgumentException("section of " + list.size() + " entries is over 65535");
        }
        return list.size();
    }

    private static void checkRange(String what, int value, int max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(what + " " + value + " is outside 0.." + max);
        }
    }

    /** Thrown inside the decoder only, and always caught by {@link #parse}: no stack trace needed. */
    private static final class Bad extends RuntimeException {
        Bad(String reason) {
            super(reason, null, false, false);
        }
    }

    private static final class Decoder {
        private final byte[] data;
        private final int length;
        private int pos;

        Decoder(byte[] data, int length) {
            this.data = data;
            this.length = length;
        }

        Message message() {
            if (length < HEADER_LENGTH) {
                throw new Bad("message of " + length + " bytes is shorter than the 12-byte header");
            }
            int id = u16();
            int flags = u16();
            int qd = u16();
            int an = u16();
            int ns = u16();
            int ar = u16();
            List<Question> questions = new ArrayList<>();
            for (int i = 0; i < qd; i++) {
                questions.add(new Question(name(), u16(), u16()));
            }
            List<ResourceRecord> answers = records(an, "answer");
            List<ResourceRecord> authorities = records(ns, "authority");
            List<ResourceRecord> additionals = records(ar, "additional");
            return new Message(id, (flags & FLAG_QR) != 0, (flags >>> 11) & 0xF, (flags & FLAG_AA) != 0,
                    (flags & FLAG_TC) != 0, (flags & FLAG_RD) != 0, (flags & FLAG_RA) != 0, flags & 0xF,
                    questions, answers, authorities, additionals);
        }

        private List<ResourceRecord> records(int count, String section) {
            List<ResourceRecord> out = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String name = name();
                int type = u16();
                int klass = u16();
                long ttl = Integer.toUnsignedLong(u32());
                int rdLength = u16();
                int start = pos;
                if (rdLength > length - start) {
                    throw new Bad(section + " record " + (i + 1) + ": RDATA of " + rdLength + " bytes at " + start
                            + " runs past the end (" + length + ")");
                }
                int end = start + rdLength;
                String nameData = null;
                if (hasNameData(type)) {
                    nameData = name();
                    if (pos != end) {
                        throw new Bad(section + " record " + (i + 1) + ": name in RDATA at " + start
                                + " does not fill its " + rdLength + " bytes");
                    }
                } else if (klass == CLASS_IN && (type == TYPE_A && rdLength != 4 || type == TYPE_AAAA && rdLength != 16)) {
                    throw new Bad(section + " record " + (i + 1) + ": address of " + rdLength + " bytes for type " + type);
                }
                byte[] rdata = nameData != null ? new byte[0] : Arrays.copyOfRange(data, start, end); // rebuilt from nameData
                out.add(new ResourceRecord(name, type, klass, ttl, rdata, nameData));
                pos = end;
            }
            return out;
        }

        /**
         * Reads a name at {@code pos}, leaving {@code pos} after it (after the first pointer, if
         * any). Each pointer must point before the start of the run of labels it ends: targets
         * strictly decrease, so every name ends after finitely many jumps.
         */
        String name() {
            StringBuilder text = new StringBuilder();
            int p = pos;
            int runStart = p;
            int after = -1;
            int wire = 1; // the root's zero octet
            while (true) {
                int len = u8At(p);
                if ((len & 0xC0) == 0xC0) {
                    int target = (len & 0x3F) << 8 | u8At(p + 1);
                    if (after < 0) {
                        after = p + 2;
                    }
                    if (target >= runStart) {
                        throw new Bad("compression pointer at " + p + " to " + target + " does not point back before " + runStart);
                    }
                    p = target;
                    runStart = target;
                } else if ((len & 0xC0) != 0) {
                    throw new Bad("label length byte 0x" + Integer.toHexString(len) + " at " + p + ": over 63 and not a pointer");
                } else if (len == 0) {
                    pos = after < 0 ? p + 1 : after;
                    return text.isEmpty() ? "." : text.toString();
                } else {
                    wire += len + 1;
                    if (wire > DnsNames.MAX_WIRE_LENGTH) {
                        throw new Bad("name at " + pos + " is longer than 255 bytes");
                    }
                    if (len > length - p - 1) {
                        throw new Bad("label of " + len + " bytes at " + p + " runs past the end (" + length + ")");
                    }
                    if (!text.isEmpty()) {
                        text.append('.');
                    }
                    DnsNames.appendLabel(text, data, p + 1, len);
                    p += 1 + len;
                }
            }
        }

        private int u8At(int p) {
            if (p >= length) {
                throw new Bad("name runs past the end (" + length + ") at " + p);
            }
            return data[p] & 0xFF;
        }

        private int u16() {
            need(2);
            int v = (data[pos] & 0xFF) << 8 | (data[pos + 1] & 0xFF);
            pos += 2;
            return v;
        }

        private int u32() {
            need(4);
            int v = (data[pos] & 0xFF) << 24 | (data[pos + 1] & 0xFF) << 16 | (data[pos + 2] & 0xFF) << 8 | (data[pos + 3] & 0xFF);
            pos += 4;
            return v;
        }

        private void need(int n) {
            if (n > length - pos) {
                throw new Bad("message ends at " + length + ", needed " + n + " bytes at " + pos);
            }
        }
    }

    private static final class Encoder {
        byte[] buf = new byte[MAX_UDP_LENGTH];
        int length;
        /** Offsets of names already written, by {@link DnsNames#key}; null disables compression. */
        Map<String, Integer> names = new HashMap<>();

        void u8(int v) {
            if (length == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            buf[length++] = (byte) v;
        }

        void u16(int v) {
            u8(v >>> 8);
            u8(v);
        }

        void u32(long v) {
            u16((int) (v >>> 16) & 0xFFFF);
            u16((int) v & 0xFFFF);
        }

        void bytes(byte[] b) {
            for (byte x : b) {
                u8(x);
            }
        }

        void name(String text) {
            List<byte[]> labels = DnsNames.labels(text);
            for (int i = 0; i < labels.size(); i++) {
                if (names != null) {
                    String key = DnsNames.key(labels, i);
                    Integer at = names.get(key);
                    if (at != null) {
                        u16(0xC000 | at);
                        return;
                    }
                    if (length < 0x4000) { // a pointer has 14 bits of offset
                        names.put(key, length);
                    }
                }
                u8(labels.get(i).length);
                bytes(labels.get(i));
            }
            u8(0);
        }
    }
}
