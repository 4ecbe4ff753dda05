package org.netstack4j.comms;

import org.netstack4j.exec.Applications;
import org.netstack4j.socket.TcpListener;
import org.netstack4j.socket.TcpSocket;
import org.netstack4j.stack.Host;
import org.netstack4j.wire.Ipv4Address;

import java.io.IOException;
import java.net.SocketException;
import java.time.Duration;

/** The library on netstack4j TCP: a host's {@link TcpSocket}s and {@link TcpListener}s. */
public final class NetstackTransport implements Transport {
    private final Host host;

    public NetstackTransport(Host host) {
        this.host = host;
    }

    @Override
    public Applications applications() {
        return host.applications();
    }

    @Override
    public Acceptor listen(int port, int backlog) throws IOException {
        TcpListener listener = TcpListener.listen(host, port, backlog);
        return new Acceptor() {
            @Override
            public Channel accept() throws IOException {
                return new SocketChannel(listener.accept());
            }

            @Override
            public int port() {
                return listener.port();
            }

            @Override
            public void close() {
                listener.close();
            }
        };
    }

    @Override
    public Channel connect(String address, int port, int localPort, Duration timeout) throws IOException {
        return new SocketChannel(TcpSocket.connect(host, localPort, Ipv4Address.parseBits(address), port, timeout));
    }

    private record SocketChannel(TcpSocket socket) implements Channel {
        @Override
        public int read(byte[] dst, int offset, int length) throws IOException {
            return socket.read(dst, offset, length);
        }

        @Override
        public void write(byte[] src, int offset, int length) throws IOException {
            socket.write(src, offset, length);
        }

        @Override
        public void setReadTimeout(Duration timeout) {
            socket.setTimeout(timeout);
        }

        @Override
        public String peer() {
            return Ipv4Address.format(socket.remoteAddress()) + ":" + socket.remotePort();
        }

        @Override
        public void abort() {
            try {
                socket.abort();
            } catch (SocketException hostGone) {
                // the host stopped: nothing is left to reset
            }
        }

        @Override
        public void close() {
            socket.close();
        }
    }
}
