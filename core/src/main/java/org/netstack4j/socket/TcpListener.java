package org.netstack4j.socket;

import org.netstack4j.stack.Host;
import org.netstack4j.stack.TcpLayer;

import java.io.IOException;
import java.net.SocketException;
import java.time.Duration;
import java.util.Objects;

/** A listening TCP port: {@link #accept} hands out each connection a client made, as a {@link TcpSocket}. */
public final class TcpListener implements AutoCloseable {
    private final Host host;
    private final TcpLayer.Listener listener;
    private volatile boolean closed;

    private TcpListener(Host host, TcpLayer.Listener listener) {
        this.host = host;
        this.listener = listener;
    }

    /** Listens on {@code port} on every address of {@code host}, with room for {@code backlog} connections not yet accepted. */
    public static TcpListener listen(Host host, int port, int backlog) throws SocketException {
        return listen(host, 0, port, backlog);
    }

    /**
     * Listens on {@code address:port} only (0: every address). A listener on one address and one
     * on every address may share a port: a connection goes to the one bound to its address first.
     */
    public static TcpListener listen(Host host, int address, int port, int backlog) throws SocketException {
        Objects.requireNonNull(host, "host");
        return new TcpListener(host, host.tcp().listen(address, port, backlog));
    }

    /** The next connection, waiting up to {@code timeout} (zero: for ever). */
    public TcpSocket accept(Duration timeout) throws IOException {
        return new TcpSocket(host, host.tcp().accept(listener, timeout.toNanos()));
    }

    public TcpSocket accept() throws IOException {
        return accept(Duration.ZERO);
    }

    public int port() {
        return listener.port();
    }

    public boolean isClosed() {
        return closed;
    }

    /** Stops listening; connections not yet accepted are reset. A blocked accept fails. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            host.tcp().close(listener);
        } catch (SocketException hostGone) {
            // the host stopped: nothing listens any more
        }
    }
}
