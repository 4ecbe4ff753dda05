package org.netstack4j.stack;

import org.netstack4j.stack.tcp.TcpConnection;

/**
 * What a loop-side (non-blocking) TCP application is told, on the host's loop, with no thread
 * hand-off: readiness that newly holds. Each bit is reported when it becomes true, not once per
 * segment: a connection that is readable stays so, without more events, until the application
 * has read it below its threshold (see {@link TcpLayer#thresholds}). A handler must not block;
 * what it throws is counted and ends its own connection only.
 */
public interface TcpEvents {
    /** A listener's accept queue is no longer empty ({@link #onAcceptable}). */
    int ACCEPTABLE = 1;
    /** An active open completed. */
    int CONNECTED = 2;
    /** At least the read threshold's bytes wait, or the peer has finished (read gives -1), or the connection ended. */
    int READABLE = 4;
    /** At least the write threshold's room is free in the send buffer. */
    int WRITABLE = 8;
    /** The connection has ended (closed, reset, timed out). */
    int CLOSED = 16;

    /** {@code ready} holds the bits that have newly become true for {@code connection}. */
    void onReady(TcpConnection connection, int ready);

    /** A listener has connections to accept: take them with {@link TcpLayer#acceptNow} until it gives null. */
    default void onAcceptable(TcpLayer.Listener listener) {
    }
}
