package org.netstack4j.stack;

import java.net.SocketException;

/**
 * The operation found its socket (or the client built on one) closed by the application. The one
 * exception a server loop expects when it is told to stop: everything else it sees is a fault to
 * count or a bug, never a reason to end quietly.
 */
public final class SocketClosedException extends SocketException {
    public SocketClosedException(String message) {
        super(message);
    }
}
