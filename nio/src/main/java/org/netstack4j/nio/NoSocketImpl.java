package org.netstack4j.nio;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;

/**
 * The implementation under the socket adaptors: java.net's Socket and ServerSocket want one, but
 * every call an adaptor takes goes to its channel, so this one refuses everything.
 */
final class NoSocketImpl extends SocketImpl {
    private static IOException refused() {
        return new SocketException("a netstack4j socket adaptor works through its channel");
    }

    @Override
    protected void create(boolean stream) throws IOException {
        throw refused();
    }

    @Override
    protected void connect(String host, int port) throws IOException {
        throw refused();
    }

    @Override
    protected void connect(InetAddress address, int port) throws IOException {
        throw refused();
    }

    @Override
    protected void connect(SocketAddress address, int timeout) throws IOException {
        throw refused();
    }

    @Override
    protected void bind(InetAddress host, int port) throws IOException {
        throw refused();
    }

    @Override
    protected void listen(int backlog) throws IOException {
        throw refused();
    }

    @Override
    protected void accept(SocketImpl s) throws IOException {
        throw refused();
    }

    @Override
    protected InputStream getInputStream() throws IOException {
        throw refused();
    }

    @Override
    protected OutputStream getOutputStream() throws IOException {
        throw refused();
    }

    @Override
    protected int available() throws IOException {
        throw refused();
    }

    @Override
    protected void close() {
    }

    @Override
    protected void sendUrgentData(int data) throws IOException {
        throw refused();
    }

    @Override
    public void setOption(int optID, Object value) throws SocketException {
        throw new SocketException("a netstack4j socket adaptor works through its channel");
    }

    @Override
    public Object getOption(int optID) throws SocketException {
        throw new SocketException("a netstack4j socket adaptor works through its channel");
    }
}
