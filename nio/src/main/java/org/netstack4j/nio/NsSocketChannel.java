package org.netstack4j.nio;

import org.netstack4j.stack.Host;
import org.netstack4j.stack.TcpEvents;
import org.netstack4j.stack.TcpLayer;
import org.netstack4j.stack.tcp.TcpConnection;
import org.netstack4j.stack.tcp.TcpState;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Set;

/**
 * A {@link SocketChannel} over one netstack4j TCP connection. Every call reaches the connection
 * on the host's loop through the non-blocking API ({@code readNow}, {@code writeNow}); a blocking
 * call that finds nothing to do waits for the connection's next event and tries again.
 */
final class NsSocketChannel extends SocketChannel implements NsChannel, TcpEvents {
    private final Host host;
    private final TcpLayer tcp;
    private final Waiting waiting;
    private final Options options = new Options();
    private final Object readLock = new Object();
    private final Object writeLock = new Object();
    private volatile TcpConnection connection;
    private volatile boolean connected;
    private volatile boolean inputShut;
    private volatile boolean outputShut;
    private volatile int boundPort;
    private byte[] readScratch = new byte[0];
    private byte[] writeScratch = new byte[0];
    private Socket adaptor;

    NsSocketChannel(NetstackSelectorProvider provider, Host host) {
        super(provider);
        this.host = host;
        this.tcp = host.tcp();
        this.waiting = new Waiting(host.applications());
    }

    /** A connection a server channel accepted: connected from the start. */
    static NsSocketChannel accepted(NetstackSelectorProvider provider, Host host) {
        NsSocketChannel ch = new NsSocketChannel(provider, host);
        ch.connected = true;
        return ch;
    }

    void attachAccepted(TcpConnection conn) {
        this.connection = conn;
    }

    /** What the channel's options say, kept here and applied where netstack4j has the setting. */
    static final class Options {
        volatile boolean noDelay;
        volatile boolean keepAlive;
        volatile boolean reuseAddress;
        volatile int linger = -1;
        volatile int receiveBuffer = 256 * 1024;
        volatile int sendBuffer = 256 * 1024;
    }

    // ==== TcpEvents, on the loop ==========================================================

    @Override
    public void onReady(TcpConnection conn, int ready) {
        waiting.wakeAll();
    }

    @Override
    public Waiting waiting() {
        return waiting;
    }

    @Override
    public int readyOpsOnLoop(int interest) {
        TcpConnection c = connection;
        if (c == null) {
            return 0;
        }
        int r = tcp.readinessNow(c);
        if ((r & CLOSED) != 0) {
            return interest; // as the JDK reports an error or hang-up: every interest is ready (the call says what)
        }
        int ops = 0;
        if (!connected) {
            return (r & CONNECTED) != 0 ? interest & SelectionKey.OP_CONNECT : 0;
        }
        if ((r & READABLE) != 0 || inputShut) {
            ops |= SelectionKey.OP_READ;
        }
        if ((r & WRITABLE) != 0) {
            ops |= SelectionKey.OP_WRITE;
        }
        return ops & interest;
    }

    // ==== Connect ===========================================================================

    private void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public SocketChannel bind(SocketAddress local) throws IOException {
        ensureOpen();
        if (connection != null) {
            throw new ConnectionPendingException();
        }
        if (boundPort != 0) {
            throw new AlreadyBoundException();
        }
        InetSocketAddress a = local == null ? new InetSocketAddress(0) : Addresses.inet(local);
        Addresses.checkLocal(host, a);
        boundPort = a.getPort() == 0 ? Addresses.EPHEMERAL_MARK : a.getPort();
        return this;
    }

    @Override
    public boolean connect(SocketAddress remote) throws IOException {
        synchronized (readLock) {
            synchronized (writeLock) {
                ensureOpen();
                if (connected) {
                    throw new AlreadyConnectedException();
                }
                if (connection != null) {
                    throw new ConnectionPendingException();
                }
                InetSocketAddress a = Addresses.inet(remote);
                int address = Addresses.bits(a);
                int local = boundPort == Addresses.EPHEMERAL_MARK ? 0 : boundPort;
                try {
                    connection = host.loop().call(() -> tcp.connectNow(local, address, a.getPort(), this));
                } catch (SocketException e) {
                    throw Addresses.connectFailure(e, a);
                }
            }
        }
        if (isBlocking()) {
            return finishConnect();
        }
        return false;
    }

    @Override
    public boolean finishConnect() throws IOException {
        ensureOpen();
        if (connected) {
            return true;
        }
        TcpConnection c = connection;
        if (c == null) {
            throw new NoConnectionPendingException();
        }
        try {
            waiting.enter();
            while (true) {
                long mark = waiting.mark();
                TcpState s = host.loop().call(c::state);
                if (s != TcpState.SYN_SENT && s != TcpState.SYN_RECEIVED) {
                    SocketException failed = host.loop().call(() -> tcp.failureNow(c));
                    if (s == TcpState.CLOSED && failed != null) {
                        close();
                        throw new ConnectException(c.failure() == TcpConnection.Failure.TIMED_OUT
                                ? "Connection timed out" : "Connection refused");
                    }
                    connected = true;
                    return true;
                }
                if (!isBlocking()) {
                    return false;
                }
                block(mark, Long.MAX_VALUE);
            }
        } finally {
            waiting.leave();
        }
    }

    private void block(long mark, long deadline) throws IOException {
        try {
            begin();
            waiting.block(mark, deadline);
        } finally {
            end(isOpen());
        }
        if (!isOpen()) {
            throw new AsynchronousCloseException();
        }
    }

    @Override
    public boolean isConnected() {
        return connected && isOpen();
    }

    @Override
    public boolean isConnectionPending() {
        return connection != null && !connected && isOpen();
    }

    // ==== Read and write ======================================================================

    private TcpConnection ensureConnected() throws IOException {
        ensureOpen();
        if (!connected) {
            throw new NotYetConnectedException();
        }
        return connection;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return read(dst, 0);
    }

    /**
     * A read that, in blocking mode, waits at most {@code timeoutNanos} (0: for ever) and then
     * throws SocketTimeoutException, as the socket adaptor's stream does with SO_TIMEOUT.
     */
    int read(ByteBuffer dst, long timeoutNanos) throws IOException {
        long deadline = timeoutNanos == 0 ? Long.MAX_VALUE : waiting.now() + timeoutNanos;
        synchronized (readLock) {
            TcpConnection c = ensureConnected();
            if (inputShut) {
                return -1;
            }
            int want = dst.remaining();
            if (want == 0) {
                return 0;
            }
            if (readScratch.length < Math.min(want, 64 * 1024)) {
                readScratch = new byte[Math.min(want, 64 * 1024)];
            }
            byte[] buf = readScratch;
            int len = Math.min(want, buf.length);
            if (isBlocking()) {
                return readBlocking(c, dst, buf, len, timeoutNanos);
            }
            try {
                waiting.enter();
                while (true) {
                    long mark = waiting.mark();
                    int n = host.loop().call(() -> tcp.readNow(c, buf, 0, len));
                    if (n > 0) {
                        dst.put(buf, 0, n);
                        return n;
                    }
                    if (n < 0 || inputShut) {
                        return -1;
                    }
                    if (!isBlocking()) {
                        return 0;
                    }
                    if (waiting.now() >= deadline) {
                        throw new java.net.SocketTimeoutException("Read timed out");
                    }
                    block(mark, deadline);
                }
            } finally {
                waiting.leave();
            }
        }
    }

    /**
     * A blocking read through the layer's blocking call: the loop reads arriving data straight
     * into {@code buf} and wakes this thread, one hand-off fewer than looking again.
     */
    private int readBlocking(TcpConnection c, ByteBuffer dst, byte[] buf, int len, long timeoutNanos) throws IOException {
        int n;
        boolean completed = false;
        try {
            begin();
            n = tcp.read(c, buf, 0, len, timeoutNanos);
            completed = true;
        } catch (java.net.SocketTimeoutException late) {
            throw new java.net.SocketTimeoutException("Read timed out");
        } catch (org.netstack4j.stack.SocketClosedException closed) {
            if (!isOpen()) {
                throw new AsynchronousCloseException();
            }
            throw closed;
        } finally {
            end(completed);
        }
        if (n > 0) {
            dst.put(buf, 0, n);
        }
        return inputShut ? -1 : n;
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        java.util.Objects.checkFromIndexSize(offset, length, dsts.length);
        for (int i = offset; i < offset + length; i++) {
            if (dsts[i].hasRemaining()) {
                return read(dsts[i]); // one buffer's worth: a scattering read may return less than all
            }
        }
        ensureConnected();
        return 0;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        synchronized (writeLock) {
            TcpConnection c = ensureConnected();
            if (outputShut) {
                throw new java.nio.channels.ClosedChannelException();
            }
            int total = 0;
            try {
                waiting.enter();
                while (src.hasRemaining()) {
                    int len = Math.min(src.remaining(), 64 * 1024);
                    if (writeScratch.length < len) {
                        writeScratch = new byte[len];
                    }
                    byte[] buf = writeScratch;
                    int at = src.position();
                    src.get(buf, 0, len);
                    long mark = waiting.mark();
                    int n = host.loop().call(() -> tcp.writeNow(c, buf, 0, len));
                    src.position(at + n);
                    total += n;
                    if (n < len && !isBlocking()) {
                        return total;
                    }
                    if (n == 0) {
                        block(mark, Long.MAX_VALUE); // only a full send buffer waits: WRITABLE is told when room comes back
                    }
                }
                return total;
            } catch (SocketException e) {
                throw Addresses.ioFailure(e);
            } finally {
                waiting.leave();
            }
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        java.util.Objects.checkFromIndexSize(offset, length, srcs.length);
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            int want = srcs[i].remaining();
            int n = write(srcs[i]);
            total += n;
            if (n < want) {
                break;
            }
        }
        return total;
    }

    @Override
    public SocketChannel shutdownInput() throws IOException {
        ensureConnected();
        inputShut = true;
        waiting.wakeAll();
        return this;
    }

    @Override
    public SocketChannel shutdownOutput() throws IOException {
        TcpConnection c = ensureConnected();
        if (!outputShut) {
            outputShut = true;
            host.loop().call(() -> {
                tcp.shutdownOutputNow(c);
                return null;
            });
        }
        return this;
    }

    boolean inputShut() {
        return inputShut;
    }

    boolean outputShut() {
        return outputShut;
    }

    // ==== Addresses, options, the socket adaptor ==============================================

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        ensureOpen();
        TcpConnection c = connection;
        if (c == null) {
            return boundPort == 0 ? null : new InetSocketAddress(Addresses.inet(0),
                    boundPort == Addresses.EPHEMERAL_MARK ? 0 : boundPort);
        }
        return new InetSocketAddress(Addresses.inet(c.localAddress()), c.localPort());
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException {
        ensureOpen();
        TcpConnection c = connection;
        return c == null || !connected ? null : new InetSocketAddress(Addresses.inet(c.remoteAddress()), c.remotePort());
    }

    private static final Set<SocketOption<?>> OPTIONS = Set.of(StandardSocketOptions.TCP_NODELAY,
            StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_SNDBUF,
            StandardSocketOptions.SO_REUSEADDR, StandardSocketOptions.SO_LINGER);

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return OPTIONS;
    }

    @Override
    public <T> SocketChannel setOption(SocketOption<T> name, T value) throws IOException {
        ensureOpen();
        if (!OPTIONS.contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' not supported");
        }
        if (value == null) {
            throw new IllegalArgumentException("a null value for " + name);
        }
        TcpConnection c = connection;
        if (name == StandardSocketOptions.TCP_NODELAY) {
            options.noDelay = (Boolean) value;
            if (c != null) {
                tcp.configure(c, x -> x.setNoDelay(options.noDelay));
            }
        } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
            options.keepAlive = (Boolean) value;
            if (c != null) {
                tcp.configure(c, x -> x.setKeepAlive(options.keepAlive));
            }
        } else if (name == StandardSocketOptions.SO_RCVBUF) {
            options.receiveBuffer = positive((Integer) value, name);
        } else if (name == StandardSocketOptions.SO_SNDBUF) {
            options.sendBuffer = positive((Integer) value, name);
        } else if (name == StandardSocketOptions.SO_REUSEADDR) {
            options.reuseAddress = (Boolean) value;
        } else {
            int l = (Integer) value;
            options.linger = l < 0 ? -1 : Math.min(l, 65_535);
        }
        return this;
    }

    private static int positive(int v, SocketOption<?> name) {
        if (v <= 0) {
            throw new IllegalArgumentException("Invalid value for " + name);
        }
        return v;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(SocketOption<T> name) throws IOException {
        ensureOpen();
        if (!OPTIONS.contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' not supported");
        }
        Object v;
        if (name == StandardSocketOptions.TCP_NODELAY) {
            v = options.noDelay;
        } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
            v = options.keepAlive;
        } else if (name == StandardSocketOptions.SO_RCVBUF) {
            v = options.receiveBuffer;
        } else if (name == StandardSocketOptions.SO_SNDBUF) {
            v = options.sendBuffer;
        } else if (name == StandardSocketOptions.SO_REUSEADDR) {
            v = options.reuseAddress;
        } else {
            v = options.linger;
        }
        return (T) v;
    }

    @Override
    public synchronized Socket socket() {
        if (adaptor == null) {
            adaptor = SocketAdaptor.create(this);
        }
        return adaptor;
    }

    Host host() {
        return host;
    }

    // ==== Close ===============================================================================

    @Override
    protected void implCloseSelectableChannel() throws IOException {
        TcpConnection c = connection;
        if (c != null) {
            int linger = options.linger;
            try {
                host.loop().call(() -> {
                    if (linger == 0) {
                        c.abort(); // SO_LINGER 0: a RST, no TIME-WAIT
                    }
                    tcp.closeNow(c);
                    return null;
                });
            } catch (SocketException hostGone) {
                // the host stopped: nothing is left to close
            }
        }
        waiting.wakeAll();
    }

    @Override
    protected void implConfigureBlocking(boolean block) {
        waiting.wakeAll(); // a thread blocked in this channel re-checks its mode
    }

    @Override
    public String toString() {
        TcpConnection c = connection;
        return "NsSocketChannel[" + (isOpen() ? c == null ? "unconnected" : c.toString() : "closed") + "]";
    }
}
