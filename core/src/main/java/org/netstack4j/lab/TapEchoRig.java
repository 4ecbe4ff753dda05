package org.netstack4j.lab;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.hw.link.TapDevice;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.wire.Ipv4Address;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * UDP echo against Linux over a real link, for the bench: a netstack4j host on a TAP device (the
 * socket, stack, driver, E1000 model and TAP file), or for comparison the JDK's sockets on
 * Linux's stack over a veth pair. Either way the echo server is Linux's: a JDK
 * {@link DatagramSocket} opened inside the far namespace, served by a platform thread of this
 * JVM. So both runs share the server, its kernel and the JVM, and differ only in the client's
 * stack and link. Everything lives in namespaces the rig makes and removes (10.0.2.0/24).
 * Needs root and /dev/net/tun ({@link #unavailable}).
 */
public final class TapEchoRig implements AutoCloseable {
    /** How long a datagram may take before it counts as lost and the window is sent again. */
    private static final int LOSS_TIMEOUT_MS = 200;
    private static final int MAX_TRIES = 25;
    private static final String CLIENT = "10.0.2.15";
    private static final String SERVER = "10.0.2.2";
    private static final int PORT = 7;

    /** One call on a client socket. */
    private interface Call {
        void run() throws IOException;
    }

    /** One end's client: sends a datagram, or waits for one (at most {@link #LOSS_TIMEOUT_MS}). */
    private record Client(Call send, Call receive, AutoCloseable socket) {
    }

    private final List<AutoCloseable> resources;
    private final Client client;
    private final DatagramSocket server;
    private final Thread serving;
    private long lost;

    private TapEchoRig(List<AutoCloseable> resources, Client client, DatagramSocket server) {
        this.resources = resources;
        this.client = client;
        this.server = server;
        this.serving = Thread.ofPlatform().daemon().name("linux-udp-echo").start(this::serve);
    }

    /** Why the rig cannot run here (not root, no /dev/net/tun), or null when it can. */
    public static String unavailable() {
        try {
            String uid = Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:")).findFirst().orElse("Uid: ?").split("\\s+")[1];
            if (!uid.equals("0")) {
                return "not root (the TAP rows make network namespaces and a TAP device)";
            }
        } catch (IOException e) {
            return "cannot read /proc/self/status: " + e.getMessage();
        }
        return Files.exists(Path.of("/dev/net/tun")) ? null : "no /dev/net/tun";
    }

    /** netstack4j on a TAP device woken as {@code mode}, Linux's echo server on the other side. */
    public static TapEchoRig overTap(WakeMode mode, int payload) throws Exception {
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            Netns ns = Netns.create();
            resources.addFirst(ns);
            TapDevice tap = TapDevice.open(Netns.newInterfaceName());
            StandaloneHost host;
            try {
                ns.adopt(tap.name());
                ns.ip("addr", "add", SERVER + "/24", "dev", tap.name());
                ns.ip("link", "set", "dev", tap.name(), "up");
                host = StandaloneHost.start(tap, StandaloneHost.Options.labGuest(mode));
            } catch (Exception e) {
                tap.close();
                throw e;
            }
            resources.addFirst(host);
            DatagramSocket server = ns.openInside(TapEchoRig::serverSocket);
            resources.addFirst(server);
            UdpSocket s = UdpSocket.open(host.host());
            s.setTimeout(Duration.ofMillis(LOSS_TIMEOUT_MS));
            s.connect(Ipv4Address.parseBits(SERVER), PORT);
            byte[] out = new byte[payload];
            byte[] in = new byte[2048];
            return warm(new TapEchoRig(resources, new Client(() -> s.send(out), () -> s.receive(in), s), server));
        } catch (Exception | Error e) {
            closeAll(resources);
            throw e;
        }
    }

    /** The JDK's sockets on Linux in one namespace, the same echo server in another, a veth pair between. */
    public static TapEchoRig overVeth(int payload) throws Exception {
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            Netns near = Netns.create();
            resources.addFirst(near);
            Netns far = Netns.create();
            resources.addFirst(far);
            String a = Netns.newInterfaceName();
            String b = Netns.newInterfaceName();
            // Made in the client's namespace with the far end straight in the server's: never in ours.
            near.ip("link", "add", a, "type", "veth", "peer", "name", b, "netns", far.name());
            near.ip("addr", "add", CLIENT + "/24", "dev", a);
            far.ip("addr", "add", SERVER + "/24", "dev", b);
            near.ip("link", "set", "dev", a, "up");
            far.ip("link", "set", "dev", b, "up");
            DatagramSocket server = far.openInside(TapEchoRig::serverSocket);
            resources.addFirst(server);
            DatagramSocket s = near.openInside(() -> {
                DatagramSocket d = new DatagramSocket(new InetSocketAddress(CLIENT, 0));
                d.connect(new InetSocketAddress(SERVER, PORT));
                d.setSoTimeout(LOSS_TIMEOUT_MS);
                return d;
            });
            DatagramPacket out = new DatagramPacket(new byte[payload], payload);
            DatagramPacket in = new DatagramPacket(new byte[2048], 2048);
            return warm(new TapEchoRig(resources, new Client(() -> s.send(out), () -> {
                in.setLength(2048);
                s.receive(in);
            }, s), server));
        } catch (Exception | Error e) {
            closeAll(resources);
            throw e;
        }
    }

    private static DatagramSocket serverSocket() throws SocketException {
        DatagramSocket d = new DatagramSocket(new InetSocketAddress(SERVER, PORT));
        d.setSoTimeout(LOSS_TIMEOUT_MS);
        return d;
    }

    /** Neighbour resolution first, then a warm path: the first echoes are not measured. */
    private static TapEchoRig warm(TapEchoRig rig) throws IOException {
        for (int i = 0; i < 64; i++) {
            rig.echoOnce();
        }
        return rig;
    }

    /** Linux's side: every datagram back to where it came from, until the socket closes. */
    private void serve() {
        DatagramPacket p = new DatagramPacket(new byte[65_536], 65_536);
        while (!server.isClosed()) {
            p.setLength(65_536);
            try {
                server.receive(p);
                server.send(p);
            } catch (SocketTimeoutException e) {
                // nothing came: look at the socket again
            } catch (IOException e) {
                if (!server.isClosed()) {
                    throw new IllegalStateException("the Linux echo server failed", e);
                }
            }
        }
    }

    /**
     * One datagram out and its echo back (sent again, counted lost, if it does not come in time);
     * fails after {@link #MAX_TRIES} silent tries.
     */
    public void echoOnce() throws IOException {
        for (int i = 0; i < MAX_TRIES; i++) {
            client.send().run();
            try {
                client.receive().run();
                return;
            } catch (SocketTimeoutException e) {
                lost++;
            }
        }
        throw new IOException("no echo from Linux in " + MAX_TRIES + " tries of " + LOSS_TIMEOUT_MS + " ms");
    }

    /** Echoes received in a window run, and the time they took (the drain after it not counted). */
    public record Burst(long echoes, long nanos) {
        public double perSecond() {
            return echoes * 1e9 / Math.max(1, nanos);
        }
    }

    /**
     * Keeps {@code window} datagrams in flight for {@code nanos} and counts the echoes; a window
     * that goes silent is counted lost and sent again. The datagrams still in flight at the end are
     * received (or time out) before returning, so the next call starts clean.
     */
    public Burst window(int window, long nanos) throws IOException {
        long echoes = 0;
        long start = System.nanoTime();
        long deadline = start + nanos;
        for (int i = 0; i < window; i++) {
            client.send().run();
        }
        long now = start;
        while (now < deadline) {
            try {
                client.receive().run();
                echoes++;
                client.send().run();
            } catch (SocketTimeoutException e) {
                lost += window;
                for (int i = 0; i < window; i++) {
                    client.send().run();
                }
            }
            now = System.nanoTime();
        }
        try {
            for (int i = 0; i < window; i++) {
                client.receive().run();
            }
        } catch (SocketTimeoutException e) {
            // the rest of the window was lost (already counted if it was resent)
        }
        return new Burst(echoes, now - start);
    }

    /** Datagrams that timed out (each window resent counts the whole window). */
    public long lost() {
        return lost;
    }

    @Override
    public void close() throws Exception {
        try {
            client.socket().close();
        } finally {
            closeAll(resources); // the server socket first: its thread sees it closed and ends
            serving.join(2 * LOSS_TIMEOUT_MS + 1000);
        }
    }

    private static void closeAll(List<AutoCloseable> resources) throws Exception {
        Exception first = null;
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
