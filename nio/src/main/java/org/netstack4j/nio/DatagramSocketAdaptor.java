package org.netstack4j.nio;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.IllegalBlockingModeException;
import java.util.Set;

/**
 * {@link DatagramChannel#socket()}: a java.net.DatagramSocket view of a netstack4j datagram
 * channel; its receive honours SO_TIMEOUT and needs blocking mode, as the JDK's adaptor does.
 */
final class DatagramSocketAdaptor extends DatagramSocket {
    private final NsDatagramChannel ch;
    private volatile int timeoutMillis;

    private DatagramSocketAdaptor(NsDatagramChannel ch) {
        super(new NoDatagramSocketImpl());
        this.ch = ch;
    }

    static DatagramSocket create(NsDatagramChannel ch) {
        return new DatagramSocketAdaptor(ch);
    }

    @Override
    public DatagramChannel getChannel() {
        return ch;
    }

    @Override
    public void bind(SocketAddress local) throws SocketException {
        try {
            ch.bind(local);
        } catch (IOException e) {
            throw Addresses.asSocketException(e);
        }
    }

    @Override
    public void connect(SocketAddress remote) throws SocketException {
        try {
            ch.connect(remote);
        } catch (IOException e) {
            throw Addresses.asSocketException(e);
        }
    }

    @Override
    public void connect(InetAddress address, int port) {
        try {
            ch.connect(new InetSocketAddress(address, port));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // DatagramSocket.connect(InetAddress, int) declares nothing
        }
    }

    @Override
    public void disconnect() {
        try {
            ch.disconnect();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void send(DatagramPacket p) throws IOException {
        ByteBuffer data = ByteBuffer.wrap(p.getData(), p.getOffset(), p.getLength());
        SocketAddress to = p.getAddress() == null ? ch.getRemoteAddress() : p.getSocketAddress();
        if (to == null) {
            throw new IllegalArgumentException("the packet has no address and the socket is not connected");
        }
        ch.send(data, to);
    }

    @Override
    public void receive(DatagramPacket p) throws IOException {
        if (!ch.isBlocking()) {
            throw new IllegalBlockingModeException();
        }
        ByteBuffer into = ByteBuffer.wrap(p.getData(), p.getOffset(), p.getData().length - p.getOffset());
        SocketAddress from = ch.receive(into, timeoutMillis * 1_000_000L);
        if (from == null) {
            throw new SocketTimeoutException("Receive timed out");
        }
        p.setLength(into.position() - p.getOffset());
        p.setSocketAddress(from);
    }

    private InetSocketAddress local() {
        return Addresses.quietly(ch::getLocalAddress);
    }

    private InetSocketAddress remote() {
        return Addresses.quietly(ch::getRemoteAddress);
    }

    @Override
    public InetAddress getLocalAddress() {
        InetSocketAddress l = local();
        return l == null ? Addresses.inet(0) : l.getAddress();
    }

    @Override
    public int getLocalPort() {
        InetSocketAddress l = local();
        return isClosed() ? -1 : l == null ? 0 : l.getPort();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return local();
    }

    @Override
    public InetAddress getInetAddress() {
        InetSocketAddress r = remote();
        return r == null ? null : r.getAddress();
    }

    @Override
    public int getPort() {
        InetSocketAddress r = remote();
        return r == null ? -1 : r.getPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return remote();
    }

    @Override
    public boolean isBound() {
        return local() != null;
    }

    @Override
    public boolean isConnected() {
        return ch.isConnected();
    }

    @Override
    public boolean isClosed() {
        return !ch.isOpen();
    }

    @Override
    public void close() {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing reports nothing to act on
        }
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        if (timeout < 0) {
            throw new IllegalArgumentException("timeout < 0");
        }
        timeoutMillis = timeout;
    }

    @Override
    public int getSoTimeout() {
        return timeoutMillis;
    }

    @Override
    public <T> DatagramSocket setOption(SocketOption<T> name, T value) throws IOException {
        ch.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return ch.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return ch.supportedOptions();
    }
}
