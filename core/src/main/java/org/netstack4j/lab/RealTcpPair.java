package org.netstack4j.lab;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.socket.TcpListener;
import org.netstack4j.socket.TcpSocket;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.stack.SocketClosedException;
import org.netstack4j.stack.TcpEvents;
import org.netstack4j.stack.TcpLayer;
import org.netstack4j.stack.tcp.TcpConfig;
import org.netstack4j.stack.tcp.TcpConnection;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * TCP request/response on the deployment path: two hosts on real threads, one-byte requests and
 * answers, either with the applications on the hosts' loops (the non-blocking API: no thread
 * hand-off at all) or as blocking applications on threads of their own (TcpSocket).
 */
public final class RealTcpPair implements AutoCloseable {
    public static final int PORT = 5002;
    private final Network net;
    private final TcpLayer clientTcp;
    private final TcpSocket blockingClient;
    private final byte[] one = {42};
    private final byte[] reply = new byte[1];

    private RealTcpPair(Network net, TcpLayer clientTcp, TcpSocket blockingClient) {
        this.net = net;
        this.clientTcp = clientTcp;
        this.blockingClient = blockingClient;
    }

    /** Both hosts woken as {@code mode}, a loop-side echo on the server and a blocking one, a blocking client connected. */
    public static RealTcpPair open(WakeMode mode) throws Exception {
        return open(mode, false);
    }

    /**
     * The same, with {@code oneCpuThread} both hosts' CPUs on one thread
     * ({@link Network#sharingOneCpuThread}): fewer threads than cores to hand work between.
     */
    public static RealTcpPair open(WakeMode mode, boolean oneCpuThread) throws Exception {
        // Applications on platform threads: the latency-minded choice (a virtual thread's wake-up costs a carrier's).
        Network net = Network.real(1, org.netstack4j.exec.Applications.realOnPlatformThreads());
        if (oneCpuThread) {
            net.sharingOneCpuThread();
        }
        try {
            HostConfig config = HostConfig.builder().tcp(TcpConfig.DEFAULT.toBuilder().noDelay(true).build()).build();
            Network.Node a = net.addHost("client", MacAddress.parse("02:00:00:00:00:01"), UdpPair.CLIENT_ADDRESS + "/24",
                    mode, config);
            Network.Node b = net.addHost("server", MacAddress.parse("02:00:00:00:00:02"), UdpPair.SERVER_ADDRESS + "/24",
                    mode, config);
            net.cable(a, b);
            net.start();
            TcpLayer serverTcp = b.host().tcp();
            // The loop-side echo: every byte that comes back out at once, on the server's loop.
            serverTcp.execute(() -> {
                try {
                    serverTcp.listenNow(0, PORT, 16, new LoopEcho(serverTcp));
                } catch (java.net.BindException e) {
                    throw new IllegalStateException(e);
                }
            });
            // The blocking echo: a thread of its own per connection.
            TcpListener blocking = TcpListener.listen(b.host(), PORT + 1, 16);
            net.startApplication("blocking-echo", () -> serveBlocking(blocking));
            TcpSocket client = TcpSocket.connect(a.host(), Ipv4Address.parseBits(UdpPair.SERVER_ADDRESS), PORT + 1,
                    Duration.ofSeconds(5));
            client.setNoDelay(true);
            client.setTimeout(Duration.ofSeconds(5));
            RealTcpPair pair = new RealTcpPair(net, a.host().tcp(), client);
            for (int i = 0; i < 100; i++) {
                pair.blockingRoundTrip();
            }
            pair.loopRoundTrips(100, new long[100]);
            return pair;
        } catch (Exception | Error e) {
            net.close();
            throw e;
        }
    }

    private static void serveBlocking(TcpListener listener) {
        try (TcpSocket s = listener.accept()) {
            s.setNoDelay(true);
            byte[] b = new byte[1];
            while (s.read(b) > 0) {
                s.write(b);
            }
        } catch (SocketClosedException closed) {
            // the pair is closing
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One byte there and back between blocking applications on their own threads. */
    public void blockingRoundTrip() throws IOException {
        blockingClient.write(one);
        if (blockingClient.read(reply) != 1) {
            throw new IOException("the echo ended");
        }
    }

    /**
     * {@code rtts.length} round trips by a client application on the client host's loop, each
     * request sent as the previous answer arrives; each round trip's nanoseconds into {@code rtts}.
     */
    public void loopRoundTrips(int count, long[] rtts) throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        LoopClient client = new LoopClient(clientTcp, count, rtts, done);
        clientTcp.execute(() -> {
            try {
                client.connection = clientTcp.connectNow(Ipv4Address.parseBits(UdpPair.SERVER_ADDRESS), PORT, client);
            } catch (SocketException e) {
                throw new IllegalStateException(e);
            }
        });
        if (!done.await(60, TimeUnit.SECONDS)) {
            throw new IOException("the loop-side round trips stalled after " + client.finished + " of " + count);
        }
        clientTcp.execute(() -> clientTcp.closeNow(client.connection));
    }

    /** The loop-side echo server: reads what is readable and writes it straight back. */
    private static final class LoopEcho implements TcpEvents {
        private final TcpLayer tcp;
        private final byte[] buf = new byte[256];

        LoopEcho(TcpLayer tcp) {
            this.tcp = tcp;
        }

        @Override
        public void onAcceptable(TcpLayer.Listener l) {
            while (tcp.acceptNow(l, this) != null) {
                // each accepted connection tells this handler its readiness from now on
            }
        }

        @Override
        public void onReady(TcpConnection c, int ready) {
            try {
                int n;
                while ((n = tcp.readNow(c, buf, 0, buf.length)) > 0) {
                    tcp.writeNow(c, buf, 0, n);
                }
                if (n < 0) {
                    tcp.closeNow(c);
                }
            } catch (SocketException e) {
                tcp.closeNow(c);
            }
        }
    }

    /** The loop-side client: a request when connected, the next as each answer arrives. */
    private static final class LoopClient implements TcpEvents {
        private final TcpLayer tcp;
        private final int count;
        private final long[] rtts;
        private final CountDownLatch done;
        private final byte[] buf = new byte[16];
        TcpConnection connection;
        int finished;
        private long sentAt = -1;

        LoopClient(TcpLayer tcp, int count, long[] rtts, CountDownLatch done) {
            this.tcp = tcp;
            this.count = count;
            this.rtts = rtts;
            this.done = done;
        }

        @Override
        public void onReady(TcpConnection c, int ready) {
            try {
                if (sentAt < 0 && (ready & CONNECTED) != 0) {
                    send(c);
                }
                if (tcp.readNow(c, buf, 0, buf.length) > 0) {
                    rtts[finished++] = System.nanoTime() - sentAt;
                    if (finished == count) {
                        done.countDown();
                    } else {
                        send(c);
                    }
                }
            } catch (SocketException e) {
                throw new IllegalStateException(e);
            }
        }

        private void send(TcpConnection c) throws SocketException {
            sentAt = System.nanoTime();
            tcp.writeNow(c, buf, 0, 1);
        }
    }

    @Override
    public void close() throws IOException {
        blockingClient.close();
        net.close();
    }
}
