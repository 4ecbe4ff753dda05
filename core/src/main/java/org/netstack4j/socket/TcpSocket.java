package org.netstack4j.socket;

import org.netstack4j.stack.Host;
import org.netstack4j.stack.SocketClosedException;
import org.netstack4j.stack.TcpLayer;
import org.netstack4j.stack.tcp.TcpConnection;
import org.netstack4j.wire.Ipv4Address;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Objects;

/**
 * A TCP connection for blocking application code, on real or virtual threads, in real or
 * simulated time. Reads return what has arrived (at least a byte, -1 at the end of the stream);
 * writes return once every byte is in the send buffer. After {@link #close} or {@link #abort}
 * every call fails; the handle names one connection for its whole life and can never reach a
 * later one, even on the same addresses and ports.
 */
public final class TcpSocket implements AutoCloseable {
    private final Host host;
    private final TcpLayer tcp;
    private final TcpConnection connection;
    private volatile long timeoutNanos;
    private volatile boolean closed;

    TcpSocket(Host host, TcpConnection connection) {
        this.host = host;
        this.tcp = host.tcp();
        this.connection = connection;
    }

    /** Connects to {@code address:port}, waiting up to {@code timeout} for the handshake. */
    public static TcpSocket connect(Host host, int address, int port, Duration timeout) throws IOException {
        Objects.requireNonNull(host, "host");
        return new TcpSocket(host, host.tcp().connect(address, port, timeout.toNanos()));
    }

    /**
     * Connects from {@code localPort} (a socket bound before connect): the same 4-tuple as an
     * earlier connection once that one is gone; a 4-tuple still in use is refused (BindException).
     */
    public static TcpSocket connect(Host host, int localPort, int address, int port, Duration timeout)
            throws IOException {
        Objects.requireNonNull(host, "host");
        return new TcpSocket(host, host.tcp().connect(localPort, address, port, timeout.toNanos()));
    }

    public static TcpSocket connect(Host host, String address, int port, Duration timeout) throws IOException {
        return connect(host, Ipv4Address.parseBits(address), port, timeout);
    }

    /** How long a read or write may wait (0, the default: for ever). */
    public void setTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("a timeout cannot be negative: " + timeout);
        }
        this.timeoutNanos = timeout.toNanos();
    }

    /** SO_KEEPALIVE: probe the peer after the configured idle time (2 hours by default). */
    public void setKeepAlive(boolean on) throws SocketException {
        ensureOpen();
        tcp.configure(connection, c -> c.setKeepAlive(on));
    }

    /** TCP_NODELAY: small writes go out at once instead of waiting for what is in flight (Nagle). */
    public void setNoDelay(boolean on) throws SocketException {
        ensureOpen();
        tcp.configure(connection, c -> c.setNoDelay(on));
    }

    /** TCP_USER_TIMEOUT (RFC 5482): how long written data may stay unacknowledged before the connection fails. */
    public void setUserTimeout(Duration timeout) throws SocketException {
        ensureOpen();
        long nanos = timeout.toNanos();
        tcp.configure(connection, c -> c.setUserTimeout(nanos));
    }

    private void ensureOpen() throws SocketClosedException {
        if (closed) {
            tcp.refusedClosedHandle(); // counted: late work aimed at a connection this handle no longer names
            throw new SocketClosedException("socket is closed");
        }
    }

    /** Up to {@code length} bytes into {@code buffer}: at least one, or -1 at the end of the stream. */
    public int read(byte[] buffer, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, buffer.length);
        ensureOpen();
        return tcp.read(connection, buffer, offset, length, timeoutNanos);
    }

    public int read(byte[] buffer) throws IOException {
        return read(buffer, 0, buffer.length);
    }

    /** Writes every byte, waiting for room in the send buffer. */
    public void write(byte[] data, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, data.length);
        ensureOpen();
        tcp.write(connection, data, offset, length, timeoutNanos);
    }

    public void write(byte[] data) throws IOException {
        write(data, 0, data.length);
    }

    /** No more data from this end (the peer reads to the end of the stream); reading goes on. */
    public void shutdownOutput() throws SocketException {
        ensureOpen();
        tcp.shutdownOutput(connection);
    }

    /** Ends the connection at once with a RST. */
    public void abort() throws SocketException {
        if (!closed) {
            closed = true;
            tcp.abort(connection);
        }
    }

    /** Closes the handle; what was written is still delivered, then the connection closes in the background. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            tcp.close(connection);
        } catch (SocketException hostGone) {
            // the host stopped: there is nothing left to close
        }
    }

    /**
     * Closes like {@link #close()}, but first waits up to {@code linger} for the peer to have
     * everything written and the end of it (SO_LINGER): for a program about to exit. False if the
     * time ran out first.
     */
    public boolean close(Duration linger) throws SocketException {
        ensureOpen();
        tcp.shutdownOutput(connection);
        boolean all = tcp.awaitAcknowledged(connection, linger.toNanos());
        close();
        return all;
    }

    public boolean isClosed() {
        return closed;
    }

    public int localPort() {
        return connection.localPort();
    }

    public int remotePort() {
        return connection.remotePort();
    }

    public int remoteAddress() {
        return connection.remoteAddress();
    }

    /** What {@code ss -ti} would show of this connection (a snapshot). */
    public TcpConnection.Info info() {
        return connection.info();
    }

    /** A stream view: reads as {@link #read}, -1 at the end of the stream. */
    public InputStream inputStream() {
        return new InputStream() {
            private final byte[] one = new byte[1];

            @Override
            public int read() throws IOException {
                int n = TcpSocket.this.read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return len == 0 ? 0 : TcpSocket.this.read(b, off, len);
            }
        };
    }

    /** A stream view: writes as {@link #write}; closing it shuts the output down. */
    public OutputStream outputStream() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                TcpSocket.this.write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                TcpSocket.this.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                if (!closed) {
                    shutdownOutput();
                }
            }
        };
    }

    /**
     * A channel view: reads as {@link #read} (-1 at the end of the stream), writes every remaining
     * byte as {@link #write}; closing it closes the socket.
     */
    public ByteChannel channel() {
        return new ByteChannel() {
            @Override
            public int read(ByteBuffer dst) throws IOException {
                if (closed) {
                    throw new ClosedChannelException();
                }
                if (!dst.hasRemaining()) {
                    return 0;
                }
                if (dst.hasArray()) {
                    int n = TcpSocket.this.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
                    if (n > 0) {
                        dst.position(dst.position() + n);
                    }
                    return n;
                }
                byte[] b = new byte[Math.min(dst.remaining(), 64 * 1024)];
                int n = TcpSocket.this.read(b, 0, b.length);
                if (n > 0) {
                    dst.put(b, 0, n);
                }
                return n;
            }

            @Override
            public int write(ByteBuffer src) throws IOException {
                if (closed) {
                    throw new ClosedChannelException();
                }
                int n = src.remaining();
                if (src.hasArray()) {
                    TcpSocket.this.write(src.array(), src.arrayOffset() + src.position(), n);
                    src.position(src.limit());
                } else {
                    byte[] b = new byte[n];
                    src.get(b);
                    TcpSocket.this.write(b, 0, n);
                }
                return n;
            }

            @Override
            public boolean isOpen() {
                return !closed;
            }

            @Override
            public void close() {
                TcpSocket.this.close();
            }
        };
    }

    @Override
    public String toString() {
        return "TcpSocket[" + host.name() + ":" + localPort() + " -> " + Ipv4Address.format(remoteAddress()) + ":"
                + remotePort() + (closed ? ", closed" : "") + "]";
    }
}
