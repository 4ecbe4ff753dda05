package org.netstack4j.nio;

import org.netstack4j.stack.Host;
import org.netstack4j.stack.TcpEvents;
import org.netstack4j.stack.TcpLayer;
import org.netstack4j.stack.tcp.TcpConnection;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;

/** A {@link ServerSocketChannel} over a netstack4j TCP listener. */
final class NsServerSocketChannel extends ServerSocketChannel implements NsChannel, TcpEvents {
    /** Where a bind to port 0 looks for a free port (Linux's default ephemeral range). */
    private static final int EPHEMERAL_LOW = 32_768;
    private static final int EPHEMERAL_HIGH = 60_999;

    private final NetstackSelectorProvider provider;
    private final Host host;
    private final TcpLayer tcp;
    private final Waiting waiting;
    private volatile TcpLayer.Listener listener;
    private volatile boolean reuseAddress = true;
    private volatile int receiveBuffer = 256 * 1024;
    private ServerSocket adaptor;

    NsServerSocketChannel(NetstackSelectorProvider provider, Host host) {
        super(provider);
        this.provider = provider;
        this.host = host;
        this.tcp = host.tcp();
        this.waiting = new Waiting(host.applications());
    }

    @Override
    public void onReady(TcpConnection connection, int ready) {
        // the listener's own events come through onAcceptable
    }

    @Override
    public void onAcceptable(TcpLayer.Listener l) {
        waiting.wakeAll();
    }

    @Override
    public Waiting waiting() {
        return waiting;
    }

    @Override
    public int readyOpsOnLoop(int interest) {
        TcpLayer.Listener l = listener;
        return l != null && tcp.acceptableNow(l) ? interest & SelectionKey.OP_ACCEPT : 0;
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public ServerSocketChannel bind(SocketAddress local, int backlog) throws IOException {
        synchronized (this) {
            ensureOpen();
            if (listener != null) {
                throw new AlreadyBoundException();
            }
            InetSocketAddress a = local == null ? new InetSocketAddress(0) : Addresses.inet(local);
            Addresses.checkLocal(host, a);
            int address = Addresses.bits(a);
            int queue = backlog < 1 ? 50 : backlog; // the JDK's default for 0 or less
            if (a.getPort() != 0) {
                listener = listen(address, a.getPort(), queue);
                return this;
            }
            int range = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1;
            int start = provider.nextPortHint(range); // in turn, not at random: a simulated run stays the same
            for (int i = 0; i < range; i++) {
                try {
                    listener = listen(address, EPHEMERAL_LOW + (start + i) % range, queue);
                    return this;
                } catch (BindException inUse) {
                    // the next one
                }
            }
            throw new BindException("no free port to listen on");
        }
    }

    private TcpLayer.Listener listen(int address, int port, int backlog) throws SocketException {
        return host.loop().call(() -> tcp.listenNow(address, port, backlog, this));
    }

    @Override
    public SocketChannel accept() throws IOException {
        return accept(0);
    }

    /** An accept that, in blocking mode, waits at most {@code timeoutNanos} (0: for ever), as SO_TIMEOUT makes the adaptor's. */
    SocketChannel accept(long timeoutNanos) throws IOException {
        long deadline = timeoutNanos == 0 ? Long.MAX_VALUE : waiting.now() + timeoutNanos;
        ensureOpen();
        TcpLayer.Listener l = listener;
        if (l == null) {
            throw new NotYetBoundException();
        }
        synchronized (this) {
            try {
                waiting.enter();
                while (true) {
                    long mark = waiting.mark();
                    NsSocketChannel ch = NsSocketChannel.accepted(provider, host);
                    TcpConnection conn = host.loop().call(() -> {
                        TcpConnection c = tcp.acceptNow(l, ch);
                        if (c != null) {
                            ch.attachAccepted(c);
                        }
                        return c;
                    });
                    if (conn != null) {
                        return ch;
                    }
                    if (!isBlocking()) {
                        return null;
                    }
                    if (waiting.now() >= deadline) {
                        throw new java.net.SocketTimeoutException("Accept timed out");
                    }
                    try {
                        begin();
                        waiting.block(mark, deadline);
                    } finally {
                        end(isOpen());
                    }
                    if (!isOpen()) {
                        throw new java.nio.channels.AsynchronousCloseException();
                    }
                }
            } finally {
                waiting.leave();
            }
        }
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        ensureOpen();
        TcpLayer.Listener l = listener;
        return l == null ? null : new InetSocketAddress(Addresses.inet(l.address()), l.port());
    }

    private static final Set<SocketOption<?>> OPTIONS = Set.of(StandardSocketOptions.SO_REUSEADDR,
            StandardSocketOptions.SO_RCVBUF);

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return OPTIONS;
    }

    @Override
    public <T> ServerSocketChannel setOption(SocketOption<T> name, T value) throws IOException {
        ensureOpen();
        if (name == StandardSocketOptions.SO_REUSEADDR) {
            reuseAddress = (Boolean) value; // TIME-WAIT holds no listener port here: a restarted server always binds
        } else if (name == StandardSocketOptions.SO_RCVBUF) {
            if ((Integer) value <= 0) {
                throw new IllegalArgumentException("Invalid value for SO_RCVBUF");
            }
            receiveBuffer = (Integer) value;
        } else {
            throw new UnsupportedOperationException("'" + name + "' not supported");
        }
        return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(SocketOption<T> name) throws IOException {
        ensureOpen();
        if (name == StandardSocketOptions.SO_REUSEADDR) {
            return (T) Boolean.valueOf(reuseAddress);
        }
        if (name == StandardSocketOptions.SO_RCVBUF) {
            return (T) Integer.valueOf(receiveBuffer);
        }
        throw new UnsupportedOperationException("'" + name + "' not supported");
    }

    @Override
    public synchronized ServerSocket socket() {
        if (adaptor == null) {
            adaptor = ServerSocketAdaptor.create(this);
        }
        return adaptor;
    }

    boolean isBound() {
        return listener != null;
    }

    @Override
    protected void implCloseSelectableChannel() throws IOException {
        TcpLayer.Listener l = listener;
        if (l != null) {
            try {
                tcp.close(l);
            } catch (SocketException hostGone) {
                // the host stopped: its listeners are gone with it
            }
        }
        waiting.wakeAll();
    }

    @Override
    protected void implConfigureBlocking(boolean block) {
        waiting.wakeAll();
    }

    @Override
    public String toString() {
        TcpLayer.Listener l = listener;
        return "NsServerSocketChannel[" + (!isOpen() ? "closed" : l == null ? "unbound" : "port " + l.port()) + "]";
    }
}
