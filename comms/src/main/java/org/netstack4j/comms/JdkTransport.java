package org.netstack4j.comms;

import org.netstack4j.exec.Applications;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/**
 * The library on the JDK's own sockets and the kernel's TCP, on real threads: the comparison the
 * benchmark makes, and the stack a user of the library may also choose.
 */
public final class JdkTransport implements Transport {
    private final Applications apps;
    private final String bindAddress;

    /** Listens on {@code bindAddress} (e.g. 127.0.0.1); threads from {@code apps}, which must be real. */
    public JdkTransport(Applications apps, String bindAddress) {
        this.apps = apps;
        this.bindAddress = bindAddress;
    }

    @Override
    public Applications applications() {
        return apps;
    }

    @Override
    public Acceptor listen(int port, int backlog) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(bindAddress, port), backlog);
        return new Acceptor() {
            @Override
            public Channel accept() throws IOException {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                return new SocketChannel(s);
            }

            @Override
            public int port() {
                return server.getLocalPort();
            }

            @Override
            public void close() {
                try {
                    server.close();
                } catch (IOException ignored) {
                    // closing a listening socket reports nothing worth acting on
                }
            }
        };
    }

    @Override
    public Channel connect(String address, int port, int localPort, Duration timeout) throws IOException {
        Socket s = new Socket();
        try {
            s.setReuseAddress(true);
            s.setTcpNoDelay(true);
            if (localPort != 0) {
                s.bind(new InetSocketAddress(localPort));
            }
            s.connect(new InetSocketAddress(address, port), (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            return new SocketChannel(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    private static final class SocketChannel implements Channel {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        SocketChannel(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        @Override
        public int read(byte[] dst, int offset, int length) throws IOException {
            return in.read(dst, offset, length);
        }

        @Override
        public void write(byte[] src, int offset, int length) throws IOException {
            out.write(src, offset, length);
        }

        @Override
        public void setReadTimeout(Duration timeout) throws IOException {
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        }

        @Override
        public String peer() {
            return socket.getInetAddress().getHostAddress() + ":" + socket.getPort();
        }

        @Override
        public void abort() {
            try {
                socket.setSoLinger(true, 0); // close sends a RST, as a killed process's socket does
                socket.close();
            } catch (IOException ignored) {
                // already closed
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing to do about a failed close
            }
        }
    }
}
