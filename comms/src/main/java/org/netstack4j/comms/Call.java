package org.netstack4j.comms;

import org.netstack4j.exec.Applications;

/**
 * One request as a worker sees it: its body, its deadline, and whether it is still wanted. A
 * worker answers by returning from its {@link Handler}; it never sees the connection. The call
 * names the one connection and the one request it came from, so whatever happens to that
 * connection meanwhile (closed, reset, its addresses taken by a new one) the answer goes there or
 * nowhere.
 */
public final class Call {
    final Session session;
    final long id;
    private final byte[] body;
    private final boolean idempotent;
    private final long deadlineNanos;
    private final Applications apps;
    volatile Thread worker;

    Call(Session session, long id, byte[] body, boolean idempotent, long deadlineNanos, Applications apps) {
        this.session = session;
        this.id = id;
        this.body = body;
        this.idempotent = idempotent;
        this.deadlineNanos = deadlineNanos;
        this.apps = apps;
    }

    Applications apps() {
        return apps;
    }

    public byte[] body() {
        return body;
    }

    public long requestId() {
        return id;
    }

    public boolean idempotent() {
        return idempotent;
    }

    /** The client's deadline on the server's clock ({@link Applications#clock()}). */
    public long deadlineNanos() {
        return deadlineNanos;
    }

    /** True once the answer can reach no one: the connection is gone or the deadline passed. */
    public boolean cancelled() {
        return !session.live() || apps.clock().nanos() >= deadlineNanos;
    }

    /**
     * Waits {@code nanos} (a slow computation, an artificial delay), returning early, with
     * false, if the call is cancelled meanwhile: a worker need not finish work no one will read.
     */
    public boolean pause(long nanos) {
        long end = apps.clock().nanos() + nanos;
        while (true) {
            if (cancelled()) {
                return false;
            }
            long now = apps.clock().nanos();
            if (now >= end) {
                return true;
            }
            apps.block(Math.min(end, deadlineNanos)); // a closing connection wakes its workers
        }
    }

    /**
     * Takes {@code nanos} whatever happens meanwhile: a computation that cannot stop half-way, whose
     * answer may come after its client is gone (the story the library is built against).
     */
    public void spend(long nanos) {
        apps.sleepUntil(apps.clock().nanos() + nanos);
    }

    /** Thrown by a handler that stops because {@link #cancelled()}: nothing is sent. */
    public static final class Cancelled extends RuntimeException {
        public Cancelled() {
            super("the request was cancelled", null, false, false);
        }
    }

    /** Thrown by a handler for a request it cannot make sense of: answered "bad request". */
    public static final class BadRequest extends RuntimeException {
        public BadRequest(String message) {
            super(message, null, false, false);
        }
    }
}
