package org.netstack4j.comms;

/** What a {@link RequestClient} counts. */
public enum ClientEvent {
    REQUESTS,
    ANSWERED,
    /** Attempts made again (idempotent requests only). */
    RETRIES,
    /** Answers "busy": the server did nothing. */
    BUSY,
    /** Attempts whose answer did not come in time: their connection is aborted, never reused. */
    TIMEOUTS,
    CONNECT_FAILURES,
    /** Connections that failed under a request (reset, closed by the server). */
    CONNECTION_FAILURES,
    CONNECTIONS_OPENED,
    CONNECTIONS_REUSED,
    /** An answer carrying another request's id: a server wrote it to the wrong connection. */
    MISDELIVERED
}
