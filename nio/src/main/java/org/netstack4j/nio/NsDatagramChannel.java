package org.netstack4j.nio;

import org.netstack4j.socket.UdpSocket;
import org.netstack4j.stack.Host;
import org.netstack4j.stack.SocketClosedException;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.util.Set;

/** A {@link DatagramChannel} over a netstack4j UDP socket. Multicast is not offered. */
final class NsDatagramChannel extends DatagramChannel implements NsChannel {
    private final Host host;
    private volatile UdpSocket socket;
    private final Waiting waiting;
    private final Object receiveLock = new Object();
    private final Object sendLock = new Object();
    private volatile InetSocketAddress bound;
    private volatile InetSocketAddress remote;
    private volatile boolean reuseAddress;
    private byte[] scratch = new byte[65_536];

    NsDatagramChannel(NetstackSelectorProvider provider, Host host) throws IOException {
        super(provider);
        this.host = host;
        this.socket = UdpSocket.open(host);
        this.waiting = new Waiting(host.applications());
        socket.whenReceived(waiting::wakeAll);
    }

    @Override
    public Waiting waiting() {
        return waiting;
    }

    @Override
    public int readyOpsOnLoop(int interest) {
        return ((socket.hasDatagram() ? SelectionKey.OP_READ : 0) | SelectionKey.OP_WRITE) & interest;
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public DatagramChannel bind(SocketAddress local) throws IOException {
        synchronized (receiveLock) {
            synchronized (sendLock) {
                ensureOpen();
                if (bound != null) {
                    throw new AlreadyBoundException();
                }
                InetSocketAddress a = local == null ? new InetSocketAddress(0) : Addresses.inet(local);
                Addresses.checkLocal(host, a);
                socket.bindTo(Addresses.bits(a), a.getPort());
                bound = new InetSocketAddress(a.getAddress(), socket.localPort());
                return this;
            }
        }
    }

    @Override
    public DatagramChannel connect(SocketAddress to) throws IOException {
        ensureOpen();
        InetSocketAddress a = Addresses.inet(to);
        socket.connect(Addresses.bits(a), a.getPort());
        remote = a;
        if (bound == null) {
            bound = new InetSocketAddress(Addresses.inet(0), socket.localPort());
        }
        return this;
    }

    @Override
    public DatagramChannel disconnect() throws IOException {
        synchronized (receiveLock) {
            synchronized (sendLock) {
                if (remote == null || !isOpen()) {
                    return this;
                }
                // A netstack4j socket stays connected: a fresh one takes its place on the same address and port.
                UdpSocket old = socket;
                old.whenReceived(null);
                old.close();
                UdpSocket fresh = UdpSocket.open(host);
                fresh.bindTo(Addresses.bits(bound), bound.getPort());
                fresh.whenReceived(waiting::wakeAll);
                socket = fresh;
                remote = null;
                return this;
            }
        }
    }

    @Override
    public boolean isConnected() {
        return remote != null && isOpen();
    }

    @Override
    public SocketAddress receive(ByteBuffer dst) throws IOException {
        return receive(dst, 0);
    }

    /** A receive that, in blocking mode, gives up (null) after {@code timeoutNanos} (0: never), for the adaptor's SO_TIMEOUT. */
    SocketAddress receive(ByteBuffer dst, long timeoutNanos) throws IOException {
        long deadline = timeoutNanos == 0 ? Long.MAX_VALUE : waiting.now() + timeoutNanos;
        synchronized (receiveLock) {
            ensureOpen();
            try {
                waiting.enter();
                while (true) {
                    long mark = waiting.mark();
                    int n = socket.receiveNow(scratch, 0, scratch.length);
                    if (n >= 0) {
                        int taken = Math.min(n, dst.remaining()); // the rest is cut off, as a datagram socket does
                        dst.put(scratch, 0, taken);
                        return new InetSocketAddress(Addresses.inet(socket.sourceAddress()), socket.sourcePort());
                    }
                    if (!isBlocking() || waiting.now() >= deadline) {
                        return null;
                    }
                    try {
                        begin();
                        waiting.block(mark, deadline); // the datagram hook wakes us
                    } finally {
                        end(isOpen());
                    }
                    if (!isOpen()) {
                        throw new AsynchronousCloseException();
                    }
                }
            } catch (SocketClosedException closed) {
                throw new AsynchronousCloseException();
            } finally {
                waiting.leave();
            }
        }
    }

    @Override
    public int send(ByteBuffer src, SocketAddress target) throws IOException {
        synchronized (sendLock) {
            ensureOpen();
            InetSocketAddress a = Addresses.inet(target);
            if (remote != null && !remote.equals(a)) {
                throw new java.nio.channels.AlreadyConnectedException();
            }
            int n = src.remaining();
            byte[] data = new byte[n];
            src.get(data);
            if (remote != null) {
                socket.send(data);
            } else {
                socket.sendTo(data, Addresses.bits(a), a.getPort());
            }
            if (bound == null) {
                bound = new InetSocketAddress(Addresses.inet(0), socket.localPort());
            }
            return n;
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        if (remote == null) {
            throw new NotYetConnectedException();
        }
        int before = dst.position();
        SocketAddress from = receive(dst);
        return from == null ? 0 : dst.position() - before;
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        ensureOpen();
        for (int i = offset; i < offset + length; i++) {
            if (dsts[i].hasRemaining()) {
                return read(dsts[i]);
            }
        }
        return 0;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        ensureOpen();
        InetSocketAddress r = remote;
        if (r == null) {
            throw new NotYetConnectedException();
        }
        return send(src, r);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        int total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += srcs[i].remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(total);
        for (int i = offset; i < offset + length; i++) {
            all.put(srcs[i]);
        }
        return write(all.flip());
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        ensureOpen();
        return bound;
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException {
        ensureOpen();
        return remote;
    }

    private static final Set<SocketOption<?>> OPTIONS = Set.of(StandardSocketOptions.SO_REUSEADDR,
            StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_SNDBUF);

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return OPTIONS;
    }

    @Override
    public <T> DatagramChannel setOption(SocketOption<T> name, T value) throws IOException {
        ensureOpen();
        if (!OPTIONS.contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' not supported");
        }
        if (name == StandardSocketOptions.SO_REUSEADDR) {
            reuseAddress = (Boolean) value;
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
            return (T) Integer.valueOf(host.config().socketReceiveBytes());
        }
        if (name == StandardSocketOptions.SO_SNDBUF) {
            return (T) Integer.valueOf(host.config().socketSendBytes());
        }
        throw new UnsupportedOperationException("'" + name + "' not supported");
    }

    private DatagramSocket adaptor;

    @Override
    public synchronized DatagramSocket socket() {
        if (adaptor == null) {
            adaptor = DatagramSocketAdaptor.create(this);
        }
        return adaptor;
    }

    @Override
    public MembershipKey join(InetAddress group, NetworkInterface ni) {
        throw new UnsupportedOperationException("multicast is not supported by netstack4j");
    }

    @Override
    public MembershipKey join(InetAddress group, NetworkInterface ni, InetAddress source) {
        throw new UnsupportedOperationException("multicast is not supported by netstack4j");
    }

    @Override
    protected void implCloseSelectableChannel() {
        socket.whenReceived(null);
        socket.close();
        waiting.wakeAll();
    }

    @Override
    protected void implConfigureBlocking(boolean block) {
        waiting.wakeAll();
    }
}
