package org.netstack4j.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Short connections over the kernel's loopback, as the bench measures them beside netstack4j's:
 * the client (the measuring thread) connects, sends one byte, reads the one-byte answer and the
 * end, and closes; a server thread accepts, answers and closes first. Blocking
 * {@link SocketChannel}s with TCP_NODELAY, as an application writes it.
 */
final class JdkShortConnections implements AutoCloseable {
    private final ServerSocketChannel listener;
    private final InetSocketAddress address;
    private final ByteBuffer one = ByteBuffer.allocateDirect(1);
    private final Thread serverThread;
    private volatile Throwable serverFailure;

    JdkShortConnections() throws IOException {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), 1024);
        address = (InetSocketAddress) listener.getLocalAddress();
        serverThread = Thread.ofPlatform().name("jdk-short-server").daemon().start(this::serve);
    }

    Thread serverThread() {
        return serverThread;
    }

    private void serve() {
        ByteBuffer in = ByteBuffer.allocateDirect(1);
        try {
            while (true) {
                try (SocketChannel s = listener.accept()) {
                    s.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    if (s.read(in.clear()) == 1) {
                        s.write(in.flip());
                    }
                }
            }
        } catch (ClosedChannelException closed) {
            // the end of the run
        } catch (IOException | RuntimeException e) {
            serverFailure = e;
        }
    }

    /** One connection: open, one byte each way, the server's end, close. */
    void once() throws IOException {
        try (SocketChannel c = SocketChannel.open(address)) {
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            c.write(one.clear().put((byte) 42).flip());
            int got = 0;
            int n;
            while ((n = c.read(one.clear())) >= 0) {
                got += n;
            }
            if (got != 1) {
                throw new IOException("the server answered " + got + " bytes"
                        + (serverFailure != null ? ": " + serverFailure : ""));
            }
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        try {
            serverThread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
