package org.netstack4j.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The JDK's TCP over the kernel's loopback, the way the bench measures it: a connected pair of
 * blocking {@link SocketChannel}s on 127.0.0.1 with TCP_NODELAY, the server end on a thread of its
 * own (as an application writes it), direct buffers so no call allocates. For bulk the server
 * thread reads and counts; for request/response it answers each byte with one byte.
 */
final class JdkTcp implements AutoCloseable {
    static final String LABEL = "jdk-blocking";

    private final SocketChannel client;
    private final SocketChannel server;
    private final ByteBuffer out = ByteBuffer.allocateDirect(64 * 1024);
    private final ByteBuffer one = ByteBuffer.allocateDirect(1);
    private final ByteBuffer serverIn = ByteBuffer.allocateDirect(64 * 1024);
    private final AtomicLong serverRead = new AtomicLong();
    private final Thread serverThread;
    private volatile Throwable serverFailure;

    private JdkTcp(boolean bulk) throws IOException {
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            client = SocketChannel.open(listener.getLocalAddress());
            server = listener.accept();
        }
        client.setOption(StandardSocketOptions.TCP_NODELAY, true);
        server.setOption(StandardSocketOptions.TCP_NODELAY, true);
        serverThread = Thread.ofPlatform().name("jdk-tcp-server").daemon().start(bulk ? this::sink : this::answer);
    }

    static JdkTcp open(boolean bulk) throws IOException {
        return new JdkTcp(bulk);
    }

    Thread serverThread() {
        return serverThread;
    }

    /** Bulk: the server reads and counts until the connection closes. */
    private void sink() {
        try {
            int n;
            while ((n = server.read(serverIn.clear())) >= 0) {
                serverRead.addAndGet(n);
            }
        } catch (ClosedChannelException closed) {
            // the end of the run
        } catch (IOException | RuntimeException e) {
            serverFailure = e;
        }
    }

    /** Request/response: each byte in is answered with one byte out. */
    private void answer() {
        ByteBuffer b = ByteBuffer.allocateDirect(1);
        try {
            while (server.read(b.clear()) > 0) {
                server.write(b.flip());
            }
        } catch (ClosedChannelException closed) {
            // the end of the run
        } catch (IOException | RuntimeException e) {
            serverFailure = e;
        }
    }

    /** Writes {@code bytes} and waits until the server thread has read them all; returns them. */
    long bulk(long bytes) throws IOException {
        long target = serverRead.get() + bytes;
        long written = 0;
        while (written < bytes) {
            out.clear().limit((int) Math.min(out.capacity(), bytes - written));
            written += client.write(out);
        }
        while (serverRead.get() < target) {
            failIfServerDied();
            Thread.onSpinWait();
        }
        return bytes;
    }

    /** One byte there and back. */
    void requestResponse() throws IOException {
        client.write(one.clear());
        if (client.read(one.clear()) != 1) {
            failIfServerDied();
            throw new IOException("the JDK's server closed the connection");
        }
    }

    private void failIfServerDied() throws IOException {
        if (serverFailure != null) {
            throw new IOException("the JDK's server thread failed", serverFailure);
        }
    }

    @Override
    public void close() throws IOException {
        client.close();
        server.close();
        try {
            serverThread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
