package org.netstack4j.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The JDK's UDP over the kernel's loopback, the way the bench measures it: two connected
 * {@link DatagramChannel}s on 127.0.0.1 carrying 64-byte datagrams, arranged one of three ways.
 * <ul>
 *   <li>{@link Arrangement#BLOCKING}: the receiver (or echo server) on its own thread in blocking
 *       calls, as an application would write it; each datagram may wake a sleeping thread.</li>
 *   <li>{@link Arrangement#SPIN}: the same two threads, but non-blocking calls in a spin loop, the
 *       JDK's nearest thing to busy-polling (each thread keeps a core busy).</li>
 *   <li>{@link Arrangement#ONE_THREAD}: both ends on the calling thread, non-blocking, in the
 *       same batches as netstack4j's run-to-completion measurement: only system calls and the
 *       kernel's loopback path, no thread wake-ups.</li>
 * </ul>
 * Both channels are connected, so {@code read}/{@code write} allocate nothing per datagram.
 */
final class JdkUdp implements AutoCloseable {
    enum Arrangement {
        BLOCKING("jdk-blocking", "receiver/server thread, blocking calls"),
        SPIN("jdk-spin", "receiver/server thread, non-blocking calls in a spin loop"),
        ONE_THREAD("jdk-1thread", "both ends on one thread, non-blocking, same batches as netstack4j");

        final String label;
        final String description;

        Arrangement(String label, String description) {
            this.label = label;
            this.description = description;
        }
    }

    private final Arrangement arrangement;
    private final DatagramChannel client;
    private final DatagramChannel server;
    private final ByteBuffer out;
    private final ByteBuffer in = ByteBuffer.allocateDirect(2048);
    private final ByteBuffer serverIn = ByteBuffer.allocateDirect(2048);
    private final AtomicLong serverCount = new AtomicLong();
    private Thread serverThread;
    private volatile boolean stopping;
    private volatile Throwable serverFailure;

    private JdkUdp(Arrangement arrangement, int payloadBytes) throws IOException {
        this.arrangement = arrangement;
        this.out = ByteBuffer.allocateDirect(payloadBytes);
        client = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        server = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        client.connect(server.getLocalAddress());
        server.connect(client.getLocalAddress());
        boolean blocking = arrangement == Arrangement.BLOCKING;
        client.configureBlocking(blocking);
        server.configureBlocking(blocking);
    }

    /** A pair whose server echoes each datagram back (or, for one-way, only counts it). */
    static JdkUdp open(Arrangement arrangement, int payloadBytes, boolean echo) throws IOException {
        JdkUdp u = new JdkUdp(arrangement, payloadBytes);
        if (arrangement != Arrangement.ONE_THREAD) {
            u.serverThread = Thread.ofPlatform().daemon().name("jdk-udp-" + (echo ? "echo" : "sink"))
                    .start(() -> u.serve(echo));
        }
        return u;
    }

    Arrangement arrangement() {
        return arrangement;
    }

    /** The server thread (null for one thread): its allocation is counted with the caller's. */
    Thread serverThread() {
        return serverThread;
    }

    private void serve(boolean echo) {
        try {
            while (!stopping) {
                serverIn.clear();
                int n = server.read(serverIn);
                if (n <= 0) {
                    Thread.onSpinWait(); // non-blocking and nothing there yet
                    continue;
                }
                serverCount.incrementAndGet();
                if (echo) {
                    serverIn.flip();
                    server.write(serverIn);
                }
            }
        } catch (ClosedChannelException closed) {
            // the measurement is over
        } catch (Throwable t) {
            serverFailure = t;
        }
    }

    /** Datagrams the server thread has taken so far (one-way with a server thread). */
    long serverReceived() {
        return serverCount.get();
    }

    /** One-way with a server thread: sends {@code count} datagrams as fast as the kernel takes them. */
    void send(int count) throws IOException {
        for (int i = 0; i < count; i++) {
            out.clear();
            client.write(out);
        }
        checkServer();
    }

    /**
     * One-way on one thread: sends {@code batch} datagrams, then takes what arrived (loopback
     * delivers during the send call). Returns the datagrams received.
     */
    int sendAndDrain(int batch) throws IOException {
        for (int i = 0; i < batch; i++) {
            out.clear();
            client.write(out);
        }
        int got = 0;
        while (got < batch) {
            serverIn.clear();
            if (server.read(serverIn) <= 0) {
                break; // dropped by the kernel (receive buffer full): counted by the caller as loss
            }
            got++;
        }
        return got;
    }

    /** One datagram there and back. */
    void echoOnce() throws IOException {
        out.clear();
        client.write(out);
        if (arrangement == Arrangement.ONE_THREAD) {
            serverIn.clear();
            spinRead(server, serverIn);
            serverIn.flip();
            server.write(serverIn);
        }
        in.clear();
        spinRead(client, in);
    }

    private void spinRead(DatagramChannel ch, ByteBuffer b) throws IOException {
        long spins = 0;
        while (ch.read(b) <= 0) {
            if (++spins % 1_000_000 == 0) {
                checkServer();
                if (spins > 1_000_000_000L) {
                    throw new IOException("no reply from the JDK echo server (datagram lost?)");
                }
            }
            Thread.onSpinWait();
        }
    }

    private void checkServer() throws IOException {
        Throwable t = serverFailure;
        if (t != null) {
            throw new IOException("JDK server thread failed: " + t, t);
        }
    }

    @Override
    public void close() throws IOException {
        stopping = true;
        client.close();
        server.close();
        if (serverThread != null) {
            try {
                serverThread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
