package org.netstack4j.socket;

import org.netstack4j.stack.Host;
import org.netstack4j.stack.SocketClosedException;
import org.netstack4j.wire.DnsMessage;

import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small authoritative DNS server for a virtual network: A records and CNAMEs from two maps,
 * answered over UDP (RFC 1035 §4.3, RFC 1034 §4.3.2) with AA set and RA clear.
 *
 * <ul>
 *   <li>A query for a name with addresses: its A records. For an alias, the CNAME chain from
 *       the records, then the addresses of the name it ends at (and NXDOMAIN if that name does
 *       not exist, with the chain in the answer, RFC 6604).</li>
 *   <li>A query for a CNAME at an alias: that one CNAME record. Any other type at a name that
 *       exists (AAAA, MX, ...): NOERROR with an empty answer (NODATA, RFC 2308), after the
 *       chain for an alias. A name in neither map: NXDOMAIN.</li>
 *   <li>A class other than IN (or ANY), or a zone transfer (AXFR, IXFR: TCP only): REFUSED.</li>
 *   <li>An opcode other than QUERY: NOTIMP. A query that cannot be parsed, or with a question
 *       count other than one: FORMERR, with the id, opcode and RD copied from the header.</li>
 *   <li>Dropped without a word (and counted): datagrams shorter than a header, responses
 *       (QR set — answering them could start two servers answering each other forever), and
 *       datagrams from port 0.</li>
 * </ul>
 *
 * Names compare without regard to ASCII case; the question goes back as it was asked. An
 * answer that does not fit in 512 bytes is cut to the records that fit, with TC set. There is no
 * SOA, so negative answers carry no authority section.
 *
 * <p>The records are fixed at construction and checked: an alias may hold no other data
 * (RFC 1034 §3.6.2) and the CNAMEs may not loop. {@link #serve} answers queries until
 * {@link #close}.
 */
public final class DnsResponder implements AutoCloseable {

    public static final long DEFAULT_TTL = 300;
    private static final int TYPE_IXFR = 251;
    private static final int TYPE_AXFR = 252;
    private static final int TYPE_ANY = 255;
    private static final int CLASS_ANY = 255;

    /** One name's data: addresses, or the name it is an alias for. */
    private record Node(String name, List<Integer> addresses, String cname) {
    }

    private final Map<String, Node> nodes = new HashMap<>();
    private final long ttl;
    private final UdpSocket socket;

    private final AtomicLong received = new AtomicLong();
    private final ServiceFaults faults;
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong nxdomain = new AtomicLong();
    private final AtomicLong nodata = new AtomicLong();
    private final AtomicLong formerr = new AtomicLong();
    private final AtomicLong notimp = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong truncated = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    /** A responder on UDP port 53 of {@code host}, records with a TTL of {@value #DEFAULT_TTL} s. */
    public DnsResponder(Host host, Map<String, List<Integer>> aRecords, Map<String, String> cnames)
            throws SocketException {
        this(host, aRecords, cnames, DnsMessage.PORT, DEFAULT_TTL);
    }

    /**
     * A responder on UDP {@code port} of {@code host} (binds it now: call from an application
     * thread). {@code aRecords} maps names to their addresses (an empty list: the name exists
     * without addresses); {@code cnames} maps aliases to the names they stand for.
     *
     * @throws IllegalArgumentException a bad name, an alias that also has addresses, or CNAMEs that loop
     * @throws SocketException          the port cannot be bound
     */
    public DnsResponder(Host host, Map<String, List<Integer>> aRecords, Map<String, String> cnames, int port, long ttl)
            throws SocketException {
        Objects.requireNonNull(host, "host");
        if (ttl < 0 || ttl > 0x7FFF_FFFFL) {
            throw new IllegalArgumentException("TTL must be 0..2^31-1 (RFC 2181 §8): " + ttl);
        }
        this.ttl = ttl;
        this.faults = new ServiceFaults("DNS responder on " + host.name(), host.applications().clock()::nanos);
        aRecords.forEach((name, addresses) -> {
            String n = DnsResolver.canonical(name);
            put(new Node(n, List.copyOf(addresses), null));
        });
        cnames.forEach((alias, target) -> {
            String n = DnsResolver.canonical(alias);
            put(new Node(n, null, DnsResolver.canonical(target)));
        });
        for (Node n : nodes.values()) {
            Set<String> seen = new HashSet<>();
            Node at = n;
            while (at != null && at.cname() != null) {
                if (!seen.add(DnsResolver.key(at.name()))) {
                    throw new IllegalArgumentException("CNAME loop through " + at.name());
                }
                at = nodes.get(DnsResolver.key(at.cname()));
            }
        }
        this.socket = UdpSocket.bind(host, port);
    }

    private void put(Node n) {
        Node old = nodes.putIfAbsent(DnsResolver.key(n.name()), n);
        if (old != null) {
            throw new IllegalArgumentException(n.name() + " is given twice"
                    + (old.cname() != null || n.cname() != null ? " (an alias may hold no other data)" : ""));
        }
    }

    /**
     * Answers queries until the responder is closed, then returns. Run it on an application
     * thread ({@code Network.startApplication}).
     *
     * Nothing a peer sends ends it: an error while answering one query is counted in {@link
     * #faults} (and logged, rate-limited) and the next query is served.
     */
    public void serve() {
        byte[] buf = new byte[DnsMessage.MAX_UDP_LENGTH];
        while (true) {
            try {
                int n = socket.receive(buf);
                received.incrementAndGet();
                int from = socket.sourceAddress();
                int fromPort = socket.sourcePort();
                byte[] reply = fromPort == 0 ? null : answer(buf, n, socket.lastDatagramLength() > n);
                if (reply == null) {
                    dropped.incrementAndGet();
                    continue;
                }
                socket.sendTo(reply, from, fromPort);
                answered.incrementAndGet();
            } catch (SocketClosedException e) {
                return;
            } catch (SocketException | SocketTimeoutException e) {
                if (socket.isClosed()) {
                    return;
                }
                faults.record(e); // one query's trouble: counted, and the next query is served
            }
        }
    }

    /** The response to the {@code length} bytes of {@code query}, or null to drop it. Counts. */
    private byte[] answer(byte[] query, int length, boolean cut) {
        if (length < DnsMessage.HEADER_LENGTH) {
            return null;
        }
        int id = (query[0] & 0xFF) << 8 | (query[1] & 0xFF);
        int flags = (query[2] & 0xFF) << 8 | (query[3] & 0xFF);
        boolean qr = (flags & 0x8000) != 0;
        int opcode = (flags >>> 11) & 0xF;
        boolean rd = (flags & 0x0100) != 0;
        if (qr) {
            return null;
        }
        if (opcode != DnsMessage.OPCODE_QUERY) {
            notimp.incrementAndGet();
            List<DnsMessage.Question> questions = List.of();
            if (!cut && DnsMessage.parse(query, length) instanceof DnsMessage.Parsed p) {
                questions = p.m().questions();
            }
            return encode(id, opcode, rd, DnsMessage.NOTIMP, questions, List.of(), false);
        }
        DnsMessage.Message m = null;
        if (!cut && DnsMessage.parse(query, length) instanceof DnsMessage.Parsed p) {
            m = p.m();
        }
        if (m == null || m.questions().size() != 1) {
            formerr.incrementAndGet();
            return encode(id, opcode, rd, DnsMessage.FORMERR, List.of(), List.of(), false);
        }
        DnsMessage.Question q = m.questions().getFirst();
        if (q.klass() != DnsMessage.CLASS_IN && q.klass() != CLASS_ANY || q.type() == TYPE_AXFR || q.type() == TYPE_IXFR) {
            refused.incrementAndGet();
            return encode(id, opcode, rd, DnsMessage.REFUSED, m.questions(), List.of(), false);
        }
        List<DnsMessage.ResourceRecord> answers = new ArrayList<>();
        String owner = q.name(); // the first owner as asked, case and all
        Node node = nodes.get(DnsResolver.key(owner));
        while (node != null && node.cname() != null) {
            answers.add(DnsMessage.ResourceRecord.cname(owner, ttl, node.cname()));
            if (q.type() == DnsMessage.TYPE_CNAME && answers.size() == 1) {
                return encode(id, opcode, rd, DnsMessage.NOERROR, m.questions(), answers, true);
            }
            owner = node.cname();
            node = nodes.get(DnsResolver.key(owner));
        }
        if (node == null) {
            nxdomain.incrementAndGet();
            return encode(id, opcode, rd, DnsMessage.NXDOMAIN, m.questions(), answers, true);
        }
        if (q.type() == DnsMessage.TYPE_A || q.type() == TYPE_ANY) {
            for (int address : node.addresses()) {
                answers.add(DnsMessage.ResourceRecord.a(owner, ttl, address));
            }
        }
        if (answers.size() == countCnames(answers)) {
            nodata.incrementAndGet();
        }
        return encode(id, opcode, rd, DnsMessage.NOERROR, m.questions(), answers, true);
    }

    private static int countCnames(List<DnsMessage.ResourceRecord> rrs) {
        int n = 0;
        for (DnsMessage.ResourceRecord rr : rrs) {
            if (rr.type() == DnsMessage.TYPE_CNAME) {
                n++;
            }
        }
        return n;
    }

    /** Encodes a response, dropping answers from the end (and setting TC) until it fits 512 bytes. */
    private byte[] encode(int id, int opcode, boolean rd, int rcode, List<DnsMessage.Question> questions,
                          List<DnsMessage.ResourceRecord> answers, boolean authoritative) {
        List<DnsMessage.ResourceRecord> kept = new ArrayList<>(answers);
        boolean tc = false;
        while (true) {
            byte[] out = DnsMessage.encode(new DnsMessage.Message(id, true, opcode, authoritative, tc, rd, false, rcode,
                    questions, kept, List.of(), List.of()));
            if (out.length <= DnsMessage.MAX_UDP_LENGTH || kept.isEmpty()) {
                if (tc) {
                    truncated.incrementAndGet();
                }
                return out;
            }
            kept.removeLast();
            tc = true;
        }
    }

    /** The UDP port the responder listens on. */
    public int port() {
        return socket.localPort();
    }

    /** Stops {@link #serve}: closes the socket. */
    @Override
    public void close() {
        socket.close();
    }

    public boolean isClosed() {
        return socket.isClosed();
    }

    /** Datagrams received. */
    public long received() {
        return received.get();
    }

    /** Responses sent, whatever their code. */
    public long answered() {
        return answered.get();
    }

    /** Responses with NXDOMAIN. */
    public long nxdomain() {
        return nxdomain.get();
    }

    /** NOERROR responses with no record of the type asked for (NODATA). */
    public long nodata() {
        return nodata.get();
    }

    public long formerr() {
        return formerr.get();
    }

    public long notimp() {
        return notimp.get();
    }

    public long refused() {
        return refused.get();
    }

    /** Responses cut to 512 bytes (TC set). */
    public long truncated() {
        return truncated.get();
    }

    /** What went wrong while answering, by cause; none of it stopped the responder. */
    public ServiceFaults faults() {
        return faults;
    }

    /** Datagrams not answered: shorter than a header, responses, or from port 0. */
    public long dropped() {
        return dropped.get();
    }

    @Override
    public String toString() {
        return "DnsResponder[" + socket + ", " + nodes.size() + " names]";
    }
}
