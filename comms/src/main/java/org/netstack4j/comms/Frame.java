package org.netstack4j.comms;

import java.util.Objects;

/**
 * One message: a request (with its flags and deadline budget) or a response (with its status),
 * naming the request it belongs to by id. On the wire: a 24-byte header, then the body.
 */
public record Frame(Type type, int flagsOrStatus, long requestId, int deadlineMillis, byte[] body) {

    public enum Type { REQUEST, RESPONSE }

    /** Request flag: the request may be sent again after a failure (a get, not an increment). */
    public static final int IDEMPOTENT = 1;

    /** What became of a request, carried in a response's header. */
    public enum Status {
        /** Answered; the body is the handler's answer. */
        OK,
        /** The server's queue was full: nothing was done, try later. */
        BUSY,
        /** The request was malformed for the service (body is a message). */
        BAD_REQUEST,
        /** The handler failed (body is a message). */
        FAILED;

        private static final Status[] ALL = values();

        static Status of(int code) {
            return code >= 0 && code < ALL.length ? ALL[code] : null;
        }
    }

    public Frame {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(body, "body");
        if (flagsOrStatus < 0 || flagsOrStatus > 255) {
            throw new IllegalArgumentException("flags or status must fit a byte: " + flagsOrStatus);
        }
        if (deadlineMillis < 0) {
            throw new IllegalArgumentException("a deadline budget cannot be negative: " + deadlineMillis);
        }
    }

    public static Frame request(long id, boolean idempotent, int deadlineMillis, byte[] body) {
        return new Frame(Type.REQUEST, idempotent ? IDEMPOTENT : 0, id, deadlineMillis, body);
    }

    public static Frame response(long id, Status status, byte[] body) {
        return new Frame(Type.RESPONSE, status.ordinal(), id, 0, body);
    }

    public boolean idempotent() {
        return type == Type.REQUEST && (flagsOrStatus & IDEMPOTENT) != 0;
    }

    /** A response's status (null for a request). */
    public Status status() {
        return type == Type.RESPONSE ? Status.of(flagsOrStatus) : null;
    }
}
