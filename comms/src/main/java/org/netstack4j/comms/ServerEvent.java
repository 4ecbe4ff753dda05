package org.netstack4j.comms;

/** What a {@link RequestServer} counts. */
public enum ServerEvent {
    CONNECTIONS_ACCEPTED,
    CONNECTIONS_CLOSED,
    /** The peer reset the connection or it failed under a read or write. */
    CONNECTIONS_FAILED,
    REQUESTS,
    ANSWERED,
    /** The queue was full: answered "busy" at once, nothing done. */
    BUSY,
    /** Its deadline had passed before a worker took it: dropped, nothing done (the client has given up). */
    EXPIRED_BEFORE_START,
    /** Its connection was gone before a worker took it: dropped, nothing done. */
    ABANDONED_IN_QUEUE,
    /** A worker's answer whose connection was gone (or whose deadline had passed): discarded, written nowhere. */
    LATE_ANSWERS_DISCARDED,
    /** A handler that saw its request cancelled and stopped early. */
    CANCELLED_WHILE_WORKING,
    /** A handler that threw: answered "failed", the worker goes on. */
    HANDLER_FAILURES,
    /** A request the service refused as malformed ("bad request"). */
    BAD_REQUESTS,
    /** A request id already waiting on the same connection: refused. */
    DUPLICATE_REQUEST_IDS,
    /** A frame that broke the format (bad header, truncated): its connection closed. */
    MALFORMED_FRAMES,
    /** A frame longer than the limit: its connection closed before the body is read. */
    OVERSIZED_FRAMES,
    /** A response frame sent to the server: its connection closed. */
    UNEXPECTED_FRAMES
}
