package org.netstack4j.socket;

import org.netstack4j.stack.Host;
import org.netstack4j.wire.DnsMessage;
import org.netstack4j.wire.Ipv4Address;

import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stub resolver (RFC 1035 §7, RFC 1123 §6.1.3): asks one server for the A records of a name
 * over UDP on a netstack4j host, as {@code gethostbyname} asks the server in
 * {@code /etc/resolv.conf}.
 *
 * <p>Each lookup opens its own socket (a fresh ephemeral port) and sends one query with a random
 * 16-bit id, drawn from a {@link SplittableRandom} seeded from the host's seed, so a simulated run
 * is the same every time. If no answer comes within the timeout the same query (same id) is sent
 * again, up to the configured number of tries; a late answer to an earlier try is as good as one
 * to the last. A datagram is taken as the answer only if it comes from the server's address and
 * port and is a response (QR set) with the query's id, opcode and question (the name compared
 * without regard to ASCII case, RFC 4343) — RFC 5452's checks. Anything else is ignored and
 * counted, and the resolver keeps waiting: a stranger cannot end a lookup early. Bytes from the
 * server that do not parse are counted the same way; if the tries run out after such bytes the
 * lookup fails as {@link DnsException.Kind#MALFORMED} rather than as a timeout.
 *
 * <p>An answer is followed from the asked name through its CNAME records, if any, to the
 * addresses of the name they end at (RFC 1034 §3.6.2, §5.2.2), within the answer section only;
 * records for other owners are ignored. The chain is bounded and a loop is an error.
 *
 * <p>Calls block the calling application thread (in a simulation: inside {@code Network.run} or an
 * application thread). One resolver may be used by several threads at once.
 */
public final class DnsResolver {

    /** Largest datagram read; a longer one is cut, so it counts as malformed. */
    private static final int RECEIVE_BUFFER = 4096;

    /**
     * How a resolver asks.
     *
     * @param timeout          how long each try waits for its answer
     * @param tries            queries sent at most per lookup (the first and its retries)
     * @param port             the server's UDP port
     * @param maxCnameChain    CNAME records followed at most in one answer
     * @param recursionDesired whether queries set RD (a stub asks a recursive server: yes)
     */
    public record Options(Duration timeout, int tries, int port, int maxCnameChain, boolean recursionDesired) {
        public static final Options DEFAULT = new Options(Duration.ofSeconds(1), 3, DnsMessage.PORT, 8, true);

        public Options {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
            if (tries < 1) {
                throw new IllegalArgumentException("tries must be at least 1: " + tries);
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            if (maxCnameChain < 0) {
                throw new IllegalArgumentException("maxCnameChain must not be negative: " + maxCnameChain);
            }
        }

        public Options withTimeout(Duration t) {
            return new Options(t, tries, port, maxCnameChain, recursionDesired);
        }

        public Options withTries(int n) {
            return new Options(timeout, n, port, maxCnameChain, recursionDesired);
        }

        public Options withPort(int p) {
            return new Options(timeout, tries, p, maxCnameChain, recursionDesired);
        }

        public Options withMaxCnameChain(int n) {
            return new Options(timeout, tries, port, n, recursionDesired);
        }

        public Options withRecursionDesired(boolean rd) {
            return new Options(timeout, tries, port, maxCnameChain, rd);
        }
    }

    /**
     * A successful lookup.
     *
     * @param name          the name asked for (in canonical text: no final dot)
     * @param canonicalName the name the addresses belong to: {@code name}, or the end of its CNAME chain
     * @param cnames        the CNAME targets followed, in order (empty if none)
     * @param addresses     the IPv4 addresses, in the order the server gave them; never empty
     * @param ttl           the smallest TTL of the records used, in seconds
     */
    public record Answer(String name, String canonicalName, List<String> cnames, List<Integer> addresses, long ttl) {
        public Answer {
            cnames = List.copyOf(cnames);
            addresses = List.copyOf(addresses);
        }
    }

    private final Host host;
    private final int server;
    private final Options options;
    private final SplittableRandom random;

    private final AtomicLong queriesSent = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong mismatched = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong answers = new AtomicLong();

    /** A resolver asking {@code serverAddress} on port 53, with the default options (1 s, 3 tries). */
    public DnsResolver(Host host, int serverAddress) {
        this(host, serverAddress, Options.DEFAULT);
    }

    public DnsResolver(Host host, int serverAddress, Options options) {
        this.host = Objects.requireNonNull(host, "host");
        this.server = serverAddress;
        this.options = Objects.requireNonNull(options, "options");
        // The host's seed, kept apart from the host's own random stream (ports, IP ids).
        this.random = new SplittableRandom(host.config().seed() ^ 0x444E_535F_4944_5321L);
    }

    /** The IPv4 addresses of {@code name} (following CNAMEs); never empty. */
    public List<Integer> resolveA(String name) throws DnsException, SocketException {
        return resolve(name).addresses();
    }

    /**
     * Looks up the A records of {@code name}.
     *
     * @throws DnsException             the name has no address, the server said no, or no usable answer came
     * @throws SocketException          the host's stack failed the socket (host stopped, too many sockets)
     * @throws IllegalArgumentException {@code name} is not a valid domain name
     */
    public Answer resolve(String name) throws DnsException, SocketException {
        String qname = canonical(name);
        int id = nextId();
        byte[] query = DnsMessage.query(id, qname, DnsMessage.TYPE_A, options.recursionDesired());
        long timeoutNanos = options.timeout().toNanos();
        String lastMalformed = null;
        byte[] buf = new byte[RECEIVE_BUFFER];
        try (UdpSocket socket = UdpSocket.open(host)) {
            for (int attempt = 0; attempt < options.tries(); attempt++) {
                if (attempt > 0) {
                    retries.incrementAndGet();
                }
                long deadline = now() + timeoutNanos;
                socket.setTimeout(Duration.ofNanos(timeoutNanos));
                try {
                    socket.sendTo(query, server, options.port());
                } catch (SocketTimeoutException e) {
                    timeouts.incrementAndGet(); // no room to send within the try: as good as lost
                    continue;
                }
                queriesSent.incrementAndGet();
                while (true) {
                    long left = deadline - now();
                    if (left <= 0) {
                        break;
                    }
                    socket.setTimeout(Duration.ofNanos(left));
                    int n;
                    try {
                        n = socket.receive(buf);
                    } catch (SocketTimeoutException e) {
                        break;
                    }
                    if (socket.sourceAddress() != server || socket.sourcePort() != options.port()) {
                        mismatched.incrementAndGet();
                        continue;
                    }
                    if (socket.lastDatagramLength() > n) {
                        malformed.incrementAndGet();
                        lastMalformed = "response of " + socket.lastDatagramLength() + " bytes is longer than "
                                + RECEIVE_BUFFER;
                        continue;
                    }
                    DnsMessage.Message response;
                    switch (DnsMessage.parse(buf, n)) {
                        case DnsMessage.Malformed m -> {
                            malformed.incrementAndGet();
                            lastMalformed = m.reason();
                            continue;
                        }
                        case DnsMessage.Parsed p -> response = p.m();
                    }
                    if (!matches(response, id, qname)) {
                        mismatched.incrementAndGet();
                        continue;
                    }
                    answers.incrementAndGet();
                    return interpret(qname, response);
                }
                timeouts.incrementAndGet();
            }
        }
        if (lastMalformed != null) {
            throw new DnsException(DnsException.Kind.MALFORMED, qname, -1, qname + ": no usable response from "
                    + Ipv4Address.format(server) + " after " + options.tries() + " tries; the last unreadable one: "
                    + lastMalformed);
        }
        throw new DnsException(DnsException.Kind.TIMEOUT, qname, -1, qname + ": no response from "
                + Ipv4Address.format(server) + ":" + options.port() + " after " + options.tries() + " tries of "
                + options.timeout().toMillis() + " ms");
    }

    private static boolean matches(DnsMessage.Message r, int id, String qname) {
        if (!r.response() || r.id() != id || r.opcode() != DnsMessage.OPCODE_QUERY || r.questions().size() != 1) {
            return false;
        }
        DnsMessage.Question q = r.questions().getFirst();
        return q.type() == DnsMessage.TYPE_A && q.klass() == DnsMessage.CLASS_IN && sameName(q.name(), qname);
    }

    /** The addresses in a response that matched the query. */
    private Answer interpret(String qname, DnsMessage.Message r) throws DnsException {
        if (r.rcode() != DnsMessage.NOERROR) {
            throw DnsException.forRcode(qname, r.rcode(), r.authoritative() ? "authoritative" : "");
        }
        if (r.truncated()) {
            throw new DnsException(DnsException.Kind.TRUNCATED, qname, -1,
                    qname + ": the answer was truncated (TC) and this resolver has no TCP to ask again");
        }
        String current = qname;
        long ttl = Long.MAX_VALUE;
        List<String> chain = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        seen.add(key(qname));
        while (true) {
            DnsMessage.ResourceRecord cname = null;
            for (DnsMessage.ResourceRecord rr : r.answers()) {
                if (rr.type() == DnsMessage.TYPE_CNAME && rr.klass() == DnsMessage.CLASS_IN && sameName(rr.name(), current)) {
                    if (cname != null && !sameName(cname.target(), rr.target())) {
                        throw new DnsException(DnsException.Kind.MALFORMED, qname, -1,
                                qname + ": two different CNAMEs for " + current);
                    }
                    cname = rr;
                }
            }
            if (cname == null) {
                break;
            }
            if (chain.size() == options.maxCnameChain()) {
                throw new DnsException(DnsException.Kind.CNAME_CHAIN_TOO_LONG, qname, -1,
                        qname + ": CNAME chain longer than " + options.maxCnameChain() + ": " + chain);
            }
            String target = cname.target();
            if (!seen.add(key(target))) {
                chain.add(target);
                throw new DnsException(DnsException.Kind.CNAME_LOOP, qname, -1,
                        qname + ": CNAME loop: " + qname + " -> " + String.join(" -> ", chain));
            }
            chain.add(target);
            ttl = Math.min(ttl, cname.ttl());
            current = target;
        }
        List<Integer> addresses = new ArrayList<>();
        for (DnsMessage.ResourceRecord rr : r.answers()) {
            if (rr.type() == DnsMessage.TYPE_A && rr.klass() == DnsMessage.CLASS_IN && sameName(rr.name(), current)) {
                addresses.add(rr.ipv4());
                ttl = Math.min(ttl, rr.ttl());
            }
        }
        if (addresses.isEmpty()) {
            throw new DnsException(DnsException.Kind.NO_DATA, qname, DnsMessage.NOERROR,
                    qname + ": no A record" + (chain.isEmpty() ? "" : " for " + current + " (via CNAME)"));
        }
        return new Answer(qname, current, chain, addresses, ttl);
    }

    private int nextId() {
        synchronized (random) {
            return random.nextInt(0x1_0000);
        }
    }

    private long now() {
        return host.applications().clock().nanos();
    }

    /**
     * {@code name} as the wire package writes it when it reads it back (no final dot, escapes
     * normalised), so it compares with names parsed from responses. Throws
     * {@link IllegalArgumentException} if it is no valid name.
     */
    static String canonical(String name) {
        Objects.requireNonNull(name, "name");
        byte[] q = DnsMessage.query(0, name, DnsMessage.TYPE_A, false);
        return switch (DnsMessage.parse(q)) {
            case DnsMessage.Parsed p -> p.m().questions().getFirst().name();
            case DnsMessage.Malformed m -> throw new IllegalArgumentException("bad DNS name \"" + name + "\": " + m.reason());
        };
    }

    /** Names in canonical text are equal when equal ignoring ASCII case: they hold only ASCII. */
    static boolean sameName(String a, String b) {
        return a.equalsIgnoreCase(b);
    }

    /** A lookup key for a canonical name: ASCII letters lower-cased. */
    static String key(String canonicalName) {
        return canonicalName.toLowerCase(Locale.ROOT);
    }

    public Host host() {
        return host;
    }

    public int serverAddress() {
        return server;
    }

    public Options options() {
        return options;
    }

    /** Queries put on the wire, first tries and retries. */
    public long queriesSent() {
        return queriesSent.get();
    }

    /** Queries sent again because the one before got no usable answer in time. */
    public long retries() {
        return retries.get();
    }

    /** Tries that ended without a usable answer. */
    public long timeouts() {
        return timeouts.get();
    }

    /** Datagrams ignored: from another address or port, not a response, or another id, opcode or question. */
    public long mismatchedResponses() {
        return mismatched.get();
    }

    /** Datagrams from the server that could not be parsed. */
    public long malformedResponses() {
        return malformed.get();
    }

    /** Responses taken as the answer to a lookup (whatever they said). */
    public long responsesAccepted() {
        return answers.get();
    }

    @Override
    public String toString() {
        return "DnsResolver[" + host.name() + " -> " + Ipv4Address.format(server) + ":" + options.port() + "]";
    }
}
