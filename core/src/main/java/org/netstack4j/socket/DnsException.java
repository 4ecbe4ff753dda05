package org.netstack4j.socket;

import org.netstack4j.wire.DnsMessage;

import java.io.IOException;

/**
 * A DNS lookup that gave no addresses, and why: the server's response code (NXDOMAIN, SERVFAIL,
 * ...), no answer at all after every try, or an answer that could not be used.
 */
public final class DnsException extends IOException {

    /** Why a lookup failed. */
    public enum Kind {
        /** The name does not exist (RCODE 3). */
        NXDOMAIN,
        /** The server failed (RCODE 2). */
        SERVFAIL,
        /** The server refused the query (RCODE 5). */
        REFUSED,
        /** The server does not implement the query (RCODE 4). */
        NOTIMP,
        /** The server could not read the query (RCODE 1). */
        FORMERR,
        /** Any other non-zero response code. */
        RCODE,
        /** The name exists but has no address (NOERROR with no A record for it). */
        NO_DATA,
        /** No matching response came before the last try timed out. */
        TIMEOUT,
        /** The server's responses could not be parsed (and no good one came after them). */
        MALFORMED,
        /** The response had TC set: the answer did not fit in a UDP message, and there is no TCP retry. */
        TRUNCATED,
        /** The CNAME chain in the answer returns to a name it already passed. */
        CNAME_LOOP,
        /** The CNAME chain in the answer is longer than allowed. */
        CNAME_CHAIN_TOO_LONG
    }

    private final Kind kind;
    private final String name;
    private final int rcode;

    public DnsException(Kind kind, String name, int rcode, String message) {
        super(message);
        this.kind = kind;
        this.name = name;
        this.rcode = rcode;
    }

    /** An exception for a response that carried a non-zero {@code rcode}. */
    static DnsException forRcode(String name, int rcode, String detail) {
        Kind kind = switch (rcode) {
            case DnsMessage.NXDOMAIN -> Kind.NXDOMAIN;
            case DnsMessage.SERVFAIL -> Kind.SERVFAIL;
            case DnsMessage.REFUSED -> Kind.REFUSED;
            case DnsMessage.NOTIMP -> Kind.NOTIMP;
            case DnsMessage.FORMERR -> Kind.FORMERR;
            default -> Kind.RCODE;
        };
        String text = kind == Kind.RCODE ? "RCODE " + rcode : kind.name();
        return new DnsException(kind, name, rcode, name + ": " + text + (detail.isEmpty() ? "" : " (" + detail + ")"));
    }

    public Kind kind() {
        return kind;
    }

    /** The name that was looked up. */
    public String name() {
        return name;
    }

    /** The response code the server sent, or -1 if the failure was not a response code. */
    public int rcode() {
        return rcode;
    }
}
